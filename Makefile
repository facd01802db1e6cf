# Quick start: `make demo` cleans the bundled sample pages into out/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

# PyTorch on CPU trains 1.8-2.7x faster with tcmalloc (Debian: libtcmalloc-minimal4), when present.
TCMALLOC := $(wildcard /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4)
PRELOAD := $(if $(TCMALLOC),LD_PRELOAD=$(TCMALLOC))

.PHONY: demo test lint samples clean-out train-seg train-inpaint eval-real eval-deps

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
	$(BIN)/mangaclean clean src/mangaclean/samples -o out --save-mask --save-compare --overwrite
	@echo "cleaned pages, masks and before|mask|after strips are in out/"

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks

# Training (CPU by default; add DEVICE=cuda on a GPU machine). Runs resume from their checkpoint.
DEVICE ?= cpu
train-seg: $(VENV)/.dev
	$(PRELOAD) $(BIN)/mangaclean train seg --config recipes/seg_light_cpu.yaml --device $(DEVICE)

train-inpaint: $(VENV)/.dev
	$(PRELOAD) $(BIN)/mangaclean train inpaint --config recipes/inpaint_fill_cpu.yaml --device $(DEVICE)

# The PP-OCR peer for the evaluation tables. rapidocr pulls the non-headless OpenCV; put the
# headless build back on top so cv2 stays the one the project was tested with.
eval-deps: $(VENV)/.dev
	$(BIN)/pip install --quiet "rapidocr-onnxruntime==1.4.4"
	$(BIN)/pip install --quiet --force-reinstall --no-deps opencv-python-headless

# The real-page tables of docs/RESULTS.md (needs ../shared/data or MANGACLEAN_DATA).
eval-real: $(VENV)/.runtime
	$(BIN)/mangaclean eval masks --segmenter auto,classical,ppocr --json out/eval_masks.json
	$(BIN)/mangaclean eval boxes --segmenter auto,classical,ppocr --json out/eval_boxes.json
	$(BIN)/mangaclean eval inpaint --inpainters auto,white,telea,ns --n 100 --seed 0 --json out/eval_inpaint.json

clean-out:
	rm -rf out
