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

.PHONY: venv install run test bench services-start services-stop clean distclean

venv install: $(STAMP)

$(PY):
	$(PYTHON3) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: venv
	$(VENV)/bin/bridgepoint db upgrade
	$(VENV)/bin/bridgepoint demo
	$(VENV)/bin/bridgepoint serve --host 127.0.0.1 --port 8000

# One shell line: the trap stops the services even when pytest fails or is interrupted,
# and the recipe exits with pytest's status.  The env file exports
# BRIDGEPOINT_TEST_POSTGRES_URL and BRIDGEPOINT_TEST_REDIS_URL (unset when a server is unavailable).
test: venv
	@trap '$(SERVICES) stop' EXIT; trap 'exit 130' INT TERM; \
	$(SERVICES) start >/dev/null || exit $$?; \
	. $(SERVICES_ENV); \
	$(PY) -m pytest -q -ra $(PYTEST_ARGS)

bench: venv
	@trap '$(SERVICES) stop' EXIT; trap 'exit 130' INT TERM; \
	$(SERVICES) start >/dev/null || exit $$?; \
	. $(SERVICES_ENV); \
	if [ -f bench/run_all.py ]; then $(PY) bench/run_all.py; else echo "bench/run_all.py not found: nothing to run"; fi

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
