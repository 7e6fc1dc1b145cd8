# The two commands of the quick start: `make run` and `make test`. Each creates .venv and installs
# what it needs, so both work on a fresh machine that has only Python.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/anpo db init
	$(BIN)/anpo serve

system-deps:
	bash scripts/ensure-system-deps

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/pytest

test: lint typecheck pytest

BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/anpo_bench_web

# every benchmark with the command bench/README.md gives for it (about 10 minutes)
bench: $(STAMP)
	$(BIN)/python bench/bench_ask.py --cases 1000000 --runs 15
	$(BIN)/python bench/bench_events.py --backend both --subscribers 500 --posts 20
	$(BIN)/python bench/bench_web.py --seconds 5 --rounds 3
	$(BIN)/python bench/bench_web.py --seconds 5 --rounds 3 --url $(BENCH_PG)
	$(BIN)/python bench/bench_ledger.py --backend both --orders 5000 --single 300 --postings 1000000

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
