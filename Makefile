# bridgepoint developer tasks.  `make test PYTEST_ARGS='-k foo -x'` passes extra args to pytest.
SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON3     ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
SERVICES    := .ci/services.sh
SERVICES_ENV:= var/test-services.env
PYTEST_ARGS ?=

VENDOR      := api/static/vendor
VENDOR_STAMP:= $(VENDOR)/.installed

.PHONY: venv install static browser messages screenshots run test bench services-start services-stop clean distclean

venv install: $(STAMP)

$(PY):
	$(PYTHON3) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Front-end packages: pinned in package-lock.json, installed with npm and copied into a git-ignored folder.
# Node.js and npm come from Debian when missing.
static: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; } || \
		{ echo "npm is missing: install Node.js and npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js $(VENDOR)/swagger-ui/
	mkdir -p $(VENDOR)/uplot $(VENDOR)/zxing
	cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css $(VENDOR)/uplot/
	cp node_modules/zxing-wasm/dist/iife/reader/index.js $(VENDOR)/zxing/zxing-reader.js
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(VENDOR)/zxing/
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser), and DejaVu fonts for the PDF passes.
browser:
	@.ci/browser.sh

# Extract every message into var/messages.pot (catalogs: api/i18n/vi/*.po; tests/test_i18n.py checks them).
messages: venv
	@mkdir -p var
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -o var/messages.pot --no-location --omit-header .

# docs/screenshots/*.png from the browser tests, in both languages, at phone and projector sizes.
screenshots: venv static browser
	BRIDGEPOINT_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -m browser $(PYTEST_ARGS)

run: venv static
	$(VENV)/bin/bridgepoint db upgrade
	$(VENV)/bin/bridgepoint demo
	$(VENV)/bin/bridgepoint serve --host 127.0.0.1 --port 8000

# One shell line: the trap stops the services even when pytest fails or is interrupted, and the recipe fails
# when either run fails. The browser tests run in a pytest process of their own: Playwright's sync API keeps an
# event loop running in the main thread for the whole session, which the asyncio tests cannot share.  The env file exports
# BRIDGEPOINT_TEST_POSTGRES_URL and BRIDGEPOINT_TEST_REDIS_URL (unset when a server is unavailable).
test: venv static browser
	@trap '$(SERVICES) stop' EXIT; trap 'exit 130' INT TERM; \
	$(SERVICES) start >/dev/null || exit $$?; \
	. $(SERVICES_ENV); \
	$(PY) -m pytest -q -ra -m "not browser" $(PYTEST_ARGS); api=$$?; \
	$(PY) -m pytest -q -ra -m browser $(PYTEST_ARGS); browser=$$?; \
	[ $$api -eq 0 ] && [ $$browser -eq 0 ]

bench: venv
	@trap '$(SERVICES) stop' EXIT; trap 'exit 130' INT TERM; \
	$(SERVICES) start >/dev/null || exit $$?; \
	. $(SERVICES_ENV); \
	if [ -f bench/run_all.py ]; then $(PY) bench/run_all.py $(ONLY); else echo "bench/run_all.py not found: nothing to run"; fi

services-start:
	$(SERVICES) start

services-stop:
	$(SERVICES) stop

clean:
	-$(SERVICES) stop
	rm -rf .pytest_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info var
