# The same entry points locally and in CI. Every target installs what it needs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLI_STAMP := $(VENV)/.installed-cli

.PHONY: install generate check-generated spec-drift lint typecheck test bench demo clean redis-server

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

test: $(STAMP) lint typecheck check-generated redis-server
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
