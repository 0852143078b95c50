# The same entry points locally and in CI. Every target installs what it needs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLI_STAMP := $(VENV)/.installed-cli

.PHONY: install generate check-generated spec-drift lint typecheck test docs docs-serve bench demo clean redis-server test-py312 test-py313

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(CLI_STAMP)

# `make demo` needs only the package and its cli extra, not the development tools.
$(CLI_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cli]'
	touch $(CLI_STAMP)

demo: $(CLI_STAMP)
	$(VENV)/bin/toggl-async demo

generate: $(STAMP)
	$(PY) generator/generate.py

check-generated: $(STAMP)
	$(PY) generator/generate.py --check

# What differs between Toggl's published swagger files in PUBLISHED=DIR and spec/toggl.yaml
# (docs/maintainers.md); exits 1 on unexplained differences. DRIFT_FLAGS=--json for CI.
spec-drift: $(STAMP)
	@test -n "$(PUBLISHED)" || { echo "usage: make spec-drift PUBLISHED=DIR [DRIFT_FLAGS=--json]"; exit 2; }
	$(PY) generator/spec_drift.py $(PUBLISHED) $(DRIFT_FLAGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

# The shared-limits tests (tests/limits) start a real redis-server from PATH on a free loopback port and
# stop it at the end (tests/redis_server.py); this installs Debian's package when it is missing.
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "redis-server missing: installing Debian's redis-server package"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
	@command -v redis-server >/dev/null || { echo "redis-server could not be installed"; exit 1; }


# The packaging test (tests/test_package.py, marked slow: it builds the wheel and sdist and installs the
# wheel into fresh venvs from PyPI) runs here too; `pytest -m "not slow"` skips it while working.
# pytest-xdist runs the test files on every core, each file whole in one worker process (session fixtures
# such as the built wheel or a redis-server are made once per worker that needs them); PYTEST_WORKERS=0
# runs them in this process.
PYTEST_WORKERS ?= auto
test: $(STAMP) lint typecheck check-generated docs redis-server
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

# The docs site from docs/ into site/; any warning (a broken link, a missing docstring target) fails it.
docs: $(STAMP)
	$(PY) -m mkdocs build --strict --quiet

docs-serve: $(STAMP)
	$(PY) -m mkdocs serve

# The suite on other CPythons: `make test-py312`, `make test-py313`, each in its own .venv-py3XX. The
# interpreter is pyenv's newest 3.X, else python3.X on PATH (`pyenv install 3.13` brings one).
PYENV_ROOT ?= $(HOME)/.pyenv
python-for = $(or $(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python$(1)))),$(shell command -v python$(1) 2>/dev/null))

define other_python
.venv-py$(subst .,,$(1))/.installed: pyproject.toml
	@test -n "$$(call python-for,$(1))" || { echo "no python$(1) on PATH or in $(PYENV_ROOT): pyenv install $(1)"; exit 2; }
	test -x .venv-py$(subst .,,$(1))/bin/python || $$(call python-for,$(1)) -m venv .venv-py$(subst .,,$(1))
	.venv-py$(subst .,,$(1))/bin/python -m pip install --quiet --upgrade pip
	.venv-py$(subst .,,$(1))/bin/python -m pip install --quiet -e '.[dev]'
	touch $$@

test-py$(subst .,,$(1)): .venv-py$(subst .,,$(1))/.installed
	.venv-py$(subst .,,$(1))/bin/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile
endef
$(foreach version,3.12 3.13,$(eval $(call other_python,$(version))))

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .venv-py3* build dist site *.egg-info .pytest_cache .mypy_cache .ruff_cache
