# Yiwang 一网 — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# Parallel workers for the suite (pytest-xdist): one per core. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint install install-dev serve migrate seed bench clean-var system-packages-run system-packages-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Debian packages outside Python (fonts for PDFs; Chromium for the browser tests): installed
## with apt-get when missing, or named with the command to run. See scripts/system-packages.sh.
system-packages-run:
	scripts/system-packages.sh run

system-packages-test:
	scripts/system-packages.sh test

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: system-packages-run migrate
	$(BIN)/python manage.py seed_demo --if-empty

## make run: system packages (fonts), install, migrate, load the demo county if the database is empty,
## serve on gunicorn + huey.
run: seed
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py demo_logins
	$(BIN)/python manage.py serve --port $(PORT)

## make test: system packages (fonts, Chromium), install the dev dependencies, run the whole suite.
test: system-packages-test install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

bench: install-dev
	$(BIN)/python bench/deadline_bench.py
	$(BIN)/python bench/audit_bench.py

## make vendor: refresh the committed front-end assets (ECharts) from npm at the version in package-lock.json.
.PHONY: vendor
vendor:
	npm ci --no-audit --no-fund
	npm run vendor

## make scaleout: two app servers + two huey consumers on PostgreSQL + Redis behind haproxy (docs/operations.md).
.PHONY: scaleout
scaleout: install
	PYTHON=$(abspath $(BIN)/python) scripts/scaleout/run.sh
