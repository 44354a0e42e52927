"""Invariants under random use: random sequences of real operations by random actors, right
and wrong, through the HTTP API; after every step, what must always hold (checks.py).

``make test`` runs a bounded, reproducible search on each database (a fixed seed, a few
hundred steps). ``make soak`` runs the same machine for as long as asked and prints how
many steps ran and how many violations were found::

    SOAK_SECONDS=600 make soak      # per database; or SOAK_EXAMPLES=200 make soak

Knobs (environment): INVARIANTS_EXAMPLES and INVARIANTS_STEPS (the bounded run),
SOAK_SECONDS, SOAK_EXAMPLES and SOAK_STEPS (the soak), SHRINK_SECONDS (how long hypothesis
may shrink a failure towards its minimal sequence), INVARIANTS_TRACE=1 (print every answer).
"""

from __future__ import annotations

import io
import os
import re
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from subsidy_app.claims import operations as claim_ops
from subsidy_app.claims.models import Claim
from subsidy_app.extensions import db
from subsidy_app.programs.models import DocumentRequirement as Docs
from subsidy_app.recoveries.models import RecoveryOrder
from tests.conftest import ApiClient
from tests.invariants import checks
from tests.invariants.harness import Databases
from tests.world import CLAIM_BODIES, USERS, act, upload

#: The contract's answers; anything else (a 5xx above all) is a violation.
ANSWERS = {200, 201, 202, 204, 400, 403, 404, 409, 422}
PROGRAMS = (
    "TRAVEL",
    "RECRUIT_KEY",
    "RECRUIT_REGULAR",
    "FRIENDSHIP_NATIONAL",
    "HEADHUNTER",
    "KEY_TECH",
    "DEMO_BASE_PROVINCIAL",
)
HEADHUNTER = {"details": {"contract_signed_on": "2023-12-01", "commission": "40000.00"}}
DISCRETIONARY = {"KEY_TECH": "100000.00"}  # the amount HR sets at approval
ACTIONS = (
    "submit",
    "withdraw",
    "return",
    "defer_documents",
    "hr_approve",
    "hr_reject",
    "finance_approve",
    "finance_reject",
    "appeal",
)
APPLICANT_ACTIONS, FINANCE_ACTIONS = {"submit", "withdraw", "appeal"}, {"finance_approve", "finance_reject"}
HR_REVIEWERS = ("hr", "hr2", "senior", "senior2")
#: Organisations and talents of the world, and whose users act for them.
SUBJECTS = {
    "employer_org": "employer",
    "other_org": "other_employer",
    "agency": "agent",
    "talent": "employer",
    "other_talent": "other_employer",
}
#: "usual": whoever the process expects (drawn half the time; shrinking goes to it); else anyone.
ACTORS = st.one_of(st.just("usual"), st.sampled_from(USERS))
STATS: Counter = Counter()
#: Soak: kinds of violation already reported (shrunk) once; seen again, they are counted only.
KNOWN: set[str] = set()
RAISED: set[str] = set()  # the kinds the last failing check raised
_USERS = re.compile(r"\b(w-)?(" + "|".join(sorted(USERS, key=len, reverse=True)) + r")\b")


def kind(what: str, problem: str) -> str:
    return f"{what}: " + re.sub(r"\d+(\.\d+)?", "#", _USERS.sub("<user>", problem))


class RandomUse(RuleBasedStateMachine):
    databases: Databases  # set by the test, per backend

    claims, batches, orders = Bundle("claims"), Bundle("batches"), Bundle("orders")
    conflicts, listings = Bundle("conflicts"), Bundle("listings")

    def __init__(self):
        super().__init__()
        self._exit = ExitStack()
        tokens = self._exit.enter_context(self.databases.fresh())
        self.app, self.world = self.databases.app, self.databases.world
        client = self.app.test_client()
        self.api = {name: ApiClient(client, token) for name, token in tokens.items()}
        self.w = SimpleNamespace(**{k: v for k, v in self.world.items() if k != "users"})
        self.names = {user["id"]: name for name, user in self.world["users"].items()}
        self.filer, self.batch_maker, self.reviewer_of = {}, {}, {}
        self.problems: list[str] = []
        self.changes, self.checked_at, self.findings = 0, None, {}
        STATS["examples"] += 1

    def teardown(self):
        self._exit.close()

    # --- talking to the API and reading the database ---------------------------------------

    def send(self, what: str, request):
        """One request; an answer outside the contract (or an exception) is a violation."""
        try:
            response = request()
        except Exception as exc:  # noqa: BLE001 - an exception out of a request is a 5xx
            self.problems.append(f"{what}: raised {exc!r}")
            return None
        code = response.status_code
        STATS[f"answered {code}"] += 1
        self.changes += code < 300 and response.request.method != "GET"
        if os.environ.get("INVARIANTS_TRACE"):
            print(f"  {code} {what} {response.get_data(as_text=True)[:200] if code >= 400 else ''}")
        if code not in ANSWERS:
            self.problems.append(f"{what}: answered {code} {response.get_data(as_text=True)[:300]}")
        return response

    def post(self, who, path, body, what=None):
        return self.send(what or f"POST {path} {body} as {who}", lambda: self.api[who].post(path, json=body))

    @staticmethod
    def granted(response) -> bool:
        return response is not None and response.status_code < 300

    @contextmanager
    def database(self):
        with self.app.app_context():
            yield db.session

    def claim(self, claim_id: int) -> SimpleNamespace:
        with self.database() as session:
            c = session.get(Claim, claim_id)
            return SimpleNamespace(
                status=c.status.value,
                stage=c.stage.value,
                program=c.program.code,
                amount_paid=c.amount_paid,
                rejected_by=self.names.get(c.rejected_by_id),
                first_approver=self.names.get(c.first_approved_by_id),
                essential=claim_ops.missing_documents(c, Docs.ESSENTIAL),
                deferrable=claim_ops.missing_documents(c, Docs.DEFERRABLE),
                deferrable_kinds=c.program.documents_by(Docs.DEFERRABLE),
            )

    def usual(self, claim_id: int, action: str) -> str:
        """The actor the process expects: the applicant, finance, or an HR reviewer who did
        not file the claim (nor reject it, on appeal; nor set the amount, at a second approval)."""
        if action in APPLICANT_ACTIONS:
            return self.filer[claim_id]
        if action in FINANCE_ACTIONS:
            return "finance"
        c = self.claim(claim_id)
        barred, pool = {self.filer[claim_id]}, HR_REVIEWERS
        if c.status == "appealed":
            barred.add(c.rejected_by)
        if c.stage == "hr_second_approval" and action == "hr_approve":
            barred, pool = barred | {c.first_approver}, ("senior", "senior2")
        return next((n for n in pool if n not in barred), "hr")

    # --- claims --------------------------------------------------------------------------------

    @initialize(target=claims, program=st.sampled_from(PROGRAMS), stages=st.integers(0, 6))
    def start_with_a_claim(self, program, stages):
        """Every example starts with a claim for the world's talent, taken some stages deep."""
        claim = self.file_claim(program, "talent", "usual")
        if isinstance(claim, int):
            self.advance(claim, stages)
        return claim

    @rule(
        target=claims,
        program=st.sampled_from(PROGRAMS),
        talent=st.sampled_from(("talent", "other_talent")),
        who=ACTORS,
    )
    def file_claim(self, program, talent, who):
        """Employers for their own talents, HR on anyone's behalf, the intermediary a
        HEADHUNTER claim; or anyone at all."""
        if who == "usual":
            who = "agent" if program == "HEADHUNTER" else SUBJECTS[talent]
        body = {
            "program_code": program,
            **(HEADHUNTER if program == "HEADHUNTER" else CLAIM_BODIES[program](self.w)),
        }
        if program.startswith("DEMO_BASE"):
            body["organization_id"] = self.world["users"][who]["organization_id"] or self.w.employer_org
        else:
            body["talent_code"] = self.world[talent]
        response = self.post(who, "/claims", body, f"file {program} for {talent} as {who}")
        if response is None or response.status_code != 201:
            return multiple()
        self.filer[response.json["id"]] = who
        return response.json["id"]

    @rule(claim=claims, who=ACTORS, deferrable=st.booleans())
    def attach(self, claim, who, deferrable):
        """Upload the missing essential documents (and the deferrable ones)."""
        who = self.filer[claim] if who == "usual" else who
        c = self.claim(claim)
        for kind in c.essential + (c.deferrable if deferrable else []):
            self.send(
                f"upload {kind} to claim {claim} as {who}",
                lambda kind=kind: upload(self.api[who], claim, kind),
            )

    @rule(claim=claims, action=st.sampled_from(ACTIONS), who=ACTORS)
    def act_on(self, claim, action, who):
        self.move(claim, action, self.usual(claim, action) if who == "usual" else who)

    def move(self, claim, action, who):
        c = self.claim(claim)
        body = {"comment": "随机检验"}
        if action == "defer_documents":
            body |= {"documents": c.deferrable_kinds, "due_date": str(date.today() + timedelta(days=30))}
        if action == "hr_approve" and c.program in DISCRETIONARY:
            body["amount_approved"] = DISCRETIONARY[c.program]
        response = self.send(
            f"{action} claim {claim} as {who}", lambda: act(self.api[who], claim, action, **body)
        )
        if action == "submit" and response is not None and response.status_code == 409:
            self.check_drafts_never_block(claim, response)
        return response

    def check_drafts_never_block(self, claim, response):
        """A submission refused by a once-only rule needs another claim submitted or beyond."""
        error = (response.json or {}).get("error", {})
        failed = {c.get("rule") for c in error.get("checks") or []} & set(checks.ONCE_RULES)
        if failed:
            with self.database():
                blockers = checks.blocking_claims(claim)
            if not blockers:
                self.problems.append(
                    f"submit of claim {claim} refused by {sorted(failed)}, yet no other "
                    "claim is submitted or beyond, only drafts (drafts never block)"
                )

    @rule(target=batches, claim=claims, stages=st.integers(1, 6))
    def advance(self, claim, stages):
        """Up to ``stages`` stages further, by the actors the process expects (takes claims
        deep: evidence and submission, two approvals, a batch paid; an appeal if rejected)."""
        batches = []
        for _ in range(stages):
            c = self.claim(claim)
            if c.status in ("draft", "returned"):
                self.attach(claim, "usual", True)
                response = self.move(claim, "submit", self.filer[claim])
            elif c.status in ("submitted", "appealed"):
                response = self.move(claim, "hr_approve", self.usual(claim, "hr_approve"))
            elif c.status == "hr_approved":
                response = self.move(claim, "finance_approve", "finance")
            elif c.status == "rejected":
                response = self.move(claim, "appeal", self.filer[claim])
            elif c.status == "finance_approved" and (batch := self.new_batch([claim], "finance")):
                batches.append(batch)
                self.batch_do(batch, "approve", "finance2")
                response = self.batch_do(batch, "disburse", "finance")
            else:
                break
            if not self.granted(response):
                break
        return multiple(*batches)

    @rule(
        action=st.sampled_from(("hr_approve", "finance_approve")),
        claim=st.none() | claims,
        also=st.none() | claims,
        who=ACTORS,
    )
    def bulk_approve(self, action, claim, also, who):
        """The bulk path: the claims named, or (none named) every claim of the status it moves."""
        selection = [c for c in (claim, also) if c is not None]
        who = ("hr" if action == "hr_approve" else "finance") if who == "usual" else who
        status = "submitted" if action == "hr_approve" else "hr_approved"
        body = {
            "action": action,
            "comment": "批量审核",
            **({"claim_ids": selection} if selection else {"filters": {"status": status}}),
        }
        response = self.post(
            who, "/claims/bulk-actions", body, f"bulk {action} of {selection or status} as {who}"
        )
        if response is not None and response.status_code == 202:
            self.wait_for_job(who, response)

    def wait_for_job(self, who, response, seconds=10.0):
        path = urlsplit(response.headers.get("Location") or f"/api/v1/jobs/{response.json['id']}").path
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            job = self.send(
                f"GET {path} as {who}",
                lambda: self.api[who].client.get(
                    path, headers={"Authorization": f"Bearer {self.api[who].token}"}
                ),
            )
            if (
                job is None
                or job.status_code != 200
                or job.json["status"] in ("succeeded", "failed", "cancelled")
            ):
                return
            time.sleep(0.05)
        self.problems.append(f"bulk job {path} did not finish within {seconds} s")

    # --- payments, corrections, recoveries -------------------------------------------------------

    def new_batch(self, claim_ids, who):
        response = self.post(who, "/payment-batches", {"claim_ids": claim_ids}, f"batch {claim_ids} as {who}")
        if response is None or response.status_code != 201:
            return None
        self.batch_maker[response.json["id"]] = who
        return response.json["id"]

    def batch_do(self, batch, action, who):
        body = {"action": action, **({"bank_reference": f"BANK-{batch}"} if action == "disburse" else {})}
        return self.post(who, f"/payment-batches/{batch}/actions", body, f"{action} batch {batch} as {who}")

    @rule(target=batches, claim=claims, also=st.none() | claims, who=ACTORS)
    def build_batch(self, claim, also, who):
        selection = [c for c in (claim, also) if c is not None]
        return self.new_batch(selection, "finance" if who == "usual" else who) or multiple()

    @rule(batch=batches, action=st.sampled_from(("approve", "disburse")), who=ACTORS)
    def batch_action(self, batch, action, who):
        """Approve (four eyes: not who built it) or disburse a batch."""
        if who == "usual":
            maker = self.batch_maker[batch]
            who = "finance2" if action == "approve" and maker == "finance" else "finance"
        self.batch_do(batch, action, who)

    @rule(batch=batches, outcome=st.sampled_from(("FAILED", "SUCCESS", "first FAILED")), who=ACTORS)
    def bank_result(self, batch, outcome, who):
        """The bank's result file: failed payments are reversed and wait to be paid again."""
        who = "finance" if who == "usual" else who
        detail = self.send(f"GET batch {batch}", lambda: self.api["finance"].get(f"/payment-batches/{batch}"))
        refs = [i["reference"] for i in detail.json["items"]] if self.granted(detail) else []
        rows = [
            f"{ref},{'FAILED' if outcome == 'FAILED' or (outcome, n) == ('first FAILED', 0) else 'SUCCESS'},"
            f"BR-{ref},随机"
            for n, ref in enumerate(refs)
        ]
        content = ("reference,status,bank_reference,message\n" + "\n".join(rows) + "\n").encode()
        self.send(
            f"bank result {outcome} of batch {batch} as {who}",
            lambda: self.api[who].post(
                f"/payment-batches/{batch}/bank-result",
                data={"file": (io.BytesIO(content), "result.csv")},
                content_type="multipart/form-data",
            ),
        )

    @rule(claim=claims, up=st.booleans(), who=ACTORS)
    def correct_payment(self, claim, up, who):
        """Correct a paid amount: up (with the further transfer) or down."""
        paid = self.claim(claim).amount_paid or Decimal("1000.00")
        body = (
            {"amount": f"{paid + 100:.2f}", "bank_reference": f"FIX-{claim}"}
            if up
            else {"amount": f"{paid / 2:.2f}"}
        )
        self.post(
            "finance" if who == "usual" else who,
            f"/claims/{claim}/corrections",
            {**body, "reason": "银行实际付款金额不同"},
        )

    @rule(target=orders, claim=claims, half=st.booleans(), who=ACTORS)
    def raise_recovery(self, claim, half, who):
        paid = self.claim(claim).amount_paid or Decimal("1000.00")
        response = self.post(
            "hr" if who == "usual" else who,
            "/recoveries",
            {"claim_id": claim, "amount": f"{paid / (2 if half else 1):.2f}", "reason": "抽查发现不当支付"},
        )
        return response.json["id"] if self.granted(response) else multiple()

    @rule(order=orders, decision=st.sampled_from(("refund", "offset", "written_off")), who=ACTORS)
    def decide_recovery(self, order, decision, who):
        self.post(
            "hr" if who == "usual" else who,
            f"/recoveries/{order}/decision",
            {"decision": decision, "reason": "决定追回方式"},
        )

    @rule(order=orders, half=st.booleans(), who=ACTORS)
    def refund(self, order, half, who):
        with self.database() as session:
            owed = session.get(RecoveryOrder, order).outstanding
        amount = (owed / 2 if half else owed) or Decimal("1.00")
        self.post(
            "finance" if who == "usual" else who,
            f"/recoveries/{order}/refunds",
            {"amount": f"{amount:.2f}", "reference": f"REFUND-{order}"},
        )

    # --- where payees are paid, recusal, credit lists, budgets ----------------------------------

    def account_path(self, payee):
        kind = "talents" if payee.endswith("talent") else "organizations"
        return f"/{kind}/{self.world[payee]}/bank-account"

    @rule(payee=st.sampled_from(tuple(SUBJECTS)), who=ACTORS)
    def change_bank_account(self, payee, who):
        """The payee's organisation proposes a new account (pending until another HR user
        confirms); HR sets one at once."""
        who = SUBJECTS[payee] if who == "usual" else who
        STATS["accounts"] += 1
        body = {"bank_name": "中国建设银行太原分行", "account_no": f"6217{STATS['accounts']:012d}"}
        api = self.api[who]
        self.send(
            f"change the bank account of {payee} as {who}",
            lambda: api.client.put(
                f"/api/v1{self.account_path(payee)}",
                json=body,
                headers={"Authorization": f"Bearer {api.token}"},
            ),
        )

    @rule(payee=st.sampled_from(tuple(SUBJECTS)), who=st.sampled_from(("hr", "hr2", "employer", "finance")))
    def confirm_bank_account(self, payee, who):
        self.post(who, f"{self.account_path(payee)}/confirm", {})

    @rule(
        target=conflicts,
        reviewer=st.sampled_from(("hr", "hr2", "senior", "finance", "finance2")),
        subject=st.sampled_from(tuple(SUBJECTS)),
        by=st.sampled_from(("self", "hr", "hr2", "finance", "employer")),
    )
    def declare_conflict(self, reviewer, subject, by):
        body = {
            "subject_kind": "talent" if subject.endswith("talent") else "organization",
            "subject_id": self.world[subject],
            "reason": "亲属关系",
        }
        if by != "self":
            body["reviewer_id"] = self.world["users"][reviewer]["id"]
        response = self.post(reviewer if by == "self" else by, "/conflicts", body)
        if response is None or response.status_code != 201:
            return multiple()
        self.reviewer_of[response.json["id"]] = reviewer
        return response.json["id"]

    @rule(conflict=conflicts, who=st.sampled_from(("another HR user", "the reviewer", "finance", "employer")))
    def end_conflict(self, conflict, who):
        reviewer = self.reviewer_of[conflict]
        who = {"another HR user": "hr2" if reviewer == "hr" else "hr", "the reviewer": reviewer}.get(who, who)
        response = self.send(
            f"end conflict {conflict} of {reviewer} as {who}",
            lambda: self.api[who].delete(f"/conflicts/{conflict}", json={"reason": "关系已解除"}),
        )
        if who == reviewer and self.granted(response):
            self.problems.append(
                f"{who} ended their own conflict {conflict} (the contract: the reviewer themself → 403)"
            )

    @rule(
        target=listings,
        subject=st.sampled_from(tuple(SUBJECTS)),
        which=st.sampled_from(("black", "red")),
        who=ACTORS,
    )
    def list_subject(self, subject, which, who):
        response = self.post(
            "hr" if who == "usual" else who,
            "/credit-list",
            {
                "subject_kind": "talent" if subject.endswith("talent") else "organization",
                "subject_id": self.world[subject],
                "list": which,
                "reason": "信用记录",
            },
        )
        return response.json["id"] if self.granted(response) else multiple()

    @rule(listing=listings, who=ACTORS)
    def lift_listing(self, listing, who):
        who = "hr" if who == "usual" else who
        self.send(
            f"lift listing {listing} as {who}",
            lambda: self.api[who].delete(f"/credit-list/{listing}", json={"reason": "信用修复"}),
        )

    @rule(
        program=st.sampled_from(PROGRAMS),
        who=ACTORS,
        change=st.sampled_from(
            (
                "-9990000.00",
                "-9000000.00",
                "-100000.00",
                "100000.00",
                "9000000.00",
                "allocate",
                "allocate next year",
            )
        ),
    )
    def budget(self, program, change, who):
        """Cut or raise this year's line (never below what is used), or allocate a line."""
        who = "finance" if who == "usual" else who
        if change.startswith("allocate"):
            self.post(
                who,
                "/budgets",
                {
                    "fiscal_year": self.w.year + change.endswith("year"),
                    "program_code": program,
                    "amount": "1000000.00",
                },
            )
        else:
            self.post(
                who,
                f"/budgets/{self.w.budgets[program]}/adjustments",
                {"amount": change, "reason": "预算调整"},
            )

    # --- invariants ------------------------------------------------------------------------------

    def holds(self, check, what):
        """Assert one check. All checks are read at once, in one session, and again only
        after a request was granted (a refused one changes nothing: it is rolled back)."""
        if self.checked_at != self.changes:
            with self.database():
                self.findings = checks.run_all()
            self.checked_at = self.changes
        self.fail_on(what, self.findings[check])

    def fail_on(self, what, problems):
        new = [p for p in problems if kind(what, p) not in KNOWN]
        STATS["sightings"] += len(new) < len(problems)
        if new:
            RAISED.clear()
            RAISED.update(kind(what, p) for p in new)
        assert not new, f"{what}:\n  " + "\n  ".join(new)

    @invariant()
    def answers_follow_the_contract(self):
        STATS["checks"] += 1  # once after setting up each example, then once per step
        self.fail_on("answers outside the contract", self.problems)

    @invariant()
    def budget_lines_agree_with_the_ledger(self):
        self.holds(checks.budget_problems, "budget lines vs the ledger")

    @invariant()
    def ledger_balances_and_its_chain_verifies(self):
        self.holds(checks.ledger_problems, "the ledger")

    @invariant()
    def no_claim_is_paid_twice(self):
        self.holds(checks.payment_problems, "payments")

    @invariant()
    def once_only_rules_hold(self):
        self.holds(checks.once_only_problems, "once-only entitlements")

    @invariant()
    def every_status_change_is_audited(self):
        self.holds(checks.audit_trail_problems, "the audit trail")

    @invariant()
    def nobody_acts_while_conflicted(self):
        self.holds(checks.recusal_problems, "recusal (回避)")

    @invariant()
    def money_goes_to_confirmed_accounts(self):
        self.holds(checks.bank_account_problems, "bank accounts")


# --- running it ----------------------------------------------------------------------------------

COMMON = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _soak(machine) -> list[str]:
    """Fresh random sequences, ten examples at a time, until the time or the examples are up.
    A failing run is printed (shrunk) and the search goes on; each kind of violation is
    reported once, and only counted when seen again."""
    seconds, examples = _env("SOAK_SECONDS", 0), int(_env("SOAK_EXAMPLES", 0))
    stop_at = time.monotonic() + seconds if seconds else None
    soak = settings(
        **COMMON, derandomize=False, print_blob=True, stateful_step_count=int(_env("SOAK_STEPS", 25))
    )
    violations = []
    while (stop_at is None or time.monotonic() < stop_at) and (not examples or STATS["examples"] < examples):
        chunk = min(10, examples - STATS["examples"]) if examples else 10
        RAISED.clear()
        try:
            run_state_machine_as_test(machine, settings=settings(soak, max_examples=chunk))
        except Exception as exc:  # noqa: BLE001 - one violation; keep searching
            violations.append("\n".join([str(exc), *getattr(exc, "__notes__", [])]))
            print(f"\n--- violation {len(violations)} ---\n{violations[-1]}", flush=True)
            if isinstance(exc, AssertionError):
                KNOWN.update(RAISED)  # raised by the final replay of the shrunk example
    return violations


def test_random_use_keeps_the_invariants(backend, database_factory, monkeypatch):
    from hypothesis.internal.conjecture import engine

    # hypothesis shrinks for up to 300 s; the bounded run must stay short (SHRINK_SECONDS)
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", _env("SHRINK_SECONDS", 20), raising=False)
    databases = Databases(backend, database_factory)
    machine = type("RandomUse", (RandomUse,), {"databases": databases})
    soaking = bool(os.environ.get("SOAK_SECONDS") or os.environ.get("SOAK_EXAMPLES"))
    STATS.clear()
    KNOWN.clear()
    started, violations = time.monotonic(), []
    try:
        if soaking:
            violations = _soak(machine)
        else:
            run_state_machine_as_test(
                machine,
                settings=settings(
                    **COMMON,
                    derandomize=True,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink),
                    max_examples=int(_env("INVARIANTS_EXAMPLES", 10)),
                    stateful_step_count=int(_env("INVARIANTS_STEPS", 30)),
                ),
            )
    finally:
        databases.close()
        answers = ", ".join(
            f"{k.split()[1]}×{n}" for k, n in sorted(STATS.items()) if k.startswith("answered")
        )
        print(
            f"\ninvariants on {backend}: {STATS['checks'] - STATS['examples']} steps in {STATS['examples']} "
            f"examples, {time.monotonic() - started:.1f} s"
            + (
                f", {len(violations)} violation(s) found (and seen again {STATS['sightings']} times)"
                if soaking
                else ""
            )
            + f"; answers {answers}",
            flush=True,
        )
    assert not violations, f"{len(violations)} violation(s) found while soaking (printed above)"
