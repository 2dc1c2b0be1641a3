# Two commands on a fresh clone: `make demo` and `make test`. Both create .venv when missing
# and install what they need (again only when pyproject.toml changed).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench-install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kgarden demo

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# Baselines (YAKE, KeyBERT + MiniLM on CPU torch) for the scripts in bench/; not needed otherwise.
bench-install: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'

clean:
	rm -rf $(VENV) demo-garden.db demo-garden.db-wal demo-garden.db-shm
