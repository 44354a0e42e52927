"""API tokens: issued for right credentials, expire, stored hashed; failures slow down."""

from datetime import timedelta

from sqlalchemy import select, update

from subsidy_app.core.timeutil import utcnow
from subsidy_app.extensions import db
from subsidy_app.users.models import ApiToken, User
from tests.conftest import DEFAULT_PASSWORD


def _token(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_right_credentials_give_a_token_with_role_and_expiry(client, make_user):
    user = make_user("finance")
    response = _token(client, user.username, DEFAULT_PASSWORD)
    assert response.status_code == 200
    body = response.json
    assert body["role"] == "finance" and body["token"] and body["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json["username"] == user.username


def test_user_name_is_case_insensitive(client, make_user):
    user = make_user("hr")
    assert _token(client, user.username.upper(), DEFAULT_PASSWORD).status_code == 200


def test_wrong_password_and_unknown_user_are_401(client, make_user):
    user = make_user("hr")
    for username, password in [(user.username, "wrong-password"), ("nobody", DEFAULT_PASSWORD)]:
        response = _token(client, username, password)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"


def test_the_token_is_stored_only_as_its_hash(app, client, make_user):
    user = make_user("hr")
    token = _token(client, user.username, DEFAULT_PASSWORD).json["token"]
    with app.app_context():
        stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_an_expired_token_is_refused(app, client, make_user):
    user = make_user("hr")
    token = _token(client, user.username, DEFAULT_PASSWORD).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/programs", headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/v1/programs", headers=headers).status_code == 401


def test_tokens_expire_after_the_configured_time(app, client, make_user):
    user = make_user("hr")
    before = utcnow()
    _token(client, user.username, DEFAULT_PASSWORD)
    with app.app_context():
        expires_at = db.session.execute(select(ApiToken.expires_at)).scalar_one()
    ttl = app.config["API_TOKEN_TTL"]
    assert before + ttl <= expires_at <= utcnow() + ttl


def test_a_deactivated_user_token_stops_working(app, client, make_user):
    user = make_user("hr")
    token = _token(client, user.username, DEFAULT_PASSWORD).json["token"]
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_active=False))
        db.session.commit()
    assert client.get("/api/v1/programs", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_passwords_are_hashed_with_argon2id(app, make_user):
    user = make_user("hr")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored


def test_repeated_failures_lock_the_account(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 3
    user = make_user("hr")
    for _ in range(3):
        assert _token(client, user.username, "wrong-password").status_code == 401
    # locked: even the right password is refused for a while
    locked = _token(client, user.username, DEFAULT_PASSWORD)
    assert locked.status_code == 429
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.locked_until is not None and row.locked_until > utcnow()
        # lock expires
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _token(client, user.username, DEFAULT_PASSWORD).status_code == 200


def test_failure_count_survives_the_failed_request_and_resets_on_success(app, client, make_user):
    user = make_user("hr")
    _token(client, user.username, "wrong-password")
    _token(client, user.username, "wrong-password")
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 2
    assert _token(client, user.username, DEFAULT_PASSWORD).status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 0


def test_failed_logins_are_rate_limited_per_user_name(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 1000  # isolate the rate limit from the account lock
    app.config["LOGIN_FAILURE_RATE"] = "3 per minute"
    user = make_user("hr")
    other = make_user("hr")
    statuses = [_token(client, user.username, "wrong-password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _token(client, user.username, DEFAULT_PASSWORD).status_code == 429
    # successful logins of other users are not slowed
    for _ in range(5):
        assert _token(client, other.username, DEFAULT_PASSWORD).status_code == 200
