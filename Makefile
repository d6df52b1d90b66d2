# The two commands README gives: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test

$(BIN)/fwbench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Creates any missing framework environment, runs the default benchmark, prints the table.
run: $(BIN)/fwbench
	$(BIN)/fwbench run $(ARGS)

# Creates any missing framework environment, then runs the whole test suite.
test: $(BIN)/fwbench
	$(BIN)/fwbench setup
	$(BIN)/pytest -q -rs
