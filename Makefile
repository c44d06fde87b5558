# Two commands on a fresh machine:  `make run` (dashboard) and `make test` (the test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Test workers (pytest-xdist). `make test WORKERS=0` runs the tests in one process. Two, one a
# core: on the 2-core machine 4 workers took 164 s and 283 s of CPU for the same tests that 2
# workers ran in 125 s and 216 s (every worker imports and builds its own shared fixtures).
WORKERS ?= 2
PYTEST_PARALLEL := -n $(WORKERS) --dist loadgroup
# Browser tests each drive a Streamlit server and a Chromium, which take the CPU they get:
# two at a time fit two cores. They run after the rest (beside them, they slow both and time
# out).
BROWSER_WORKERS ?= 2

.PHONY: run test lint system-deps clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## Set up and start the dashboard on the embedded SQLite database. On first run the demo data
## are loaded here, with a progress bar, before the server starts (no visitor waits for them).
run: $(VENV)/.runtime system-deps
	$(BIN)/python -m core init-db
	$(BIN)/python -m core demo --if-empty
	$(BIN)/streamlit run app.py

## Set up and run every check: lint, the one-way layers (import-linter contracts in
## pyproject.toml), then the whole test suite (browser tests included), spread over $(WORKERS)
## worker processes (a module's shared fixtures in one worker; the slowest tests first), the
## browser tests after the rest on $(BROWSER_WORKERS) workers, on the databases the first run
## built (one run id for both; the first keeps them, the second removes them). Bytecode is written
## (__pycache__) even where the shell turns it off: else every worker compiles and rewrites
## every test module's asserts again, seconds of CPU each.
test: export PYTHONDONTWRITEBYTECODE :=
test: export ASXH_TEST_RUN := make$(shell od -An -N4 -tx4 /dev/urandom | tr -d ' ')
test: $(VENV)/.dev system-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	ASXH_TEST_KEEP_RUN=1 $(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser" || \
	  { status=$$?; $(BIN)/python -c "from tests.conftest import cleanup_run; cleanup_run()"; \
	    exit $$status; }
	$(BIN)/pytest -n $(BROWSER_WORKERS) --dist loadgroup -m browser

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Debian packages: Chromium (chart images for the briefing via kaleido, and the browser tests,
## driven by Playwright without any browser download) and DejaVu fonts (Vietnamese in PDFs).
SYSTEM_PACKAGES := chromium fonts-dejavu-core
system-deps:
	@if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	else SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); fi

clean-db:
	rm -f data/asxh.db data/asxh.db-wal data/asxh.db-shm
