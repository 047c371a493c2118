# SILASTIK — the two commands: `make dev` (whole local stack) and `make test`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# the in-process suite on every core (pytest-xdist; a test file stays on one worker, so a module's fixtures — the
# packaged template of tests/integration/test_infra.py — are built once); XDIST= runs it in one process
XDIST ?= -n auto --dist loadfile
# the end-to-end and browser tests in one process (E2E_XDIST="-n 2 --dist loadfile" runs them on two workers: on a
# 2-core machine two stacks and Chromium starve each other's workers and waits time out)
E2E_XDIST ?=

.PHONY: dev test lint bench package audit fuzz stress redrive screenshots clean venv chromium node-deps lighthouse portal-screenshots

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

TOOLS_STAMP := .venv-tools/.installed
$(TOOLS_STAMP): requirements-tools.txt
	$(PY) -m venv .venv-tools
	.venv-tools/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $(TOOLS_STAMP)

venv: $(STAMP) $(TOOLS_STAMP)

## make dev: moto :5000, SSO :8090, billing simulator :8070, API :8000, worker, admin page :8080, portal :8081 (Ctrl-C stops all)
dev: $(STAMP)
	$(BIN)/python -m local.devstack

## make test: ruff and the layer contracts (.importlinter), then every test (unit, integration, end-to-end through the local stack, browser)
test: $(STAMP) $(TOOLS_STAMP) chromium node-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests/unit tests/integration tests/infra $(XDIST) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no tests ran: failing"; exit 1; fi; [ $$rc -eq 0 ] || exit $$rc
	$(BIN)/python -m pytest tests/e2e tests/browser $(E2E_XDIST) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no end-to-end tests ran: failing"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	fi

## node-deps: axe-core for the portal's accessibility tests (npm ci from tests/browser/package-lock.json)
NODE_DEPS := tests/browser/node_modules/.package-lock.json
node-deps: $(NODE_DEPS)
$(NODE_DEPS): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_DEPS)

## make lighthouse: Lighthouse 12.2.3 (mobile, median of LIGHTHOUSE_RUNS=3) on the portal's home, search, request
## detail and billing page against a fresh local stack (reports in build/lighthouse/)
lighthouse: $(STAMP) chromium node-deps
	cd tools/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	CHROME_PATH=/usr/bin/chromium $(BIN)/python tools/lighthouse/run.py

## make portal-screenshots: PNGs of the portal on a phone from a running `make dev` (docs/screenshots/portal-*.png)
portal-screenshots: $(STAMP) chromium
	$(BIN)/python tools/portal_screenshots.py http://127.0.0.1:$${PORTAL_PORT:-8081}

## make bench: performance figures (BENCH name=value lines, also bench/results.json); BENCH_ITEMS=20000 for a quick run
bench: $(STAMP)
	$(BIN)/python -m bench.run

## make package: the SAM template for AWS in build/ (scripts/package.py: chalice package with infra/, per-function
## roles, log groups and alarms), then the checks: Lambda wheels, package size, SAM transform + cfn-lint on the
## transformed template (0 errors, 0 warnings), checkov (accepted findings: docs/checkov-accepted.yaml)
package: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m scripts.package --stage $${STAGE:-prod} build

## make audit: the shipped distributions (build/deployment.zip, after make package) against OSV with pip-audit;
## fails on a vulnerable one, and also when a known-vulnerable canary is not flagged (advisory source unreachable)
audit: $(STAMP) $(TOOLS_STAMP)
	@[ -f build/deployment.zip ] || $(MAKE) package
	$(BIN)/python -m scripts.package --audit build

## make fuzz: a longer schemathesis run against a fresh local stack (FUZZ_EXAMPLES per operation and role)
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest tests/e2e/test_zz_fuzz.py -s

## make stress: the storms at full size — in-process (STORM_SCALE) and against the whole local stack over HTTP
stress: $(STAMP)
	STORM_SCALE=$${STORM_SCALE:-3.4} $(BIN)/python -m pytest tests/integration/fulfilment/test_storms.py -s
	MONEY_EXAMPLES=$${MONEY_EXAMPLES:-30} MONEY_STEPS=$${MONEY_STEPS:-40} $(BIN)/python -m pytest tests/integration/fulfilment/test_money_stateful.py -s
	$(BIN)/python -m pytest tests/stress -s

## make redrive ARGS=notify: move messages from a queue's DLQ back to the queue (local stack: AWS_ENDPOINT_URL)
redrive: $(STAMP)
	$(BIN)/python -m local.redrive $(ARGS)

## make screenshots: PNGs of the admin page's queue and reports from a running `make dev` (docs/screenshots/)
screenshots: $(STAMP) chromium
	$(BIN)/python -m scripts.screenshots http://127.0.0.1:8080 supervisor1 --seed 6

clean:
	rm -rf build .devstack .pytest_cache .ruff_cache
