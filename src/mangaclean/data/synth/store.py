"""Samples on disk: ``DIR/raw``, ``DIR/clean``, ``DIR/mask`` (PNG) and ``DIR/blocks`` (JSON).

File names are the sample index on six digits (``000042.png``); masks are single-channel PNGs
with the class codes of :mod:`mangaclean.data.synth.page` (255 text, 128 sound effect, 0 none).
Files are written to a temporary name and renamed, so an interrupted run leaves no half files.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
from PIL import Image

from mangaclean.data.synth.page import SynthSample, TextBlock
from mangaclean.errors import ImageReadError, ImageWriteError

FOLDERS = ("raw", "clean", "mask", "blocks")


def sample_name(index: int) -> str:
    return f"{index:06d}"


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ImageWriteError(f"cannot write {path}: {exc}") from exc


def write_png(path: Path, array: np.ndarray, compress_level: int = 3) -> None:
    """Write a ``(H, W)`` or ``(H, W, 3)`` uint8 array as PNG, atomically."""
    image = Image.fromarray(array)
    _atomic_write(path, lambda p: image.save(p, format="PNG", compress_level=compress_level))


def write_palette_png(path: Path, rgb: np.ndarray, colours: int = 256) -> None:
    """Write an ``(H, W, 3)`` preview as a palette PNG (small files for pictures to look at)."""
    image = Image.fromarray(rgb).quantize(colours, dither=Image.Dither.NONE)
    _atomic_write(path, lambda p: image.save(p, format="PNG", optimize=True))


def write_sample(sample: SynthSample, out_dir: str | Path, index: int) -> None:
    """Write the four files of sample ``index`` under ``out_dir`` (folders are created)."""
    root = Path(out_dir)
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    name = sample_name(index)
    write_png(root / "raw" / f"{name}.png", sample.raw)
    write_png(root / "clean" / f"{name}.png", sample.clean)
    write_png(root / "mask" / f"{name}.png", sample.mask)
    blocks = {"width": sample.raw.shape[1], "height": sample.raw.shape[0]}
    blocks["blocks"] = [asdict(b) for b in sample.blocks]
    text = json.dumps(blocks, ensure_ascii=False, indent=1)
    _atomic_write(root / "blocks" / f"{name}.json", lambda p: p.write_text(text, "utf-8"))


def _read(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("L" if im.mode in ("L", "1", "P") else "RGB"))
    except (OSError, ValueError) as exc:
        raise ImageReadError(f"cannot read {path}: {exc}") from exc


def read_sample(out_dir: str | Path, index: int) -> SynthSample:
    """Read back a sample written by :func:`write_sample`."""
    root = Path(out_dir)
    name = sample_name(index)
    meta = json.loads((root / "blocks" / f"{name}.json").read_text("utf-8"))
    blocks = [TextBlock(tuple(b["box"]), b["kind"], bool(b["vertical"]), b["text"]) for b in meta["blocks"]]
    return SynthSample(
        raw=_read(root / "raw" / f"{name}.png"),
        clean=_read(root / "clean" / f"{name}.png"),
        mask=_read(root / "mask" / f"{name}.png"),
        blocks=blocks,
    )
