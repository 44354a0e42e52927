"""``Idempotency-Key`` on writing API calls: a retry with the same key gets the first
answer back and changes nothing (money is never booked twice).

The key is stored with the request's hash in the same transaction as the work it did: a
request that failed left no key (its retry runs again), one that succeeded left its answer.
Two identical requests at once: the second waits on the key's unique index, then replays.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from .db import UTCDateTime
from .errors import Conflict, ValidationFailed, invalid
from .timeutil import utcnow

HEADER = "Idempotency-Key"
WRITING = {"POST", "PUT", "PATCH", "DELETE"}


class IdempotencyRecord(Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _find(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    ).scalar_one_or_none()


def _replay(record: IdempotencyRecord):
    response = current_app.response_class(record.body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def claim_or_replay():
    """Before a writing API call: replay the stored answer, or claim the key."""
    key = request.headers.get(HEADER)
    user = g.get("api_user")
    if not key or user is None or request.method not in WRITING:
        return None
    if len(key) > 100 or not key.strip():
        raise invalid({HEADER: [_("1 to 100 characters.")]})
    request_hash = _request_hash()
    record = _find(user.id, key)
    if record is None:
        record = IdempotencyRecord(user_id=user.id, key=key, request_hash=request_hash)
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:  # the same key, at the same moment, has just been used
            found = _find(user.id, key)
            if found is None:  # taken and rolled back meanwhile: the client tries again
                raise Conflict(
                    _("A request with this Idempotency-Key is still being processed."), code="in_progress"
                ) from None
            record = found
        else:
            g.idempotency_record = record
            return None
    if record.request_hash != request_hash:
        raise ValidationFailed(
            _("This Idempotency-Key was used for another request."),
            fields={HEADER: [_("Already used for another request.")]},
        )
    if record.status_code is None:
        raise Conflict(_("A request with this Idempotency-Key is still being processed."), code="in_progress")
    return _replay(record)


def remember(response) -> None:
    """After a successful writing call, before commit: keep the answer with the key."""
    record = g.pop("idempotency_record", None)
    if record is None:
        return
    record.status_code = response.status_code
    body = response.get_data(as_text=True)
    record.body = body if response.is_json else json.dumps({"status": response.status_code})
