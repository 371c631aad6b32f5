# The two commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
NPM := npm --no-audit --no-fund --loglevel=error
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.js -type f 2>/dev/null)
# make run: the embedded default (SQLite in data/, no Redis) with demo accounts.
DEMO_ENV := PORTAL_DEMO=1 LOG_FORMAT=text


.PHONY: messages install install-test run dev test lint audit lock services chromium wrk bench soak model fuzz clean cluster cluster-stop

install: $(VENV)/.installed frontend/dist/manifest.json messages
	@$(PY) manage.py collectstatic --noinput -v0

# The French catalogues (<app>/locale/fr/LC_MESSAGES/django.po) compiled for gettext: GNU gettext's
# msgfmt, from Debian's package "gettext" (installed here if it is missing).
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || scripts/install-gettext.sh
	@$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules --ignore=staticfiles

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.lock
	@touch $@

$(VENV)/.installed-test: requirements-dev.lock $(VENV)/.installed
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.lock
	@touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	$(NPM) ci --prefix frontend

frontend/dist/manifest.json: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	$(NPM) run --prefix frontend build

tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	$(NPM) ci --prefix tests/oidc

run: install
	$(DEMO_ENV) $(PY) manage.py migrate_all -v0
	$(DEMO_ENV) $(PY) manage.py demo_data
	$(DEMO_ENV) scripts/serve.sh

# Development: Vite's dev server with hot reload beside Django's autoreloading server.
dev: install
	$(DEMO_ENV) $(PY) manage.py migrate_all -v0
	$(DEMO_ENV) $(PY) manage.py demo_data
	$(DEMO_ENV) VITE_DEV_MODE=1 DEBUG=1 scripts/serve.sh --dev

install-test: install $(VENV)/.installed-test tests/oidc/node_modules/.package-lock.json chromium

chromium:
	@command -v chromium >/dev/null || scripts/install-chromium.sh

services:
	@scripts/ensure-services.sh

# ruff, and the layers of docs/architecture.md: an import sideways or up fails (pyproject.toml).
# Every word a person reads is marked for translation and in French (docs/i18n.md): the
# server's (scripts/check_i18n.py) and the pages' (frontend/scripts/check-i18n.mjs).
lint: $(VENV)/.installed-test frontend/node_modules/.package-lock.json messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check_i18n.py
	node frontend/scripts/check-i18n.mjs

# Known vulnerabilities of the deployed dependencies (tests/security/audit.py): fails on one
# that has a fix; says so loudly, without failing, where no vulnerability service answers.
audit: $(VENV)/.installed-test
	$(PY) tests/security/audit.py

test: install-test services lint audit
	$(NPM) test --prefix frontend
	$(VENV)/bin/pytest

# The trace and MY DATA against an independent model of the rules, on generated worlds
# (tests/tracing/test_reference_model.py): PostgreSQL, then the embedded default. CI runs 120.
# The statistics' day counts against a plain reference (tests/stats/test_day_counts.py):
# CI runs 120 histories.
MODEL_EXAMPLES ?= 5000
model: install-test services
	TRACING_MODEL_EXAMPLES=$(MODEL_EXAMPLES) DAY_COUNT_EXAMPLES=$(MODEL_EXAMPLES) \
		$(VENV)/bin/pytest -p no:cacheprovider --hypothesis-show-statistics \
		tests/tracing/test_reference_model.py \
		tests/stats/test_day_counts.py::test_kept_counts_and_purged_rows_match_a_plain_reference

# Every API operation with generated inputs as every kind of caller, no 5xx: 150 examples per
# operation and caller is over 100,000 requests (docs/reliability.md). CI runs 5.
FUZZ_EXAMPLES ?= 150
fuzz: install-test services
	FUZZ_EXAMPLES_PER_OPERATION=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest -s -p no:cacheprovider \
		tests/security/test_schemathesis.py tests/security/test_hostile_input.py

# Benchmarks against PostgreSQL and Redis (docs/performance.md): `make bench SCALE=100`,
# one of them alone with `make bench B=trace`.
SCALE ?= 10
bench: install $(VENV)/.installed-test services wrk
	$(PY) bench/run.py --scale $(SCALE) $(if $(B),--only $(B))

wrk:
	@command -v wrk >/dev/null || scripts/install-wrk.sh

# Sustained load with Redis, a worker and PostgreSQL failing under it (docs/reliability.md).
soak: install $(VENV)/.installed-test services
	$(PY) bench/soak.py

# Four PostgreSQL servers in data/cluster/, one least-privilege role each, and a streaming
# replica of encounters and of associations (docs/deployment.md, "Four database servers").
# Prints the environment that points the portal at them; again: reuses the running set.
cluster: $(VENV)/.installed
	@$(PY) scripts/cluster.py start

cluster-stop: $(VENV)/.installed
	@$(PY) scripts/cluster.py stop

# Re-pin Python dependencies after editing pyproject.toml.
lock: $(PY)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml -q --python-version 3.11 -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml -q --python-version 3.11 --extra dev -o requirements-dev.lock

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist tests/oidc/node_modules staticfiles
