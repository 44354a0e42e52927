"""Configuration from the environment.

Everything a deployment changes comes from environment variables; the defaults make a
working embedded installation (SQLite under ``instance/``).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/.

    Kept in a file so that every worker process and every restart share it.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def build_config(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'subsidy.sqlite3'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # HTML sessions: cookie not readable by scripts, not sent on cross-site posts.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Access.
        "PASSWORD_MIN_LENGTH": int(os.environ.get("PASSWORD_MIN_LENGTH", 8)),
        # zxcvbn's score (0 to 4) a new password must reach; 3: "safely unguessable".
        "PASSWORD_MIN_SCORE": int(os.environ.get("PASSWORD_MIN_SCORE", 3)),
        "API_TOKEN_TTL": timedelta(minutes=int(os.environ.get("API_TOKEN_TTL_MINUTES", 480))),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_LOCK_DURATION": timedelta(minutes=int(os.environ.get("LOGIN_LOCK_MINUTES", 15))),
        # Failed logins, on top of the account lock, on the HTML login and the API token
        # alike: per user name whatever the address (a password guessed from many places),
        # and per client address whatever the name (one place spraying many names).
        "LOGIN_FAILURE_RATE": os.environ.get("LOGIN_FAILURE_RATE", "10 per minute"),
        "LOGIN_ADDRESS_FAILURE_RATE": os.environ.get("LOGIN_ADDRESS_FAILURE_RATE", "20 per minute"),
        # Where the counts live: memory:// is one process's own; with several workers or
        # servers, redis://host:6379/N so that they share them.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "subsidy"),
        # The last minute counts, not the calendar minute (no doubled burst at a boundary).
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis unreachable: count in each process's memory meanwhile (and log it) rather
        # than refuse every login; the account lock in the database still holds.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Reverse proxies in front of the application (0: clients connect directly). With
        # N, the client address and scheme are read from the last N X-Forwarded-For and
        # X-Forwarded-Proto entries: the limits per address count clients, not the proxy.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        # Strict-Transport-Security lifetime, sent over HTTPS or when SESSION_COOKIE_SECURE
        # says the site is behind HTTPS; 0 never sends it.
        "HSTS_MAX_AGE": int(os.environ.get("HSTS_MAX_AGE", 365 * 24 * 3600)),
        # Request bodies (evidence uploads are the largest).
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)),
        # Evidence: where files are kept (default instance/documents) and how large they may be.
        "DOCUMENT_STORAGE": os.environ.get("DOCUMENT_STORAGE"),
        "MAX_DOCUMENT_BYTES": int(os.environ.get("MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)),
        # Notifications by e-mail: through SMTP when MAIL_SERVER is set, else written as
        # .eml files to the outbox folder (default instance/outbox).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "subsidy@localhost"),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX"),
        # Long work (jobs/): on Celery when a broker is named (redis://127.0.0.1:6379/0), else
        # in JOB_THREADS threads of each web process. Results are kept in JOB_STORAGE (default
        # instance/job-results): with several servers, a location they all mount.
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL"),
        "CELERY_VISIBILITY_TIMEOUT": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 7200)),
        # The broker queue the web servers send jobs to and the workers take them from: one
        # per installation (or test run) sharing a broker, so that none takes another's work.
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE", "celery"),
        "JOB_THREADS": int(os.environ.get("JOB_THREADS", 2)),
        "JOB_STORAGE": os.environ.get("JOB_STORAGE"),
        # Claims approved per committed chunk: each chunk is one short transaction (SQLite's
        # writers wait for it), and a cancelled or interrupted job stops between chunks.
        "JOB_CHUNK_SIZE": int(os.environ.get("JOB_CHUNK_SIZE", 1000)),
        # A running job that has not reported for this long has lost its worker.
        "JOB_STALE_SECONDS": int(os.environ.get("JOB_STALE_SECONDS", 60)),
        "JOB_MAX_ATTEMPTS": int(os.environ.get("JOB_MAX_ATTEMPTS", 3)),
        "JOBS_EAGER": _env_bool("JOBS_EAGER", False),
        # Language and time: Chinese first, shown in Shanghai time, stored in UTC.
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh", "en"],
        # API and its OpenAPI document, generated by flask-smorest from the schemas.
        "API_TITLE": "Shanxi foreign-talent subsidy system API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_PREFIX": "/api/v1",
    }
