# Quick start: `make demo` cleans the bundled sample pages into out/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

# PyTorch on CPU trains 1.8-2.7x faster with tcmalloc (Debian: libtcmalloc-minimal4), when present.
TCMALLOC := $(wildcard /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4)
PRELOAD := $(if $(TCMALLOC),LD_PRELOAD=$(TCMALLOC))

.PHONY: demo test lint samples clean-out train-seg train-inpaint eval-real eval-deps bench

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

# The real-page tables of docs/RESULTS.md (needs ../shared/data or MANGACLEAN_DATA; the ppocr rows
# need `make eval-deps`). Numbers only go to docs/results/*.json; the tables are rebuilt from them.
RESULTS := docs/results
eval-real: $(VENV)/.runtime
	$(BIN)/mangaclean eval masks --segmenter auto,net-int8,net-fp32,lines,classical,ppocr --json $(RESULTS)/eval_masks.json
	$(BIN)/mangaclean eval boxes --segmenter auto,net-int8,net-fp32,lines,classical,ppocr --json $(RESULTS)/eval_boxes.json
	$(BIN)/mangaclean eval inpaint --inpainters auto,white,telea,ns,spectral --n 100 --seed 0 \
		--json $(RESULTS)/eval_inpaint.json
	$(BIN)/mangaclean eval balloons --segmenter auto --json $(RESULTS)/eval_balloons.json
	$(BIN)/python scripts/results_status.py

# Speed and memory of docs/RESULTS.md: the bundled sample at 827x1170 and 1807x2570, a 6000x8000
# grey page (the sample) and colour page (a public-domain page of ../shared/data, resized into the
# ignored out/), and the seed's exact design (random weights: only its time means anything; torch).
DATA ?= $(or $(MANGACLEAN_DATA),../shared/data)
COLOUR_PAGE := $(DATA)/pages/golden-age-comics/006013.jpg
bench: $(VENV)/.dev
	$(BIN)/mangaclean bench --sizes S,M --compare auto=auto/auto net=net-int8/auto fp32=net-fp32/auto --repeat 5 \
		--json $(RESULTS)/bench_pages.json
	$(BIN)/mangaclean bench --sizes L --compare auto=auto/auto --repeat 1 --json $(RESULTS)/bench_grey_6000x8000.json
	mkdir -p out/bench && $(BIN)/python -c "import sys; from PIL import Image; \
		Image.open(sys.argv[1]).convert('RGB').resize((6000, 8000), Image.BICUBIC).save(sys.argv[2])" \
		$(COLOUR_PAGE) out/bench/colour_6000x8000.png
	$(BIN)/mangaclean bench out/bench/colour_6000x8000.png --sizes "" --compare auto=auto/auto --repeat 1 \
		--json $(RESULTS)/bench_colour_6000x8000.json
	$(BIN)/mangaclean bench src/mangaclean/samples/sample_01.png --sizes "" \
		--compare auto=auto/auto net=net-int8/auto seed=torch:seg_mnv2_x2_original/auto --repeat 3 --no-memory \
		--json $(RESULTS)/bench_seed_design.json
	$(BIN)/mangaclean bench $(addprefix $(DATA)/pages/,manga109s-uchinonyans/UchiNoNyansDiary_001a.jpg \
		wikipe-tan/Wikipe-tan_manga_page1_ja.jpg english-manga/manga_page_en.jpg golden-age-comics/006013.jpg) \
		--sizes "" --compare auto=auto/auto net=net-int8/auto ppocr=ppocr/auto --repeat 5 --no-memory \
		--json $(RESULTS)/bench_text_decisions.json
	$(BIN)/python scripts/results_status.py

clean-out:
	rm -rf out
