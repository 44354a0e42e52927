"""Limits on failed logins: per user name whatever the address, per address whatever the
name, shared by the HTML login and the API token, and by every process that shares the
storage (Redis): two servers count together, not each on its own.

The two-server test needs Redis (``TEST_REDIS_URL``, default redis://127.0.0.1:6379/0; CI
runs one): without it the test fails and says so, it does not skip.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_PASSWORD, TEST_CONFIG
from tests.users.test_html_login import _csrf

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PER_NAME, PER_ADDRESS = 10, 20  # the defaults, set explicitly for the servers


def _token(client, username, password="wrong-password", address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def limited(app):
    app.config["LOGIN_MAX_FAILURES"] = 1000  # the account lock apart: the limits alone
    app.config["LOGIN_FAILURE_RATE"] = "3 per minute"
    app.config["LOGIN_ADDRESS_FAILURE_RATE"] = "5 per minute"
    return app


def test_a_user_name_is_limited_whatever_the_address(limited, client, make_user):
    user = make_user("hr")
    statuses = [_token(client, user.username, address=f"10.0.1.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    # the right password from yet another address is refused too, for a while
    assert _token(client, user.username, DEFAULT_PASSWORD, address="10.0.1.99").status_code == 429
    # another user, from the addresses used, is not slowed
    other = make_user("hr")
    assert _token(client, other.username, DEFAULT_PASSWORD, address="10.0.1.0").status_code == 200


def test_spraying_user_names_from_one_address_is_limited(limited, client, make_user):
    user = make_user("hr")
    statuses = [_token(client, f"nobody{n}", address="10.0.2.1").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    # from that address even a right password waits; from another one it is let in
    assert _token(client, user.username, DEFAULT_PASSWORD, address="10.0.2.1").status_code == 429
    assert _token(client, user.username, DEFAULT_PASSWORD, address="10.0.2.2").status_code == 200
    assert _token(client, "nobody-else", address="10.0.2.2").status_code == 401


def test_only_failures_count(limited, client, make_user):
    user = make_user("hr")
    for _ in range(8):
        assert _token(client, user.username, DEFAULT_PASSWORD).status_code == 200


def test_the_api_answers_429_in_the_contracts_shape(limited, client, make_user):
    for n in range(5):
        _token(client, f"nobody{n}", address="10.0.3.1")
    refused = client.post(
        "/api/v1/auth/token",
        json={"username": "x1", "password": "wrong-password"},
        headers={"Accept-Language": "en"},
        environ_base={"REMOTE_ADDR": "10.0.3.1"},
    )
    assert refused.status_code == 429
    error = refused.json["error"]
    assert error["code"] == "too_many_requests" and error["fields"] == {}
    assert error["message"].startswith("Too many failed logins")
    assert int(refused.headers["Retry-After"]) > 0
    zh = _token(client, "x2", address="10.0.3.1").json["error"]["message"]
    assert zh.startswith("该用户名或该地址的登录失败次数过多")


def test_the_html_login_and_the_api_share_the_counts(limited, client, make_user):
    user = make_user("hr")

    def html(password="wrong-password"):
        return client.post(
            "/login",
            data={"username": user.username.upper(), "password": password, "csrf_token": _csrf(client)},
            environ_base={"REMOTE_ADDR": "10.0.4.1"},
        )

    assert html().status_code == 401
    assert _token(client, user.username, address="10.0.4.2").status_code == 401
    assert html().status_code == 401
    refused = html(DEFAULT_PASSWORD)  # the fourth try of this name, by either way in
    assert refused.status_code == 429 and "text/html" in refused.content_type
    page = refused.get_data(as_text=True)
    assert "该用户名或该地址的登录失败次数过多" in page and 'name="password"' in page
    assert _token(client, user.username, DEFAULT_PASSWORD, address="10.0.4.3").status_code == 429
    assert client.get("/login").status_code == 200  # the page itself is never refused


# --- two servers, one Redis -------------------------------------------------------------


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}): the login limits shared "
            "between servers are tested against it. Start redis-server (CI has one) "
            "or set TEST_REDIS_URL."
        )
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, body: dict, *, source: str) -> int:
    """POST /api/v1/auth/token from the loopback address ``source`` (127.0.0.x)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(
            "POST", "/api/v1/auth/token", body=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def _wait_until_serving(process, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server on port {port} stopped:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server on port {port} did not start:\n{log.read_text()}")


@pytest.fixture
def two_servers(database_factory, tmp_path):
    """``start()``: two gunicorn servers (separate processes) on one SQLite database and one
    Redis, with a key prefix of their own; stopped, and their keys removed, afterwards."""
    servers, cleanups = [], []

    def start():
        from subsidy_app import create_app
        from subsidy_app.extensions import db
        from subsidy_app.users import operations as users

        redis_client = _redis()
        url, drop = database_factory.create("sqlite")
        cleanups.append(drop)
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            users.create_user(None, username="li.hr", password=DEFAULT_PASSWORD, role="hr")
            users.create_user(None, username="wang.hr", password=DEFAULT_PASSWORD, role="hr")
            db.session.commit()
            db.engine.dispose()
        prefix = f"subsidy-test-{uuid.uuid4().hex}"
        cleanups.append(
            lambda: [redis_client.delete(key) for key in redis_client.scan_iter(match=f"*{prefix}*")]
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "two-servers",
            "SUBSIDY_INSTANCE_PATH": str(tmp_path),
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_MAX_FAILURES": "1000",
            "LOGIN_FAILURE_RATE": f"{PER_NAME} per minute",
            "LOGIN_ADDRESS_FAILURE_RATE": f"{PER_ADDRESS} per minute",
        }
        for n in range(2):
            port, log = _free_port(), tmp_path / f"server{n}.log"
            process = subprocess.Popen(
                [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", "1", "subsidy_app:create_app()"],
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            servers.append((process, port, log))
        for process, port, log in servers:
            _wait_until_serving(process, port, log)
        return [port for _process, port, _log in servers], redis_client, prefix

    yield start
    for process, _port, _log in servers:
        process.terminate()
    for process, _port, _log in servers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for cleanup in reversed(cleanups):
        cleanup()


def test_two_servers_share_the_limits_through_redis(two_servers):
    (first, second), redis_client, prefix = two_servers()

    # one user name guessed from many addresses, alternately on the two servers
    statuses = [
        _post(
            (first, second)[n % 2],
            {"username": "li.hr", "password": f"guess-{n}"},
            source=f"127.0.0.{10 + n}",
        )
        for n in range(PER_NAME + 2)
    ]
    assert statuses == [401] * PER_NAME + [429, 429], statuses
    right = {"username": "li.hr", "password": DEFAULT_PASSWORD}
    assert _post(first, right, source="127.0.0.99") == 429
    assert _post(second, right, source="127.0.0.98") == 429
    assert any(redis_client.scan_iter(match=f"*{prefix}*")), "the counts are not in Redis"

    # many user names sprayed from one address, alternately on the two servers
    statuses = [
        _post((first, second)[n % 2], {"username": f"spray{n}", "password": "guess"}, source="127.0.0.50")
        for n in range(PER_ADDRESS + 2)
    ]
    assert statuses == [401] * PER_ADDRESS + [429, 429], statuses
    # the other user, from elsewhere, logs in on either server
    other = {"username": "wang.hr", "password": DEFAULT_PASSWORD}
    assert _post(first, other, source="127.0.0.60") == 200
    assert _post(second, other, source="127.0.0.61") == 200
