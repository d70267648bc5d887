# Every target installs what it needs into .venv on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUITE  ?= quick

.PHONY: bench test lint regress clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

bench: $(STAMP)
	$(PY) -m bench run $(SUITE) --history results/history.csv

# The quick suite held against the committed baseline: exit 1 when David regressed.
regress: $(STAMP)
	rm -rf results/regress
	$(PY) -m bench run quick --out results/regress
	$(PY) -m bench compare results/regress --baseline results/baseline.json

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
