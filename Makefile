# INDIGO — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
LOCKS  := requirements/prod.txt requirements/dev.txt
STAMP  := $(VENV)/.installed-$(shell cat $(LOCKS) | cksum | cut -d' ' -f1)

.PHONY: help install messages migrate demo run test test-at test-sqlite lint format bench backup restore lock clean

help:
	@echo "make run    install, migrate, load demo data, start web + worker + beat on 127.0.0.1:8000"
	@echo "make test   install and run the whole suite (DATABASE_URL / REDIS_URL when set)"
	@echo "make bench  the scale bench on PostgreSQL (BENCH_ARGS=--quick for a smoke run)"
	@echo "make lint   ruff check and format check"
	@echo "make backup / make restore FROM=…   the database and private media (PostgreSQL)"

# Every package pinned and checked against its hash (requirements/*.txt, made by `make lock`).
$(STAMP): $(LOCKS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements/prod.txt -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks (package.json, pinned in package-lock.json;
# tests/browser/axe.py). Reinstalled when the lockfile is newer than npm's record of node_modules.
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm is not installed: the browser tests run without the axe-core checks"; fi

install: $(STAMP) node_modules/.package-lock.json

messages: install
	$(PY) manage.py compile_catalogs

migrate: messages
	mkdir -p var/celery/queue var/celery/processed var/celery/control
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	bin/run-dev

test: messages
	$(PY) -m pytest

# The suite as if it were AT o'clock in Astana today (tests/conftest.py, INDIGO_TEST_CLOCK): a test
# that reads the real clock and passes only at some hours fails here at any hour.
test-at: messages
	@test -n "$(AT)" || { echo "usage: make test-at AT=18:20"; exit 2; }
	INDIGO_TEST_CLOCK=$(AT) $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The scale bench (bench/run.py): PostgreSQL at DATABASE_URL, or at the local default below when it is
# unset; each part in a throw-away database beside it. BENCH_ARGS=--quick for a smoke run.
bench: messages
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/indigo}" $(PY) bench/run.py $(BENCH_ARGS)

# Backups (PostgreSQL): the database and the private media into var/backups/indigo-<time>/; a
# restore goes into an EMPTY database and checks every table's row count against the manifest.
backup: messages
	$(PY) manage.py backup

restore: messages
	@test -n "$(FROM)" || { echo "usage: make restore FROM=var/backups/indigo-YYYYmmdd-HHMMSS [DATABASE_URL=postgres://…/an-empty-database]"; exit 2; }
	$(PY) manage.py restore "$(FROM)"

# Re-pin requirements/prod.txt and dev.txt from the .in files, with hashes, in a throw-away
# virtualenv (pip-tools). Existing pins stay; `make lock UPGRADE=1` moves them to the newest releases.
lock:
	rm -rf var/lockenv && $(PYTHON) -m venv var/lockenv
	var/lockenv/bin/pip install --quiet --disable-pip-version-check pip-tools
	cd requirements && ../var/lockenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-header --strip-extras $(if $(UPGRADE),--upgrade) prod.in -o prod.txt
	cd requirements && ../var/lockenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-header --strip-extras $(if $(UPGRADE),--upgrade) dev.in -o dev.txt
	rm -rf var/lockenv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
