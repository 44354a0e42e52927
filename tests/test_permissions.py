"""Permissions are checked in one place (core/permissions.py)."""

import re
from pathlib import Path

import pytest

from subsidy_app.core.permissions import PERMISSIONS, Role

WRITING = {"POST", "PUT", "PATCH", "DELETE"}


def _writing_api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint != "users_api.Token":
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
