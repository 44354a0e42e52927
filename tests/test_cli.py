"""The `subsidy` console script: exit 0 on success, non-zero with a one-line reason."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from subsidy_app.cli import main

SUBSIDY = str(Path(sys.executable).parent / "subsidy")


def run(url, *args, stdin=None):
    """The installed console script, in a process of its own."""
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([SUBSIDY, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def passwords(output: str) -> dict[str, str]:
    rows = [line.split() for line in output.splitlines()[2:] if line.strip()]
    return {row[0]: row[2] for row in rows}


def test_console_script_migrates_seeds_and_prints_working_passwords(empty_database_url):
    url = empty_database_url
    assert run(url, "db", "upgrade").returncode == 0
    first = run(url, "seed", "plan")
    assert first.returncode == 0 and "programs +12" in first.stdout
    second = run(url, "seed", "plan")
    assert second.returncode == 0 and "programs +0" in second.stdout and "rates +0" in second.stdout
    demo = run(url, "seed", "demo")
    assert demo.returncode == 0, demo.stderr
    printed = passwords(demo.stdout)
    assert {"admin", "hr", "hr2", "hrlead", "finance", "finance2", "auditor", "employer", "agent"} <= set(
        printed
    )
    reminders = run(url, "notify", "deadlines")
    assert reminders.returncode == 0 and reminders.stdout.startswith("reminders: ")
    assert run(url, "mail", "send").returncode == 0
    verified = run(url, "ledger", "verify")
    assert verified.returncode == 0 and '"ok": true' in verified.stdout
    _reports_from_the_command_line(url)

    from subsidy_app import create_app
    from subsidy_app.extensions import db
    from subsidy_app.users import operations as users

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        assert users.authenticate("hr", printed["hr"]).role == "hr"
        assert users.authenticate("employer", printed["employer"]).organization_id is not None
        db.engine.dispose()


def _reports_from_the_command_line(url):
    """The demo pays one travel claim: the reports written by the CLI carry it."""
    import csv
    import json
    import tempfile

    from subsidy_app.core.timeutil import local_today
    from subsidy_app.reports.operations import Quarter

    year, quarter = local_today().year, Quarter.of(local_today())
    with tempfile.TemporaryDirectory() as folder:
        budget = Path(folder) / "budget.csv"
        done = run(url, "report", "budget", "--year", str(year), "--format", "csv", "-o", str(budget))
        assert done.returncode == 0, done.stderr
        rows = {r["program_code"]: r for r in csv.DictReader(budget.open(encoding="utf-8"))}
        assert rows["TRAVEL"]["paid"] == "9650.00" and rows["RECRUIT_KEY"]["committed"] == "100000.00"
        for suffix in ("pdf", "xlsx"):
            target = Path(folder) / f"budget.{suffix}"
            assert run(url, "report", "budget", "--year", str(year), "-o", str(target)).returncode == 0
            assert target.stat().st_size > 1000
        report = Path(folder) / "q.json"
        done = run(url, "report", "quarterly", "--quarter", str(quarter), "-o", str(report))
        assert done.returncode == 0, done.stderr
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["due_date"] == quarter.due_date.isoformat() and data["total"]["amount"] == "9650.00"
        pdf = Path(folder) / "q.pdf"
        assert run(url, "report", "quarterly", "--quarter", str(quarter), "-o", str(pdf)).returncode == 0
        assert pdf.read_bytes().startswith(b"%PDF")
        for args in (
            ("report", "quarterly", "--quarter", "2026Q7", "-o", str(pdf)),
            ("report", "budget", "--year", str(year), "-o", str(Path(folder) / "b.doc")),
        ):
            failed = run(url, *args)
            lines = [line for line in failed.stderr.splitlines() if line.strip()]
            assert failed.returncode != 0 and len(lines) == 1 and lines[0].startswith("error:"), failed.stderr


class Cli:
    """The same entry point, called in this process (fast), with its exit status."""

    def __init__(self, url, capsys, monkeypatch):
        self.capsys, self.monkeypatch = capsys, monkeypatch
        monkeypatch.setenv("DATABASE_URL", url)

    def __call__(self, *args, stdin=None):
        import io

        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = self.capsys.readouterr()
        return exit_info.value.code, out, err


@pytest.fixture
def cli(database_url, capsys, monkeypatch):
    return Cli(database_url, capsys, monkeypatch)


def one_line_error(result):
    code, _out, err = result
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    return lines[0]


def test_create_user_reads_the_password_from_stdin(cli):
    code, out, _err = cli(
        "create-user", "zhang.san", "--role", "finance", "--password-stdin", stdin="a-long-password\n"
    )
    assert code == 0 and "zhang.san" in out
    assert "zhang.san" in one_line_error(
        cli("create-user", "zhang.san", "--role", "finance", "--password-stdin", stdin="a-long-password\n")
    )


def test_create_user_with_an_organisation(cli, app_for_cli):
    org_id = app_for_cli()
    code, out, _ = cli(
        "create-user",
        "wang.wu",
        "--role",
        "employer",
        "--org",
        str(org_id),
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert code == 0, out


@pytest.mark.parametrize(
    "args, stdin",
    [
        (("create-user", "x1", "--role", "boss", "--password-stdin"), "a-long-password\n"),
        (("create-user", "x2", "--role", "hr", "--password-stdin"), "short\n"),
        (("create-user", "x3", "--role", "employer", "--password-stdin"), "a-long-password\n"),
        (
            ("create-user", "x4", "--role", "employer", "--org", "99999", "--password-stdin"),
            "a-long-password\n",
        ),
        (("create-user",), None),
        (("no-such-command",), None),
    ],
)
def test_failures_exit_non_zero_with_one_line(cli, args, stdin):
    one_line_error(cli(*args, stdin=stdin))


def test_an_unreachable_database_is_one_line(capsys, monkeypatch):
    cli = Cli("postgresql+psycopg://nobody@127.0.0.1:1/none", capsys, monkeypatch)
    assert "error" in one_line_error(cli("seed", "plan"))


@pytest.fixture
def app_for_cli(database_url):
    """Make an employer in the CLI's database, and return its id."""

    def make():
        from subsidy_app import create_app
        from subsidy_app.extensions import db
        from subsidy_app.organizations import operations as organizations
        from tests.conftest import new_credit_code

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
        with app.app_context():
            org = organizations.create_organization(
                None, kind="employer", name="CLI单位", credit_code=new_credit_code(), city="太原市"
            )
            db.session.commit()
            org_id = org.id
            db.engine.dispose()
        return org_id

    return make


def test_ledger_verify_fails_on_a_tampered_entry(cli, database_url, world_ledger):
    code, out, _err = cli("ledger", "verify")
    assert code == 0 and '"ok": true' in out
    world_ledger.tamper()
    line = one_line_error(cli("ledger", "verify"))
    assert "entry" in line


@pytest.fixture
def world_ledger(database_url):
    """A few ledger entries in the CLI's database, and a way to alter one behind its back."""
    from decimal import Decimal

    from sqlalchemy import text

    from subsidy_app import create_app
    from subsidy_app.extensions import db
    from subsidy_app.ledger import operations as ledger
    from subsidy_app.ledger.models import TransactionKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        for _ in range(3):
            ledger.post(
                TransactionKind.ADJUSTMENT,
                [ledger.dr("available", Decimal("10.00")), ledger.cr("appropriation", Decimal("10.00"))],
                fiscal_year=2030,
                program_code="TRAVEL",
            )
        db.session.commit()

    class Handle:
        @staticmethod
        def tamper():
            with app.app_context():
                connection = db.session.connection()
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SET session_replication_role = replica"))
                    connection.execute(text("UPDATE ledger_entries SET debit = 11 WHERE seq = 3"))
                    connection.execute(text("SET session_replication_role = origin"))
                else:
                    connection.execute(text("DROP TRIGGER trg_ledger_entries_no_update"))
                    connection.execute(text("UPDATE ledger_entries SET debit = 11 WHERE seq = 3"))
                db.session.commit()
                db.engine.dispose()

    yield Handle
    with app.app_context():
        db.engine.dispose()


def test_inspections_from_the_command_line(cli, app_for_cli):
    import json

    app_for_cli()
    code, out, _err = cli(
        "create-user",
        "li.si",
        "--role",
        "hr",
        "--password-stdin",
        "--inspector",
        "--field",
        "资助资金",
        stdin="a-long-password\n",
    )
    assert code == 0 and "inspector roster" in out
    # without --seed: an official draw, its seed made by the server
    code, out, err = cli("inspections", "draw", "--population", "employers", "--ratio", "0.05")
    assert code == 0, err
    drawn = json.loads(out)
    assert drawn["rehearsal"] is False and len(drawn["seed"]) * 4 >= 128 and drawn["seed_event_id"]
    assert "official" in err and "rehearsal" not in err
    assert len(drawn["objects"]) >= 1
    assert all(len(o["inspectors"]) == 1 for o in drawn["objects"])  # one inspector on the roster
    code, out, _err = cli("inspections", "verify", str(drawn["id"]))
    assert code == 0 and json.loads(out)["ok"] is True
    # --seed makes a rehearsal, and says so; the same seed draws the same again
    rehearsals = []
    for _ in range(2):
        code, out, err = cli(
            "inspections", "draw", "--population", "employers", "--ratio", "0.05", "--seed", "cli-seed"
        )
        assert code == 0, err
        rehearsals.append(json.loads(out))
        assert "rehearsal" in err and "演练" in err and "not an official draw" in err
    assert all(r["rehearsal"] is True and r["seed"] == "cli-seed" for r in rehearsals)
    assert rehearsals[0]["objects"] == rehearsals[1]["objects"]
    code, out, _err = cli("inspections", "verify", str(rehearsals[0]["id"]))
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["rehearsal"] is True
    assert "0.05" in one_line_error(
        cli("inspections", "draw", "--population", "employers", "--ratio", "0.01")
    )
    one_line_error(cli("inspections", "verify", "99999"))
