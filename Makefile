# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast test-e2e lint format bench bench-generated loadtest demo migrate chromium clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} CACHE_URL=db $(BIN)/python manage.py createcachetable

## run: install, migrate, load demo data on first run, start web server + worker
run: migrate
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py demo_setup
	DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT) bin/serve

## test: the whole suite (unit, integration and browser journeys) on $DATABASE_URL or SQLite
test: $(STAMP) chromium
	$(BIN)/pytest -q --ds=config.test_settings -n $${TEST_WORKERS:-2} --dist loadfile

test-fast: $(STAMP)
	$(BIN)/pytest -q --ds=config.test_settings -n $${TEST_WORKERS:-2} --dist loadfile -m "not e2e"

test-e2e: $(STAMP) chromium
	$(BIN)/pytest -q --ds=config.test_settings -m e2e

# Browser tests drive Debian's Chromium; install it when missing (CI runs as root).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "WARNING: could not install chromium; browser tests will be skipped"; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy config suthra

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: full-scale measurements on PostgreSQL (not part of the tests); see docs/PERFORMANCE.md
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# By default the data is built the way it arrives (legacy commands, then monthly e-Pay bill
# and payment files through preview + commit): slow. bench-generated: the generator's fast path.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/bills_pdf.py
	$(BIN)/python bench/migration.py $(BENCH_MIGRATION_ARGS)

bench-generated: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --data generated $(BENCH_ARGS)

## loadtest: 50 users for 2 minutes against gunicorn + PostgreSQL (after `make bench`)
loadtest: $(BENCH_STAMP)
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* media staticfiles
