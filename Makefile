PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint format docs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m grover_train reproduce --quick --out demo-out

test: $(STAMP)
	$(PY) -m ruff check grover_train tests benchmarks
	$(PY) -m pytest grover_train tests -q -n 2 --durations=15

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(PY) -m ruff check grover_train tests benchmarks
	$(PY) -m ruff format --check grover_train tests benchmarks
	$(PY) -m mypy  # --strict on the public API modules listed in pyproject.toml

format: $(STAMP)
	$(PY) -m ruff format grover_train tests benchmarks
	$(PY) -m ruff check --fix grover_train tests benchmarks

clean:
	rm -rf $(VENV) demo-out .pytest_cache site
