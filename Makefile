# Two commands for a new user: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
# pytest-xdist workers for `make test` and `make unit`: twice the cores of the 2-core CI machine, since most
# tests wait on a server or a clock rather than the CPU (WORKERS=0 runs in one process).
WORKERS ?= 4
# Whole files to whichever worker is free, in the order tests/conftest.py sets (longest first): a module's
# stack (tests/e2e, the simulated cluster) is then built once, not on every worker.
DIST := --dist loadfile --no-loadscope-reorder

.PHONY: run test venv lint typecheck layers unit integration e2e smoke reliability bench bench-full dynalite docs apidocs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Setting up $(VENV): installing ptpu and its dependencies (the first time only; a few minutes)."
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# One line per package as pip resolves it, then what it installed (errors still reach the terminal).
	@bash -o pipefail -c "$(BIN)/python -m pip install -e '.[test]' \
		| awk '/^(Collecting|Installing|Successfully)/ { print \"  \" \$$0; fflush() }'"
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
	$(BIN)/pytest -q -n $(WORKERS) tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

# A deployed instance (or the sandbox: see docs/sandbox.md "Smoke-testing the sandbox"); -rs prints why a test skipped.
smoke: $(STAMP)
	$(BIN)/pytest -q -rs tests/smoke

# Faults, crashes, races, hostile input and tokens (tests/reliability); `make test` runs them too.
reliability: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/reliability

# Every suite, over $(WORKERS) workers: about 10 minutes on 2 cores, the 500-event crash case (marker `slow`) included.
test: lint typecheck layers
	$(BIN)/pytest -q -p no:cacheprovider -n $(WORKERS) $(DIST) tests

# The benchmarks at sizes that fit 10 minutes on 2 cores; bench-full runs the full sizes (about
# 25 minutes). Results go to build/benchmarks/ (untracked); BENCH_OUT=benchmarks/RESULTS.md (or
# RESULTS-full.md) replaces the committed figures instead.
BENCH_OUT ?=
bench: $(STAMP) dynalite
	$(BIN)/python benchmarks/run_all.py $(if $(BENCH_OUT),--output $(BENCH_OUT))

bench-full: $(STAMP) dynalite
	$(BIN)/python benchmarks/run_all.py --full $(if $(BENCH_OUT),--output $(BENCH_OUT))

# The drain's DynamoDB emulator (benchmarks/_dynalite.py); without npm the drain falls back to moto.
dynalite:
	@command -v npm >/dev/null && npm ci --prefix benchmarks/dynalite --no-audit --no-fund >/dev/null \
		|| echo "no dynalite (npm missing or offline): the drain benchmark uses moto" >&2

# docs/configuration.md is generated from src/ptpu_runtime/config.py; a unit test fails when it is stale.
docs: $(STAMP)
	$(BIN)/python -m ptpu_sandbox.config_reference docs/configuration.md

# The domain core's API reference, generated from its docstrings by pdoc; open $(APIDOCS_OUT)/index.html.
APIDOCS_OUT ?= build/apidocs
apidocs: $(STAMP)
	$(BIN)/pdoc --docformat markdown --output-directory $(APIDOCS_OUT) ptpu_core

# Everything the build, the tests and the benchmarks made (what .gitignore lists); tracked files stay.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache build dist .bench-tmp
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.pyc' -o -name '*.egg-info' -o -name node_modules \) -prune \
		-exec rm -rf {} +
