# One command each; README's two commands are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit integration e2e bench clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/lobby serve

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

unit: setup
	$(VENV)/bin/pytest -m unit

test: setup lint typecheck
	$(VENV)/bin/pytest

bench: setup
	$(VENV)/bin/lobby bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
