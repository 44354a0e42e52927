"""Permissions are checked in one place (core/permissions.py)."""

import re
from pathlib import Path

import pytest

from subsidy_app.core.permissions import PERMISSIONS, Role
from subsidy_app.users.auth import READING_POSTS

WRITING = {"POST", "PUT", "PATCH", "DELETE"}


def _writing_api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint not in {"users_api.Token", *READING_POSTS}:
            for method in sorted(rule.methods & WRITING):
                path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1", rule.rule)
                yield method, path


def test_auditors_get_403_on_every_writing_call(app, api_as):
    auditor = api_as("auditor")
    calls = list(_writing_api_rules(app))
    assert len(calls) >= 4
    for method, path in calls:
        response = auditor.client.open(
            path, method=method, json={}, headers={"Authorization": f"Bearer {auditor.token}"}
        )
        assert response.status_code == 403, (method, path, response.json)


def test_auditors_start_only_reading_work(app, api_as):
    """The writing methods that only start reading work (exports, reports, verification) are
    open to auditors; the kinds of work that change records stay closed to them."""
    auditor = api_as("auditor")
    headers = {"Authorization": f"Bearer {auditor.token}"}
    # ... and changing one's own password (an auditor's account is theirs to keep safe)
    assert READING_POSTS == {
        "ledger_api.LedgerExports",
        "jobs_api.Jobs",
        "jobs_api.JobCancel",
        "users_api.MyPassword",
    }
    for kind, params in [
        ("bulk_action", {"action": "hr_approve", "claim_ids": [1]}),
        ("bulk_action", {"action": "finance_approve", "claim_ids": [1]}),
        ("payment_batch", {"claim_ids": [1]}),
        ("inspection_draw", {"population": "employers", "ratio": "0.5"}),
    ]:
        response = auditor.client.post("/api/v1/jobs", json={"kind": kind, "params": params}, headers=headers)
        assert response.status_code == 403, (kind, response.json)
    assert auditor.client.post("/api/v1/claims/bulk-actions", json={}, headers=headers).status_code == 403
    started = auditor.client.post("/api/v1/ledger/exports", json={"format": "csv"}, headers=headers)
    assert started.status_code == 202


def test_every_permission_used_in_the_code_is_defined():
    root = Path(__file__).resolve().parent.parent / "subsidy_app"
    used = set()
    for source in root.rglob("*.py"):
        used |= set(re.findall(r"""(?:require|can)\(\s*\w+,\s*["']([\w.]+)["']""", source.read_text()))
    assert used, "no permission checks found"
    assert used <= set(PERMISSIONS), used - set(PERMISSIONS)


def test_auditors_hold_only_reading_permissions():
    writes = {name for name, roles in PERMISSIONS.items() if Role.AUDITOR in roles}
    assert all(name.endswith((".read", ".list", ".verify")) for name in writes), writes


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_every_permission_names_known_roles(permission):
    assert PERMISSIONS[permission] and all(isinstance(r, Role) for r in PERMISSIONS[permission])
