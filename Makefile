# Quick start: `make demo` cleans the bundled sample pages into out/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

.PHONY: demo test lint samples clean-out

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime only: no torch.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Dev extras (torch pinned to the local CPU wheel first, so pip never pulls a CUDA build).
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/mangaclean clean src/mangaclean/samples -o out --save-mask --save-compare
	@echo "cleaned pages, masks and before|mask|after strips are in out/"

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

clean-out:
	rm -rf out
