# Two commands on a fresh machine:  `make run` (dashboard) and `make test` (the test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint browser clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## Set up and start the dashboard on the embedded SQLite database (demo data on first run).
run: $(VENV)/.runtime
	$(BIN)/python -m core init-db
	$(BIN)/streamlit run dashboard.py

## Set up and run every check: lint, then the whole test suite (browser tests included).
test: $(VENV)/.dev browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

## Debian's Chromium for the end-to-end tests (no browser download by Playwright).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium; fi; }

clean-db:
	rm -f data/asxh.db data/asxh.db-wal data/asxh.db-shm
