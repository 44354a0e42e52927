# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: setup browser run lint format test soak bench bench-exports translations translations-update clean-venv

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
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - 'subsidy_app:create_app()'

# The browser tests drive Debian's Chromium; it and a CJK font for its pages are installed
# here when missing (root, or sudo without a password). Playwright downloads no browser.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "installing Debian's chromium and a CJK font for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			chromium fonts-wqy-microhei >/dev/null; \
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
