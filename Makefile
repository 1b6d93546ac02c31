# Two commands for people: `make demo` and `make test`. Everything else is plumbing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the demo and the tests use: Xvfb + GL for the Kivy window,
# Chromium (+ DejaVu, the web pages' Vietnamese font) for the web pages, espeak-ng for the hall voice,
# PostgreSQL for the province store (tests start a throw-away cluster: bench/postgres.py).
DEBS := xvfb xauth libgl1-mesa-dri libegl1 libgl1 libmtdev1 chromium fonts-dejavu-core espeak-ng sox postgresql

.PHONY: demo demo-province test screenshots system-deps venv bench clean

system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing — run as root or: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: system-deps venv
	$(BIN)/motcua demo

# The same center plus a province: a throw-away PostgreSQL, `motcua province serve`, a second site.
demo-province: system-deps venv
	$(BIN)/motcua demo --province

# Tests leave the repository as it was (screenshots go to a temp folder: bench/screenshots.py).
test: system-deps venv
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Refresh the pictures in docs/screenshots/ on purpose (the tests that take them, nothing else).
screenshots: system-deps venv
	MOTCUA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -n 2 --dist loadgroup \
	  tests/kiosk/test_ui_flows.py tests/kiosk/test_result_kiosk.py tests/kiosk/test_result_postal_ui.py tests/web

bench: venv
	@for b in server policy eta print kiosk locker province; do $(BIN)/motcua bench $$b; done

clean:
	rm -rf $(VENV) var .pytest_cache
