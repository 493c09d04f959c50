# Two commands for a new user: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test venv lint typecheck layers unit integration e2e smoke reliability bench bench-full docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/ptpu sandbox $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

smoke: $(STAMP)
	$(BIN)/pytest -q tests/smoke

# Faults, crashes, races, hostile input and tokens (tests/reliability); `make test` runs them too.
reliability: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/reliability

# Every suite: about 5 minutes on 2 cores, the 500-event crash case (marker `slow`) included.
test: lint typecheck layers
	$(BIN)/pytest -q -p no:cacheprovider tests

# Issue 6's benchmarks at sizes that fit 10 minutes on 2 cores -> benchmarks/RESULTS.md;
# bench-full runs issue 6's full sizes (about 25 minutes) -> benchmarks/RESULTS-full.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

bench-full: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --full

# docs/configuration.md is generated from src/ptpu_runtime/config.py; a unit test fails when it is stale.
docs: $(STAMP)
	$(BIN)/python -m ptpu_runtime.config_reference docs/configuration.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
