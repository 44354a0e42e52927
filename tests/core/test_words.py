"""Every code shown to a person is shown in words (issue 15): the pages of each role, in
both languages, show no internal code where a word belongs; API and form messages name
statuses, actions and fields in words (machine codes stay in the ``code`` fields)."""

import re
from html.parser import HTMLParser

import pytest

from tests.users.test_html_login import login
from tests.world import act, paid_claim

#: The internal codes that must never reach a person's eyes (statuses, actions, accounts,
#: transaction kinds, rules, document kinds, project levels, payee references).
CODES = [
    # claim statuses and actions with an underscore
    "hr_approved",
    "finance_approved",
    "hr_approve",
    "finance_approve",
    "hr_reject",
    "finance_reject",
    "defer_documents",
    # ledger accounts and kinds
    "subsidy_expense",
    "appropriation",
    "payment_reversal",
    "correction_reversal",
    "write_off",
    # eligibility rules
    "payee_kind",
    "not_black_listed",
    "talent_of_applicant",
    "applicant_kind",
    "talent_named",
    "recognised_talent",
    "min_degree",
    "min_years_experience",
    "min_years_in_province",
    "once_per_talent",
    "once_per_organization",
    "project_level",
    "permit_class",
    "contract_before_start",
    "rate_in_force",
    "within_highest_standard",
    # document kinds, program codes, payee references
    "project_approval",
    "work_permit",
    "employment_contract",
    "RECRUIT_KEY",
    "HEADHUNTER",
]
_CODE_ALTERNATIVES = "|".join(CODES)
RAW = re.compile(rf"\b(?:{_CODE_ALTERNATIVES})\b|\b(?:talent|employer|intermediary|organization):[A-Z0-9]")


class _Visible(HTMLParser):
    """The text a person reads: element text and the alt/title/aria-label/placeholder
    attributes, without scripts, styles, <code>-free values of form inputs."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def leaks(html: str) -> list[str]:
    return sorted({m.group(0) for m in RAW.finditer(visible_text(html))})


def _page(client, path, lang):
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _claims(world, ready_claim):
    """A paid claim (ledger entries with payees and accounts, a batch, inbox messages) and a
    submitted one with a failed eligibility check in its history of rules."""
    paid, _batch = paid_claim(world, ready_claim)
    submitted = ready_claim("TRAVEL", submit=True)
    return paid, submitted


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_internal_code_where_words_belong(world, client, ready_claim, lang):
    paid, submitted = _claims(world, ready_claim)
    pages = {
        "employer": [f"/claims/{paid}", f"/claims/{submitted}", "/inbox/", "/claims/"],
        "hr": [f"/claims/{paid}", "/inbox/", "/projects/", "/bank-accounts/?status=all", "/credit-list/"],
        "finance": [f"/claims/{paid}", "/inbox/", "/ledger/", "/ledger/?account=subsidy_expense"],
        "auditor": [f"/claims/{paid}", "/ledger/", "/projects/", "/bank-accounts/?status=all"],
    }
    seen = {}
    for who, paths in pages.items():
        login(client, getattr(world, who).user.username)
        for path in paths:
            found = leaks(_page(client, path, lang))
            if found:
                seen[(who, path)] = found
    assert seen == {}


def test_the_ledger_page_names_accounts_kinds_programs_and_payees(world, client, ready_claim):
    paid_claim(world, ready_claim)
    login(client, world.finance.user.username)
    text = visible_text(_page(client, "/ledger/", "en"))
    assert "Subsidy expense" in text and "Budget allocation" in text and "Payment" in text
    assert "示范用人单位" in text  # the payee by name (organization:1 before)
    assert "organization:" not in text and "subsidy_expense" not in text


def test_the_claim_page_names_its_rules(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY")
    login(client, world.employer.user.username)
    text = visible_text(_page(client, f"/claims/{claim_id}", "en"))
    assert "Who is paid" in text and "Not on the black list" in text
    assert "payee_kind" not in text and "not_black_listed" not in text


def test_the_projects_page_heads_the_project_name_not_a_persons_name(world, client):
    login(client, world.hr.user.username)
    assert "Project name" in visible_text(_page(client, "/projects/", "en"))
    zh = visible_text(_page(client, "/projects/", "zh"))
    assert "姓名" not in zh  # a person's name; the column holds a project's
    html = _page(client, "/projects/", "zh")
    assert "重点项目" in zh and not re.search(r"<td>(key|regular)</td>", html)


def test_the_inbox_names_the_program(world, client, ready_claim):
    ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    text = visible_text(_page(client, "/inbox/", "en"))
    assert "RECRUIT_KEY" not in text
    assert "key recruitment" in text.lower() or "Recruit" in text


def test_api_messages_say_statuses_and_actions_in_words(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    again = act(world.hr, claim_id, "hr_approve", headers={"Accept-Language": "en"})
    again = world.hr.post(
        f"/claims/{claim_id}/actions", json={"action": "hr_approve"}, headers={"Accept-Language": "en"}
    )
    assert again.status_code == 409
    error = again.json["error"]
    assert error["code"] == "invalid_status"  # the machine code stays in `code`
    assert error["claim_status"] == "hr_approved"  # and in the JSON values the contract fixes
    assert "hr_approve" not in error["message"] and "hr_approved" not in error["message"]
    assert "approved by HR" in error["message"] and "Approve (HR)" in error["message"]
    zh = world.hr.post(
        f"/claims/{claim_id}/actions", json={"action": "hr_approve"}, headers={"Accept-Language": "zh"}
    ).json["error"]["message"]
    assert not RAW.search(zh), zh


def test_the_not_eligible_message_names_the_rules(world, ready_claim, file_claim):
    ready_claim("RECRUIT_KEY", submit=True)
    second = ready_claim("RECRUIT_KEY")
    refused = world.employer.post(
        f"/claims/{second}/actions", json={"action": "submit"}, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_eligible"
    message = refused.json["error"]["message"]
    assert "once_per_talent_project" not in message and "Once per talent and project" in message
    assert refused.json["error"]["checks"][0]["rule"]  # the JSON keeps the rule's code


def test_field_errors_in_html_name_the_field_in_words(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    html = client.get(f"/claims/{claim_id}?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        f"/claims/{claim_id}/actions?lang=en",
        data={"csrf_token": token, "action": "return", "comment": ""},
        follow_redirects=True,
    )
    text = visible_text(response.get_data(as_text=True))
    assert "comment:" not in text
    assert "Say what the applicant must correct." in text


def test_field_labels_and_the_catalogue(app):
    from subsidy_app.core import labels

    with app.test_request_context("/?lang=en"):
        assert labels.field_label("details.project_id") == "Recruitment project"
        assert labels.field_label("comment") == "Comment"
        assert labels.label("account", "subsidy_expense") == "Subsidy expense"
        assert labels.label("status", "hr_approved") == "approved by HR"
        assert labels.label("rule", "not_black_listed") == "Not on the black list"
        assert labels.label("program", "RECRUIT_KEY") != "RECRUIT_KEY"
        assert labels.label("document", "project_approval") != "project_approval"
        # every rule the plan may name has a name
        from subsidy_app.claims.rules import RULES

        assert set(RULES) <= set(labels.RULE)
        from subsidy_app.ledger.models import Account, TransactionKind

        assert {a.value for a in Account} <= set(labels.ACCOUNT)
        assert {k.value for k in TransactionKind} <= set(labels.TRANSACTION_KIND)


def test_field_errors_of_a_form_left_by_a_redirect_use_the_label(app):
    from flask import get_flashed_messages
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from subsidy_app.core.errors import invalid
    from subsidy_app.core.htmlforms import attempt, flash_field_errors

    class Form(FlaskForm):
        comment = StringField("Your comment")

    with app.test_request_context("/?lang=en"):
        form = Form(meta={"csrf": False})
        form.comment.errors = ["Say why."]
        flash_field_errors(form)

        def refuse():
            raise invalid("details.project_id", "Unknown project.")

        attempt(form, refuse, None)
        flashed = get_flashed_messages()
    assert "Your comment: Say why." in flashed
    assert "Recruitment project: Unknown project." in flashed
    assert not any("project_id" in m or m.startswith("comment:") for m in flashed)


def _recorded_actions() -> set[str]:
    """Every audit action the code can record: the literal codes passed to
    ``audit.record``/``event_values``, and the families built from a table."""
    import ast
    from pathlib import Path

    from subsidy_app.core.labels import ACTION
    from subsidy_app.inspections.operations import SEED_ACTION

    found = {SEED_ACTION}
    for path in (Path(__file__).resolve().parents[2] / "subsidy_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "attr", getattr(name, "id", None))
            if isinstance(node, ast.Call) and name in ("record", "event_values") and len(node.args) >= 3:
                arg = node.args[1]  # a code, or ``"a" if x else "b"`` (f-strings: families below)
                for part in (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else (arg,):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.add(part.value)
    found |= {f"claim.{action}" for action in ACTION}  # claims/actions.py: f"claim.{action}"
    found |= {f"job.{status}" for status in ("succeeded", "failed", "cancelled")}
    found |= {
        f"{kind}.bank_account.{step}"
        for kind in ("talent", "organization")
        for step in ("set", "propose", "confirm", "reject", "supersede")
    }
    return found


def test_every_audit_action_has_words_in_both_languages(app):
    from flask_babel import force_locale

    from subsidy_app.core.audit_labels import OBJECT_TYPE, action_words, known

    actions = _recorded_actions()
    assert len(actions) > 50  # the scan finds the codes (not an empty set passing vacuously)
    with app.test_request_context():
        assert sorted(a for a in actions if not known(a)) == []
        with force_locale("zh"):
            for code in sorted(actions):
                assert not re.search("[A-Za-z]{3}", action_words(code)), code  # Chinese words
            assert not re.search("[A-Za-z]", str(OBJECT_TYPE["payment_batch"]))


def test_the_audit_trail_and_admin_home_show_actions_in_words(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    login(client, world.auditor.user.username)
    for lang in ("zh", "en"):
        html = _page(client, "/audit/", lang)
        text = visible_text(html.replace('title="claim.', 'data-x="'))  # the code is only a tooltip
        assert "claim.hr_approve" not in text and "claim.submit" not in text, lang
    en = visible_text(_page(client, "/audit/?action=claim.", "en"))
    assert "claim approved by HR" in en and "Claim" in en
    login(client, world.admin.user.username)
    home = _page(client, "/", "zh")
    assert not re.search(r"<code>[a-z_]+\.[a-z_.]+</code>", home)
    assert "hr_approve" not in visible_text(home.replace('title="', 'data-x="'))
