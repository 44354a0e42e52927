"""The ``subsidy`` command: Flask's CLI with the application's own commands.

Every command exits 0 on success and non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from .core.errors import AppError


def _create_app():
    from . import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="The Shanxi foreign-talent subsidy system.")


@click.group("seed", help="Load the plan or demonstration data.")
def seed_group():
    pass


@seed_group.command("plan")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A plan file (TOML); default: the Shanxi plan, 晋发〔2017〕47号.",
)
@with_appcontext
def seed_plan(path):
    """Programs, rates, document kinds and cities (idempotent)."""
    from .extensions import db
    from .programs import operations as programs

    added = programs.load_plan(path)
    db.session.commit()
    summary = ", ".join(f"{name} +{count}" for name, count in added.items())
    click.echo(f"plan loaded: {summary}")


@seed_group.command("demo")
@with_appcontext
def seed_demo():
    """Demo organisations, talents and one user per role; prints the passwords."""
    from .demo import operations as demo
    from .extensions import db
    from .programs import operations as programs

    programs.load_plan()
    accounts = demo.load_demo()
    db.session.commit()
    click.echo("Demo accounts (passwords are new on every run):")
    click.echo(f"{'username':<14} {'role':<13} {'password':<18} organisation")
    for account in accounts:
        click.echo(
            f"{account.username:<14} {account.role:<13} {account.password:<18} {account.organization or ''}"
        )


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["employer", "intermediary", "hr", "finance", "auditor", "admin"]),
)
@click.option("--org", "organization_id", type=int, default=None, help="Organisation id")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@click.option("--display-name", default=None)
@click.option("--email", default=None, help="Where notifications are mailed")
@click.option("--senior", is_flag=True, help="Senior HR reviewer (second approvals)")
@click.option("--inspector", is_flag=True, help="Put the HR user on the inspector roster (双随机)")
@click.option(
    "--field", "inspector_field", default="综合检查 general", show_default=True, help="The inspector's field"
)
@with_appcontext
def create_user_command(
    username, role, organization_id, password_stdin, display_name, email, senior, inspector, inspector_field
):
    """Create a user; asks for the password unless --password-stdin."""
    from .extensions import db
    from .users import operations as users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = users.create_user(
        None,
        username=username,
        password=password,
        role=role,
        organization_id=organization_id,
        display_name=display_name,
        is_senior=senior,
        email=email,
    )
    if inspector:
        from .inspections import operations as inspections

        inspections.add_inspector(None, user_id=user.id, field=inspector_field)
    db.session.commit()
    click.echo(
        f"created user {user.username} (id {user.id}, role {user.role.value})"
        + (", on the inspector roster" if inspector else "")
    )


@click.group("notify", help="Notifications that run on a schedule.")
def notify_group():
    pass


@notify_group.command("deadlines")
@click.option("--days-ahead", default=2, show_default=True, help="Working days before a deadline")
@with_appcontext
def notify_deadlines(days_ahead):
    """Remind those who must act of stages coming due or overdue (run daily)."""
    from .extensions import db
    from .notifications import operations as notifications

    count = notifications.remind_deadlines(days_ahead=days_ahead)
    db.session.commit()
    sent, failed = notifications.deliver()
    click.echo(f"reminders: {count}; e-mails sent {sent}, failed {failed}")


@click.group("mail", help="E-mail delivery.")
def mail_group():
    pass


@mail_group.command("send")
@with_appcontext
def mail_send():
    """Send every queued e-mail not yet sent (retries earlier failures)."""
    from .notifications import operations as notifications

    sent, failed = notifications.deliver()
    click.echo(f"e-mails sent {sent}, failed {failed}")
    if failed:
        raise click.ClickException(f"{failed} e-mail(s) could not be sent")


@click.group("ledger", help="The ledger.")
def ledger_group():
    pass


@ledger_group.command("verify")
@with_appcontext
def ledger_verify():
    """Recompute the hash chain; exit 1 if any entry was altered."""
    import json

    from .budgets import operations as budgets
    from .ledger import operations as ledger

    result = ledger.verify_chain()
    drift = budgets.drift()
    ok = result.ok and not drift
    click.echo(
        json.dumps(
            {
                "ok": ok,
                "entries": result.entries,
                "first_bad_entry": result.first_bad_entry,
                "head_hash": result.head_hash,
                "budgets_match": not drift,
            }
        )
    )
    if not ok:
        where = (
            f"the chain breaks at entry {result.first_bad_entry}"
            if result.first_bad_entry is not None
            else "; ".join(result.problems) or "budget lines disagree with the ledger"
        )
        raise click.ClickException(f"ledger verification failed: {where}")


@click.group("report", help="Reports and exports to files.")
def report_group():
    pass


def _format_of(path: str, given: str | None, allowed: tuple[str, ...]) -> str:
    fmt = given or path.rsplit(".", 1)[-1].lower()
    if fmt not in allowed:
        raise click.ClickException(
            f"format must be one of {', '.join(allowed)} (give --format or a file ending in one)"
        )
    return fmt


_BY_HELP = "The user named as preparer (编制) in the PDF's sign-off; default: 系统 system"


def _signer(username: str | None):
    """The user a PDF names as its preparer: --by, else None (the system)."""
    if not username:
        return None
    from .users import operations as users

    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    return user


def _write(path: str, data) -> None:
    with open(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


@report_group.command("budget")
@click.option("--year", "fiscal_year", type=click.IntRange(2000, 2100), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "xlsx", "csv", "json"]),
    default=None,
    help="Default: from the file name",
)
@click.option("-o", "--output", required=True, help="The file to write")
@click.option("--by", "username", default=None, help=_BY_HELP)
@with_appcontext
def report_budget(fiscal_year, fmt, output, username):
    """The budget report of a fiscal year (二十)."""
    from .reports import exports, operations

    fmt = _format_of(output, fmt, ("pdf", "xlsx", "csv", "json"))
    report = operations.compile_budget_report(fiscal_year)
    _write(output, _json(report) if fmt == "json" else exports.budget_file(report, fmt, _signer(username))[0])
    total = report["total"]
    click.echo(
        f"budget report {fiscal_year} ({fmt}) written to {output}: allocated "
        f"{total['allocated']:,.2f}, committed {total['committed']:,.2f}, "
        f"paid {total['paid']:,.2f}, available {total['available']:,.2f}"
    )


@report_group.command("quarterly")
@click.option("--quarter", required=True, help="YYYYQn, e.g. 2026Q3")
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "json"]), default=None, help="Default: from the file name"
)
@click.option("-o", "--output", required=True, help="The file to write")
@click.option("--by", "username", default=None, help=_BY_HELP)
@with_appcontext
def report_quarterly(quarter, fmt, output, username):
    """The quarterly report to the national bureau, due by the 15th of the next quarter's first month."""
    from .reports import operations, pdf

    fmt = _format_of(output, fmt, ("pdf", "json"))
    parsed = operations.Quarter.parse(quarter)
    report = operations.compile_quarterly_report(parsed)
    _write(output, pdf.quarterly_pdf(report, _signer(username)) if fmt == "pdf" else _json(report))
    click.echo(
        f"quarterly report {parsed} ({fmt}) written to {output}: due {report['due_date']}, "
        f"{report['total']['claims']} claims, paid {report['total']['amount']:,.2f}"
    )


@report_group.command("ledger")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default=None)
@click.option("-o", "--output", required=True, help="The file to write")
@click.option("--by", "username", default=None, help=_BY_HELP)
@with_appcontext
def report_ledger(date_from, date_to, fmt, output, username):
    """The ledger (Beijing dates, inclusive) with every hash, clause and tax-exempt mark."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from .core.timeutil import LOCAL_TZ
    from .ledger import exports
    from .ledger.models import LedgerEntry

    fmt = _format_of(output, fmt, ("pdf", "xlsx", "csv"))
    stmt = select(LedgerEntry).order_by(LedgerEntry.seq)
    if date_from:
        stmt = stmt.where(LedgerEntry.posted_at >= datetime.combine(date_from.date(), time(), LOCAL_TZ))
    if date_to:
        stmt = stmt.where(
            LedgerEntry.posted_at < datetime.combine(date_to.date() + timedelta(days=1), time(), LOCAL_TZ)
        )
    subtitle = (
        f"期间 Period {date_from.date() if date_from else '…'} – "
        f"{date_to.date() if date_to else '…'}（北京时间 Beijing time）"
    )
    if fmt == "csv":
        with open(output, "w", encoding="utf-8", newline="") as handle:
            for chunk in exports.csv_stream(stmt):
                handle.write(chunk)
    else:
        if fmt == "xlsx":
            totals = exports.write_xlsx_file(stmt, output, subtitle=subtitle)
        else:
            totals = exports.write_pdf_file(stmt, output, subtitle=subtitle, by=_signer(username))
        click.echo(
            f"ledger ({fmt}) written to {output}: {totals.entries} entries, "
            f"debit {totals.debit:,.2f}, credit {totals.credit:,.2f}"
        )
        return
    click.echo(f"ledger (csv) written to {output}")


@click.group("inspections", help="Double-random spot checks (双随机).")
def inspections_group():
    pass


@inspections_group.command("draw")
@click.option(
    "--population",
    required=True,
    type=click.Choice(["employers", "intermediaries", "paid_claims", "talents"]),
)
@click.option("--ratio", required=True, help="Share of the registry to draw, at least 0.05")
@click.option(
    "--seed",
    default=None,
    help="Makes a rehearsal (演练) from this seed, never an official draw. Without it: "
    "an official draw, its seed made by the server and recorded before the draw",
)
@click.option("--plan-year", type=int, default=None, help="Default: this year's plan, if any")
@click.option("--by", "username", default=None, help="The HR user making the draw (recorded)")
@with_appcontext
def inspections_draw(population, ratio, seed, plan_year, username):
    """Draw objects and assign inspectors; prints the draw as JSON. An official draw's seed
    is made by the server; --seed makes a rehearsal."""
    from decimal import Decimal, InvalidOperation

    from .extensions import db
    from .inspections import operations as inspections
    from .users import operations as users

    try:
        ratio = Decimal(ratio)
    except InvalidOperation:
        raise click.ClickException("--ratio must be a number such as 0.05") from None
    actor = None
    if username:
        actor = users.find_user(username)
        if actor is None:
            raise click.ClickException(f"no user named {username}")
    record = inspections.make_draw(actor, population=population, ratio=ratio, seed=seed, plan_year=plan_year)
    db.session.commit()
    if record.rehearsal:
        click.echo(
            f"rehearsal (演练) {record.id} from the given seed: not an official draw "
            "(an official draw takes no --seed)",
            err=True,
        )
    else:
        click.echo(
            f"official draw {record.id}: seed made by the server and recorded before the draw", err=True
        )
    click.echo(
        _json(
            {
                "id": record.id,
                "rehearsal": record.rehearsal,
                "seed": record.seed,
                "seed_event_id": record.seed_event_id,
                "algorithm": record.algorithm,
                "fingerprint": record.fingerprint,
                "population_size": len(record.population_snapshot),
                "objects": record.result,
            }
        )
    )


@inspections_group.command("verify")
@click.argument("draw_id", type=int)
@with_appcontext
def inspections_verify(draw_id):
    """Re-run a recorded draw from its seed and snapshots; exit 1 if it differs."""
    from .inspections import operations as inspections

    result = inspections.verify_draw(inspections.get_draw(None, draw_id))
    click.echo(_json(result))
    if not result["ok"]:
        failed = ", ".join(name for name, passed in result["checks"].items() if not passed)
        raise click.ClickException(f"draw {draw_id} does not verify: {failed}")


def _json(report: dict) -> str:
    import json
    from datetime import date, datetime
    from decimal import Decimal

    def default(value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return str(value)

    return json.dumps(report, ensure_ascii=False, indent=2, default=default)


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", type=int, default=None, help="Worker processes (default: the CPUs)")
@click.option("--loglevel", default="INFO", show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker_command(concurrency, loglevel, celery_args):
    """Run a Celery worker for long work (needs CELERY_BROKER_URL)."""
    from flask import current_app

    if not current_app.config.get("CELERY_BROKER_URL"):
        raise click.ClickException(
            "CELERY_BROKER_URL is not set: without a broker, jobs run inside the web server itself."
        )
    argv = ["worker", f"--loglevel={loglevel}", "--hostname", f"subsidy-{os.getpid()}@%h"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    current_app.extensions["celery"].worker_main([*argv, *celery_args])


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every scheduled task once now, and stop")
@with_appcontext
def scheduler_command(once):
    """What runs on a schedule (deadline reminders daily at 08:00 Beijing time, mail retries
    every 5 minutes, jobs whose worker stopped every 30 seconds): Celery beat with a broker,
    else in this process."""
    from flask import current_app

    from .jobs.tasks import run_schedule_here

    app = current_app._get_current_object()
    if current_app.config.get("CELERY_BROKER_URL") and not once:
        schedule = os.path.join(app.instance_path, "celerybeat-schedule")
        app.extensions["celery"].start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])
        return
    run_schedule_here(app, once=once)


@click.group("jobs", help="Long work.")
def jobs_group():
    pass


@jobs_group.command("recover")
@with_appcontext
def jobs_recover():
    """Queue again (or fail) running jobs whose worker stopped reporting."""
    from .jobs.operations import recover_stale

    click.echo(_json(recover_stale()))


def register_commands(app) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(seed_group)
    app.cli.add_command(create_user_command)
    app.cli.add_command(notify_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(ledger_group)
    app.cli.add_command(report_group)
    app.cli.add_command(inspections_group)


def _one_line(exc: AppError) -> str:
    details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.fields.items())
    return f"{exc.message} {details}".strip()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``subsidy`` console script."""
    os.environ.setdefault("FLASK_APP", "subsidy_app")
    try:
        result = cli.main(args=argv, prog_name="subsidy", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}".replace("\n", " "), err=True)
        sys.exit(exc.exit_code)
    except AppError as exc:
        click.echo(f"error: {_one_line(exc)}".replace("\n", " "), err=True)
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # one line for operators; SUBSIDY_DEBUG=1 for the traceback
        if os.environ.get("SUBSIDY_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"error: {type(exc).__name__}: {first}", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
