# Two commands for a fresh machine:  `make run` (set up, load the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run demo test test-fast lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch is pinned inside pyproject (torch==2.13.0) so this one step never pulls a CUDA build.
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

# Set up, load the bundled demo, build the index, then serve the API on 127.0.0.1:8000 (prints docs URL + keys).
run: $(STAMP)
	$(VENV)/bin/matcher serve --demo

demo: $(STAMP)
	$(VENV)/bin/matcher demo

# One worker per core (pytest-xdist), a test module's tests on one worker so a module's fixtures (a real
# encoder's demo store, a demo server) are built once. Every test isolates its own home, schema and ports.
test: $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadscope

# The same without the tests marked slow (each over about 3 s: real models, Chromium, the contract tests, processes
# killed or timed out), for the loop of work; CI runs them all (make test).
test-fast: $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadscope -m "not slow"

# ruff, mypy, and the import layers of .importlinter (faces -> facade -> services -> ranking -> search -> store
# -> ingest -> normalize -> schema); CI runs this before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
