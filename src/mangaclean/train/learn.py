"""``mangaclean learn``: tune a segmenter on a user's own pages (raw/cleaned pairs, or hand masks).

One function, :func:`learn`, runs the whole route:

1. **pages**: pairs are matched and checked, and each usable pair's text mask is derived by
   difference (``data.pairs``, stroke cores only, no margin: masks like the synthetic ones);
   hand masks are checked for size. Every page gets a line in ``MODEL_DIR/pages.csv``;
2. **split**: a share of the pages is held out (chosen by a hash of its name, so adding pages
   keeps the others where they were) and never trained on;
3. **training**: from the base network's fp32 ONNX (the shipped segmenter by default), with its
   BatchNorm statistics kept, on crops of the training pages mixed with synthetic pages (so other
   styles are not forgotten), for a budget of training minutes; the held-out pages choose the
   best checkpoint, the starting weights included;
4. **export**: fp32 and int8 ONNX (calibrated on training pages) with manifests that say what
   was learned, and ``defaults.json``, so that ``--segmenter MODEL_DIR`` uses them;
5. **side by side**: the base and the tuned model on the held-out pages, through the product's
   own mask (``pipeline.text_mask``), in ``MODEL_DIR/learn.json``.

Inputs are only read. ``MODEL_DIR/work`` keeps the masks, links to the pages and the training
run; running the same command again resumes an interrupted run (a larger ``--minutes`` continues
a finished one).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mangaclean.data.pairs import (
    OK_STATUSES,
    PairOptions,
    find_pairs,
    mask_from_pair,
    read_page,
    write_mask,
)
from mangaclean.errors import ImageReadError, UsageError
from mangaclean.io import write_bytes_atomic

log = logging.getLogger(__name__)

# Masks for training: stroke cores (the synthetic masks' half-maximum contour), no removal margin.
TRAINING_MASKS = PairOptions(dilate=1, contour=0.5)
CALIBRATION_PAGES = 16


@dataclass(frozen=True)
class LearnOptions:
    """How to learn. ``base``: an fp32 ``.onnx`` with its manifest (None = the shipped segmenter);
    ``holdout``: share of the pages kept for validation; ``synth_share``: share of each batch
    drawn from synthetic pages; ``minutes``: training time (export and checks come on top);
    ``freeze_encoder``: train the pooling, decoder and head only."""

    minutes: float = 20.0
    holdout: float = 0.2
    synth_share: float = 0.5
    lr: float = 1e-4
    base: str | None = None
    seed: int = 0
    batch_size: int = 8
    crop: int = 256
    device: str = "cpu"
    threads: int | None = None
    workers: int = 2
    freeze_encoder: bool = False

    def check(self) -> None:
        if not 0 < self.holdout < 1 or not 0 <= self.synth_share < 1 or self.minutes <= 0 or self.lr <= 0:
            raise UsageError("need 0 < --holdout < 1, 0 <= --synth-share < 1, --minutes > 0 and --lr > 0")


@dataclass(frozen=True)
class PageLine:
    """One page's check: ``source`` is pair or mask; ``status`` as in ``data.pairs`` (a pair) or
    ok / unmatched / unreadable / size_mismatch (a hand mask)."""

    name: str
    source: str
    status: str
    text_share: float = 0.0
    message: str = ""

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"


@dataclass(frozen=True)
class _Usable:
    name: str
    image: Path
    mask: Path


def learn(
    pairs: tuple[str, str] | None,
    masks: tuple[str, str] | None,
    model_dir: str | Path,
    options: LearnOptions = LearnOptions(),
    fresh: bool = False,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Tune a segmenter on ``pairs`` = (raw_dir, clean_dir) and/or ``masks`` = (images_dir,
    masks_dir) into ``model_dir`` (see the module docstring); returns the report also written to
    ``model_dir/learn.json``. ``progress`` gets the training loop's reports."""
    from mangaclean.train.config import TrainConfig
    from mangaclean.train.loop import train

    options.check()
    model_dir = Path(model_dir)
    _check_folders(pairs, masks, model_dir)
    work = model_dir / "work"
    _claim(work, pairs, masks, options, fresh)
    base = Path(options.base) if options.base else _shipped_fp32()
    lines, usable = _pages(pairs, masks, work / "masks", options.workers)
    held = _held_out([page.name for page in usable], options.holdout, options.seed)
    _write_lines(model_dir / "pages.csv", lines, {page.name for page in usable}, held)
    train_pages = [page for page in usable if page.name not in held]
    val_pages = [page for page in usable if page.name in held]
    log.info("%d pages to learn from, %d held out to check on", len(train_pages), len(val_pages))
    config_steps = 10_000_000  # the time budget ends the run
    config = TrainConfig(
        task="seg",
        model=_variant(base),
        out_dir=str(work / "run"),
        steps=config_steps,
        minutes=options.minutes,
        batch_size=options.batch_size,
        crop=options.crop,
        seed=options.seed,
        workers=options.workers,
        mask_folders=_link_pages(train_pages, work / "train"),
        val_mask_folders=_link_pages(val_pages, work / "heldout"),
        synth_share=options.synth_share,
        optimizer="adamw",
        lr=options.lr,
        lr_min=options.lr / 10,
        warmup_steps=20,
        init=str(base),
        freeze_bn=True,
        freeze_encoder_steps=config_steps if options.freeze_encoder else 0,
        val_every=100,
        val_size=64,
        checkpoint_every=50,
        log_every=10,
        device=options.device,
        threads=options.threads,
    )
    best = train(config, resume=True, progress=progress)
    run = _run_state(work / "run")
    summary = {
        "pages": {"train": len(train_pages), "heldout": len(val_pages), "refused": len(lines) - len(usable)},
        "steps": run["steps"],
        "best_step": best.get("step"),
        "training_minutes": run["minutes"],
        "heldout_crops_before": run["before"],
        "heldout_crops_after": {k: v for k, v in best.items() if k != "step"},
        "options": asdict(options) | {"base": str(base)},
    }
    with _quiet(work / "export.log"):
        _export(work / "run" / "best.safetensors", model_dir, train_pages, summary)
    report = summary | {"side_by_side": _side_by_side(base, model_dir, val_pages, options.threads)}
    write_bytes_atomic(model_dir / "learn.json", json.dumps(report, indent=2).encode())
    return report


# ---- inputs ------------------------------------------------------------------------------------


def _check_folders(pairs, masks, model_dir: Path) -> None:
    if not pairs and not masks:
        raise UsageError("give RAW_DIR CLEAN_DIR (page pairs) and/or --masks IMAGES MASKS")
    inputs = [Path(p) for p in (*(pairs or ()), *(masks or ()))]
    for folder in inputs:
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
        out, inside = model_dir.resolve(), folder.resolve()
        if out == inside or inside in out.parents or out in inside.parents:
            raise UsageError(f"the model folder {model_dir} must not be inside or around the input {folder}")


def _claim(work: Path, pairs, masks, options: LearnOptions, fresh: bool) -> None:
    """Start or resume the run in ``work``; a run on other inputs or settings is not resumed."""
    settings = {
        "pairs": [str(Path(p).resolve()) for p in pairs or ()],
        "masks": [str(Path(p).resolve()) for p in masks or ()],
        **{k: v for k, v in asdict(options).items() if k not in ("minutes", "device", "threads", "workers")},
    }
    state = work / "settings.json"
    if fresh and work.exists():
        shutil.rmtree(work)
    if state.is_file() and json.loads(state.read_text()) != settings:
        raise UsageError(
            f"{work.parent} holds a run with other inputs or settings; pass --fresh to start over "
            "or choose another folder"
        )
    work.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(settings, indent=2))


def _shipped_fp32() -> Path:
    from mangaclean.backends.registry import shipped_model

    path = shipped_model("segmenter", "fp32")
    if path is None:
        raise UsageError("this build ships no segmenter network to start from; pass --base FILE.onnx")
    return path


def _variant(base: Path) -> str:
    from mangaclean.backends.manifest import manifest_path, read_manifest

    return read_manifest(manifest_path(base))["variant"]


def _pages(pairs, masks, mask_dir: Path, workers: int) -> tuple[list[PageLine], list[_Usable]]:
    """Check every page; derive the masks of pairs into ``mask_dir``. Returns (lines, usable)."""
    lines: list[PageLine] = []
    usable: list[_Usable] = []
    if pairs:
        found, raw_only, clean_only = find_pairs(*pairs)
        lines += [PageLine(n, "pair", "unmatched", message="no cleaned page") for n in raw_only]
        lines += [PageLine(n, "pair", "unmatched", message="no raw page") for n in clean_only]
        jobs = [(name, raw, clean, mask_dir / f"{name}.png") for name, raw, clean in found]
        for (_, raw, _, mask), line in zip(jobs, _map(_derive, jobs, workers), strict=True):
            lines.append(line)
            if line.status in OK_STATUSES:  # "empty" too: a page without text is worth learning
                usable.append(_Usable(line.key, raw, mask))
    if masks:
        found, images_only, masks_only = find_pairs(*masks)
        lines += [PageLine(n, "mask", "unmatched", message="no mask") for n in images_only]
        lines += [PageLine(n, "mask", "unmatched", message="no page") for n in masks_only]
        for name, image, mask in found:
            lines.append(_check_mask(name, image, mask))
            if lines[-1].status == "ok":
                usable.append(_Usable(lines[-1].key, image, mask))
    if len(usable) < 2:
        raise UsageError(
            f"{len(usable)} usable page(s): learning needs at least 2 (one to learn from, one to check "
            "on); see pages.csv for the refused ones"
        )
    return lines, usable


def _derive(job) -> PageLine:
    name, raw_path, clean_path, mask_path = job
    try:
        result = mask_from_pair(read_page(raw_path), read_page(clean_path), TRAINING_MASKS)
    except ImageReadError as exc:
        return PageLine(name, "pair", "unreadable", message=str(exc))
    if result.mask is not None:
        write_mask(mask_path, result.mask)
    return PageLine(name, "pair", result.status, result.text_share, result.message)


def _check_mask(name: str, image: Path, mask: Path) -> PageLine:
    try:
        size, mask_size = read_page(image).shape[:2], read_page(mask).shape[:2]
    except ImageReadError as exc:
        return PageLine(name, "mask", "unreadable", message=str(exc))
    if size != mask_size:
        note = f"mask is {mask_size[1]}x{mask_size[0]}, page {size[1]}x{size[0]}"
        return PageLine(name, "mask", "size_mismatch", message=note)
    return PageLine(name, "mask", "ok")


def _map(function, jobs: list, workers: int) -> list:
    if workers <= 1 or len(jobs) < 2:
        return [function(job) for job in jobs]
    import concurrent.futures
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, jobs))


def _held_out(names: list[str], share: float, seed: int) -> set[str]:
    """``round(share * n)`` names (at least 1, at most n - 1) chosen by a seeded hash of each name."""
    count = min(max(1, round(share * len(names))), len(names) - 1)
    ranked = sorted(names, key=lambda name: hashlib.sha256(f"{seed}/{name}".encode()).hexdigest())
    return set(ranked[:count])


def _write_lines(path: Path, lines: list[PageLine], usable: set[str], held: set[str]) -> None:
    """``pages.csv``: every page with its check and its split (train, heldout or refused)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "source", "status", "split", "text_share", "message"])
        for line in sorted(lines, key=lambda item: item.key):
            split = "heldout" if line.key in held else "train" if line.key in usable else "refused"
            share = f"{line.text_share:.5f}"
            writer.writerow([line.name, line.source, line.status, split, share, line.message])


def _link_pages(pages: list[_Usable], folder: Path) -> tuple[str, str]:
    """``folder/images`` and ``folder/masks`` with a link to each page and its mask (same names)."""
    if folder.exists():
        shutil.rmtree(folder)
    for page in pages:
        for kind, target in (("images", page.image), ("masks", page.mask)):
            link = folder / kind / f"{page.name}{target.suffix.lower()}"
            link.parent.mkdir(parents=True, exist_ok=True)
            try:
                link.symlink_to(target.resolve())
            except OSError:  # no symlinks on this file system: copy
                shutil.copyfile(target, link)
    return str(folder / "images"), str(folder / "masks")


def _run_state(run: Path) -> dict:
    """Steps and training minutes of the run so far, and its held-out scores at step 0."""
    import torch

    state = torch.load(run / "last.pt", map_location="cpu", weights_only=False)
    with open(run / "val.csv", newline="") as handle:
        first = next(csv.DictReader(handle))
    before = {k.removeprefix("val_"): float(v) for k, v in first.items() if k.startswith("val_")}
    return {"steps": state["step"], "minutes": round(state.get("seconds", 0.0) / 60, 2), "before": before}


# ---- outputs -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet(log_file: Path) -> Iterator[None]:
    """The exporter's and quantizer's chatter (prints, INFO logs, torch.onnx warnings) goes to
    ``log_file`` instead of the console."""
    root, exporter = logging.getLogger(), logging.getLogger("torch.onnx")
    levels = root.level, exporter.level
    buffer = io.StringIO()
    root.setLevel(logging.WARNING)
    exporter.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        root.setLevel(levels[0])
        exporter.setLevel(levels[1])
        log_file.write_text(buffer.getvalue())


def _export(checkpoint: Path, model_dir: Path, train_pages: list[_Usable], summary: dict) -> None:
    """fp32 + int8 ONNX with manifests, then ``defaults.json`` (written last: a model folder is
    complete once it lists its files)."""
    from mangaclean.backends.checkpoint import load_checkpoint
    from mangaclean.export.onnx import check_parity, export_with_manifest
    from mangaclean.export.quantize import int8_twin

    model, _ = load_checkpoint(checkpoint)
    fp32 = model_dir / "segmenter.onnx"
    export_with_manifest(model, fp32, extra={"learned": summary})
    check_parity(model, fp32, sizes=((3, 5), (2, 2)))
    chosen = np.random.default_rng(0).permutation(len(train_pages))[:CALIBRATION_PAGES]
    pages = [read_page(train_pages[i].image) for i in sorted(chosen)]
    int8 = int8_twin(fp32, pages, np.random.default_rng(0))
    listing = {"segmenter": {"fp32": fp32.name, "int8": int8.name, "default": "int8"}}
    write_bytes_atomic(model_dir / "defaults.json", json.dumps(listing, indent=2).encode())


def _side_by_side(base: Path, model_dir: Path, pages: list[_Usable], threads: int | None) -> list[dict]:
    """The starting network (the shipped default, or ``--base``) and the tuned one, each at its
    default precision, on the held-out pages."""
    from mangaclean.backends.registry import load_segmenter, shipped_model
    from mangaclean.eval.masks_eval import evaluate_masks, segmenter_predictor

    shipped = shipped_model("segmenter", "fp32")
    before = "auto" if shipped is not None and base.resolve() == shipped.resolve() else str(base)
    rows = []
    for label, name in (("before", before), ("after", str(model_dir))):
        segmenter = load_segmenter(name, threads)
        report = evaluate_masks([(p.image, p.mask) for p in pages], segmenter_predictor(segmenter), label)
        scores = report.as_dict()
        rows.append({"model": label, "segmenter": segmenter.name} | {k: scores[k] for k in _SCORES})
    return rows


_SCORES = ("pages", "precision", "recall", "f1", "tolerant_f1")


def format_side_by_side(rows: list[dict]) -> str:
    """The side-by-side rows as a small Markdown table."""
    head = "| model | segmenter | pages | P | R | F1 | tolerant F1 |\n|---|---|---|---|---|---|---|"
    body = [
        f"| {r['model']} | {r['segmenter']} | {r['pages']} | {r['precision']:.3f} | {r['recall']:.3f} "
        f"| {r['f1']:.3f} | {r['tolerant_f1']:.3f} |"
        for r in rows
    ]
    return "\n".join([head, *body])
