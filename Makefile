# OneWindow — `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@PYBIN=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
	    echo "Creating virtualenv with $$PYBIN"; rm -rf $(VENV); "$$PYBIN" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed ## Create or update the virtualenv (.venv)

migrate: venv ## Apply database migrations
	$(PY) manage.py migrate --no-input -v 0

demo: migrate ## Load the demo city and its service catalogue (idempotent)
	$(PY) manage.py load_demo_data
	$(PY) manage.py load_demo_catalogue
	$(PY) manage.py load_demo_registry

run: demo ## Set up and serve on http://$(HOST):$(PORT) with a background worker
	@HOST=$(HOST) PORT=$(PORT) PY=$(PY) scripts/serve-dev

test: venv ## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv ## Format the code
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: venv ## mypy on services, selectors and the rest
	$(PY) -m mypy core accounts residents audit catalogue cases licences notifications appointments onewindow

migrations-check: venv ## Fail when a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

messages: venv ## Update translation catalogues and compile them
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

deploy-check: venv ## Django's deployment checks under production settings
	ONEWINDOW_ENV=production DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(openssl rand -hex 32)} \
	  DJANGO_ALLOWED_HOSTS=onewindow.example.org $(PY) manage.py check --deploy --fail-level WARNING

bench-search: venv ## Search latency over 10 000 synthetic items: SQLite, and PostgreSQL when DATABASE_URL is set
	env -u DATABASE_URL $(PY) -m bench.bench_search $(BENCH_ARGS)
	@if [ -n "$$DATABASE_URL" ]; then echo "$(PY) -m bench.bench_search $(BENCH_ARGS)  # on DATABASE_URL's server"; \
	  $(PY) -m bench.bench_search $(BENCH_ARGS); fi

bench-cases: venv ## Online submissions/s over HTTP (gunicorn) vs the same writes in raw SQL (PostgreSQL: DATABASE_URL)
	$(PY) -m bench.bench_cases $(BENCH_CASES_ARGS)

bench-queue: venv ## Reviewer's queue page p99 at 10 000 and 1 000 000 cases (SCALE=200000 for a quicker run; PostgreSQL)
	$(PY) -m bench.bench_queue $(if $(SCALE),--cases $(SCALE)) $(BENCH_QUEUE_ARGS)

bench-peak: venv ## Peak-hour plan: waits on 20 simulated peak days with and without it (no database)
	$(PY) -m bench.bench_peak_plan $(BENCH_PEAK_ARGS)

bench: bench-search bench-cases bench-queue bench-peak ## Every benchmark, one after the other (results in bench/results/)

ci: ## What CI runs (installs system packages, starts PostgreSQL)
	bash .ci/run

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var test-artifacts

.PHONY: help venv migrate demo run test lint format typecheck migrations-check messages deploy-check bench-search bench-cases bench-queue bench-peak bench ci clean
