# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: setup browser run run-cluster lint format test soak bench bench-exports translations translations-update clean-venv

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# Compiled catalogues are build products: .po is the source, .mo is made here.
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d subsidy_app/translations

setup: $(STAMP) translations

run: setup
	$(BIN)/subsidy db upgrade
	$(BIN)/subsidy seed plan
	$(BIN)/subsidy seed demo
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT)

# Scaled out on one machine, as several would run it (Procfile, README "Long work and
# deployment"): two web servers (WEB1_PORT 5001, WEB2_PORT 5002), a Celery worker and the
# scheduler, on PostgreSQL and Redis, which must be running; the database is created when
# missing, the shared folder and SECRET_KEY once. Ctrl-C stops them all. Any of these may be
# given: make run-cluster DATABASE_URL=postgresql+psycopg://user@host/db
CLUSTER_SHARED ?= $(CURDIR)/instance/shared
run-cluster: export DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/subsidy_cluster
run-cluster: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
run-cluster: export RATELIMIT_STORAGE_URI ?= redis://127.0.0.1:6379/1
run-cluster: export JOB_STORAGE ?= $(CLUSTER_SHARED)/job-results
run-cluster: export DOCUMENT_STORAGE ?= $(CLUSTER_SHARED)/documents
run-cluster: export CLUSTER_SHARED := $(CLUSTER_SHARED)
run-cluster: export CLUSTER_PREFLIGHT = $(CLUSTER_PREFLIGHT_PY)
run-cluster: setup
	@$(BIN)/python -c "$$CLUSTER_PREFLIGHT"
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat '$(CLUSTER_SHARED)/secret_key')}" PATH="$(CURDIR)/$(BIN):$$PATH" \
		&& set -e -x && subsidy db upgrade && subsidy seed plan && subsidy seed demo \
		&& exec honcho start -f Procfile

# What run-cluster checks first, so that a newcomer learns what is missing in one line.
define CLUSTER_PREFLIGHT_PY
import os, pathlib, secrets, sys
import psycopg, redis
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
if not url.drivername.startswith("postgresql"):
    sys.exit("make run-cluster: DATABASE_URL must be PostgreSQL (several servers share one database)")
try:
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname="postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{url.database}"')
            print(f"created database {url.database}")
except psycopg.OperationalError as exc:
    sys.exit(f"make run-cluster: PostgreSQL is not reachable at {url.host}:{url.port or 5432} ({exc}). "
             "Start it (Debian: apt-get install postgresql), or set DATABASE_URL.")
for name in ("CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
    try:
        redis.Redis.from_url(os.environ[name], socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        sys.exit(f"make run-cluster: Redis is not reachable at {os.environ[name]} ({exc}). "
                 f"Start it (Debian: apt-get install redis-server), or set {name}.")
for name in ("JOB_STORAGE", "DOCUMENT_STORAGE"):
    pathlib.Path(os.environ[name]).mkdir(parents=True, exist_ok=True)
key = pathlib.Path(os.environ["CLUSTER_SHARED"]) / "secret_key"
if not key.exists():
    key.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(secrets.token_hex(32))
endef

# The browser tests drive Debian's Chromium; it and a CJK font for its pages are installed
# here when missing (root, or sudo without a password). Playwright downloads no browser.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list :lang=zh 2>/dev/null | grep -q . || ! command -v soffice >/dev/null; then \
		echo "installing Debian's chromium, a CJK font and LibreOffice Calc (headless) for the browser and CSV tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			chromium fonts-wqy-microhei libreoffice-calc-nogui >/dev/null; \
	fi

# Style, imports and types (pyproject.toml: [tool.ruff], [tool.mypy]); `make format` rewrites.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two workers (the machine has two cores); PYTEST_ARGS='-n0 -k claims' for one process.
PYTEST_ARGS ?= -n auto
test: setup browser lint
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Invariants under random use (tests/invariants) for as long as asked, on each database:
# SOAK_SECONDS=600 make soak, or SOAK_EXAMPLES=500 make soak; SUBSIDY_TEST_BACKENDS=sqlite
# for one database. Prints the steps run and every violation found, shrunk (SHRINK_SECONDS).
SOAK_SECONDS ?= $(if $(SOAK_EXAMPLES),,300)
SOAK_EXAMPLES ?=
SHRINK_SECONDS ?= 120
soak: setup
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_EXAMPLES=$(SOAK_EXAMPLES) SHRINK_SECONDS=$(SHRINK_SECONDS) \
		$(BIN)/python -m pytest -n0 -s -q -p no:cacheprovider tests/invariants

clean-venv:
	rm -rf $(VENV)

# After adding or changing user-facing strings: extract them, merge into the catalogue,
# then translate the new entries in subsidy_app/translations/zh/LC_MESSAGES/messages.po.
translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o subsidy_app/translations/messages.pot .
	$(BIN)/pybabel update -i subsidy_app/translations/messages.pot -d subsidy_app/translations \
		--ignore-obsolete --no-fuzzy-matching

# Benchmarks of the money path (bench/README.md): BENCH_ARGS='--db sqlite' for one database.
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Exports: time and peak memory per format (bench/README.md).
bench-exports: setup
	$(BIN)/python -m bench.exports $(BENCH_ARGS)

# Long work as jobs through the API: gunicorn, a Celery worker (Redis db 7), the in-process
# executor on SQLite (bench/README.md). BENCH_ARGS='--chunk-sizes 2000' for one chunk size.
.PHONY: bench-jobs
bench-jobs: setup
	$(BIN)/python -m bench.jobs $(BENCH_ARGS)
