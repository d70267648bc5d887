# Every target installs what it needs into .venv on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUITE  ?= quick
BASE   ?=# the speed gate's base revision; empty: HEAD's parent, or where a branch forked from main
REGRESS_RUN ?= results/regress# the run folder `make regress` writes (CI names it per commit)

.PHONY: bench test test-fast lint regress continuous publish clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The site's browser tests need Chromium: installed where apt-get can run as root.
	@command -v chromium >/dev/null || { \
	  if ! command -v apt-get >/dev/null 2>&1; then SUDO=none; \
	  elif [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else SUDO=none; fi; \
	  if [ "$$SUDO" != none ]; then \
	    $$SUDO apt-get update && $$SUDO apt-get install -y chromium chromium-driver; fi; \
	  command -v chromium >/dev/null || echo "no chromium: the site's browser tests will be skipped"; }
	@touch $(STAMP)

bench: $(STAMP)
	$(PY) -m bench run $(SUITE) --history results/history.csv

# Every run folder of the store as one static site (open $(SITE)/index.html; no server needed).
STORE ?= results
SITE  ?= results/site
publish: $(STAMP)
	$(PY) -m bench publish $(STORE) --out $(SITE)

# The quick suite held against the committed baseline: exit 1 when David's accuracy or parity
# regressed. Speed is shown there but gated by `continuous`, which measures base and head in turn.
regress: $(STAMP)
	rm -rf $(REGRESS_RUN)
	$(PY) -m bench run quick --out $(REGRESS_RUN)
	$(PY) -m bench compare $(REGRESS_RUN) --baseline results/baseline.json --no-speed-gate

# The speed gate: the working tree against HEAD's parent (or, on a branch, where it forked from
# main), both measured in this job; exit 1 when David is proven more than 1.2x slower. BASE=rev.
# Its exit 3, "the machine was too busy to tell", becomes a warning (a GitHub Actions annotation
# there), not a failure: a busy runner must not fail CI on unchanged code.
continuous: $(STAMP)
	rm -rf results/continuous
	@status=0; $(PY) -m bench continuous $(BASE) --out results/continuous || status=$$?; \
	if [ $$status -eq 3 ]; then \
	  echo "$${GITHUB_ACTIONS:+::warning::}speed gate: the machine was too busy to tell" \
	    "(results/continuous/continuous.txt); not a failure"; exit 0; fi; \
	exit $$status

test: $(STAMP)
	$(PY) -m pytest

# The edit-test loop: everything not marked slow.
test-fast: $(STAMP)
	$(PY) -m pytest -m 'not slow' -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

# Fashion-MNIST's four files: already where the loader looks, or downloaded into the project's
# data folder (datasets/fashion-mnist/, checked against datasets/checksums.toml before each is
# kept), or else installed from the Debian package dataset-fashion-mnist where apt-get can (root,
# or sudo without a password). Otherwise it prints where it looked and how to get them, and
# fails. Nothing else depends on it: CI without the files skips the tests that need them.
.PHONY: data
data: $(STAMP)
	@$(PY) -m bench.datasets >/dev/null 2>&1 || $(PY) -m bench.datasets --download >/dev/null || { \
	  if ! command -v apt-get >/dev/null 2>&1; then SUDO=none; \
	  elif [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else SUDO=none; fi; \
	  if [ "$$SUDO" != none ]; then \
	    $$SUDO apt-get install -y dataset-fashion-mnist \
	      || { $$SUDO apt-get update && $$SUDO apt-get install -y dataset-fashion-mnist; } \
	      || echo "make data: apt-get could not install dataset-fashion-mnist"; \
	  else echo "make data: cannot run apt-get as root here, so nothing was installed"; fi; }
	@# Whatever happened above, this says where the files are, or where it looked and what to do.
	$(PY) -m bench.datasets

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
