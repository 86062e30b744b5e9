# ControlDeck — the two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint sysdeps bench bench-anomaly screenshots venv clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

sysdeps:
	@bash .ci/sysdeps

run: venv
	$(PY) main.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy core drivers

test: venv sysdeps lint
	$(VENV)/bin/pytest

bench: venv
	$(PY) -m bench

bench-anomaly: venv
	$(PY) -m bench.anomaly_bench

screenshots: venv sysdeps
	xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) -m hmi.screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
