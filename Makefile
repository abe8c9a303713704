# Every target creates .venv itself; a fresh machine needs only python3, pip, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench stress clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/annotator $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check annotator tests $(wildcard bench)
	$(BIN)/ruff format --check annotator tests $(wildcard bench)
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench

# The reliability tests with many more iterations (200 SIGKILLs, 4 x 400 concurrent edits,
# 400 random texts...); `make test` runs the same tests with fewer.
RELIABILITY := tests/test_crash_safety.py tests/test_concurrency.py tests/test_refusals.py \
	tests/test_backup.py tests/test_hostile_pipeline.py
stress: $(STAMP)
	ANNOTATOR_STRESS=1 $(BIN)/python -m pytest -n 2 -q $(RELIABILITY)

clean:
	rm -rf $(VENV) build dist
