# Minping: `make demo` and `make test` do all the set-up on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# System libraries WeasyPrint and the notices need (Pango, CJK fonts: Noto Serif/Sans CJK for the body
# and 黑体 headings, LXGW WenKai for 楷体 headings; fast font subsetting), gettext for the message
# catalogues; the tests also need PostgreSQL, Chromium, poppler's pdffonts, nginx (its log format is
# tested), openssl (which checks the signed chain file and timestamps as anyone outside would), npm (for
# axe-core) and R with the survey package (MASS for its calibrate()), which checks the reproduction kit;
# bench/scoring.py reads its data with data.table.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk fonts-lxgw-wenkai libharfbuzz-subset0 gettext
TEST_SYSTEM_PACKAGES := postgresql chromium poppler-utils nginx openssl r-cran-survey r-cran-mass r-cran-data.table
# axe-core, the accessibility engine the browser tests run in every public page (a test tool under var/).
AXE_CORE_VERSION := 4.11.0
AXE := var/axe/node_modules/axe-core/axe.min.js

.PHONY: install install-test demo serve test lint test-sqlite test-postgres bench messages system-packages clean

install: system-packages $(VENV)/.installed messages

install-test: install
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(TEST_SYSTEM_PACKAGES)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory system-packages PACKAGES=npm   # any npm will do
	@grep -qs '"version": "$(AXE_CORE_VERSION)"' var/axe/node_modules/axe-core/package.json || \
	  npm install --prefix var/axe --no-save --no-audit --no-fund --silent axe-core@$(AXE_CORE_VERSION)

# Installs only what is missing, so re-running is quick.
PACKAGES ?= $(SYSTEM_PACKAGES)
system-packages:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if ! $(PYTHON_SYSTEM) -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	touch $@

# Compiled catalogues are build products: made from locale/*/LC_MESSAGES/django.po.
messages: $(VENV)/.installed
	@for po in locale/*/LC_MESSAGES/django.po; do \
	  mo=$${po%.po}.mo; [ "$$mo" -nt "$$po" ] || msgfmt --check -o "$$mo" "$$po"; \
	done

demo: install
	DEBUG=1 $(PYTHON) manage.py migrate --no-input -v0
	DEBUG=1 $(PYTHON) manage.py collectstatic --no-input -v0
	DEBUG=1 MINPING_BASE_URL=http://127.0.0.1:$(PORT) $(PYTHON) manage.py seed_demo --if-empty
	DEBUG=1 $(PYTHON) manage.py seed_rectification_demo
	@# A self-signed certificate, so that the demo's published notices are signed (PAdES).
	DEBUG=1 $(PYTHON) manage.py notice_signing_cert --out var/demo-signing.p12 --if-missing
	@echo "Serving on http://127.0.0.1:$(PORT)/ with one job worker and the ballot settler (Ctrl-C stops all three)"
	@export DEBUG=1 MINPING_BASE_URL=http://127.0.0.1:$(PORT) MINPING_SIGNING_P12=var/demo-signing.p12; \
	  $(PYTHON) manage.py db_worker --interval 1 & worker=$$!; \
	  $(PYTHON) manage.py settle_ballots --every 30 & settler=$$!; \
	  trap 'kill $$worker $$settler 2>/dev/null' EXIT INT TERM; \
	  $(PYTHON) manage.py runserver 127.0.0.1:$(PORT) --skip-checks

serve: demo

test: install-test
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

lint:
	@echo "== ruff"
	$(VENV)/bin/ruff check .

# The suite runs in TEST_WORKERS processes, then the few tests that must run alone (scripts/test-suite.sh).
TEST_WORKERS ?= 2
SUITE := PYTHON=$(PYTHON) TEST_WORKERS=$(TEST_WORKERS) scripts/test-suite.sh

test-sqlite:
	@echo "== Test suite on SQLite"
	$(SUITE) $(PYTEST_ARGS)

test-postgres:
	@echo "== Test suite on PostgreSQL"
	scripts/with-postgres.sh env $(SUITE) $(PYTEST_ARGS)

# The benchmarks (the other modules of bench/ are their shared helpers).
BENCHMARKS = ballots settle scoring imports notice dashboard

bench: install-test
	@for b in $(BENCHMARKS); do echo "== bench/$$b.py"; scripts/with-postgres.sh $(PYTHON) "bench/$$b.py" || exit 1; done

clean:
	rm -rf $(VENV) var locale/*/LC_MESSAGES/django.mo
