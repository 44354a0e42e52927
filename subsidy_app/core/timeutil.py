"""Times are stored in UTC and shown in Asia/Shanghai."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC. Pass the function as a column default."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Shanghai: the date that policy deadlines and rates refer to."""
    return datetime.now(LOCAL_TZ).date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def local_now() -> datetime:
    """Now in Asia/Shanghai (for what people read; store utcnow())."""
    return datetime.now(LOCAL_TZ)
