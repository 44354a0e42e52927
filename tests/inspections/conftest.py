"""The inspector roster and a registry large enough to draw 5 % from, for the spot-check tests."""

import pytest

from tests.conftest import new_credit_code

INSPECTORS = ("hr", "hr2", "senior")


@pytest.fixture
def roster(world):
    """Three HR users on the roster, and 25 more employers in the registry."""
    for name in INSPECTORS:
        user = getattr(world, name).user
        assert world.hr.post("/inspectors", json={"user_id": user.id, "field": "资助资金"}).status_code == 201
    for n in range(25):
        assert (
            world.hr.post(
                "/organizations",
                json={
                    "kind": "employer",
                    "name": f"抽查对象单位{n}",
                    "credit_code": new_credit_code(),
                    "city": "大同市",
                },
            ).status_code
            == 201
        )
    return {getattr(world, name).user.id for name in INSPECTORS}
