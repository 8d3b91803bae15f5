# One task runner for people and CI. `make demo` and `make test` each set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# The PostgreSQL server the tests use (scripts/system-deps.sh starts it); unset it to have the
# tests start their own cluster from the installed binaries.
TRACKER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TRACKER_TEST_POSTGRES_URL

.PHONY: demo test lint bench setup setup-test system-deps clean

$(BIN)/tracker: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/tracker
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/tracker

setup-test: $(VENV)/.test-deps system-deps

system-deps:
	bash scripts/system-deps.sh

## Run the whole pipeline offline on the demo data (local E-utilities server, SQLite).
demo: setup
	$(BIN)/tracker demo

## Set up and run the test suite (with lint), every database test on SQLite and PostgreSQL.
test: setup-test
	$(BIN)/ruff check .
	$(BIN)/pytest -q --db both

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .

## Benchmarks: every performance figure against its anchor in one run, then one table
## (ingest and report on SQLite and PostgreSQL; under 15 minutes on a 2-core machine).
bench: setup-test
	$(BIN)/python bench/bench_all.py

clean:
	rm -rf $(VENV) demo-output reports/*.html reports/*.md reports/*.json
