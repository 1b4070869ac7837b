# twin: one local virtual environment (.venv) for everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-all bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

## run: install, then run the default scenario into runs/default.h5
run: $(STAMP)
	$(BIN)/twin run configs/default.yaml -o runs/default.h5 --force

# test processes (pytest-xdist): one per core by default; each test file stays in one process, so
# that a file's shared fixtures (the reference runs the resume tests compare against) are made once
TEST_WORKERS ?= auto

## test: install, then run the test suite (slow checks included when SLOW=1)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(if $(SLOW),,-m "not slow")

## test-slow: only the heavy checks (marked slow), which `make test` leaves out
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
