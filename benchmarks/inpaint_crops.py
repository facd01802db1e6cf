"""Before/after crops of the textured blocks of real pages, one strip per block: the page, then
each inpainter's clean (the whole pipeline, default segmenter), side by side.

    python benchmarks/inpaint_crops.py PAGE... --inpainters telea,spectral-fast,spectral \
        --out out/inpaint-crops/pages [--per-page 3]

Write to an ignored folder only (real pages are never committed). Blocks are taken largest
first; a strip is scaled up when it is small, so the fills can be seen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from mangaclean.backends import load_models
from mangaclean.io import Page, read_image, write_image
from mangaclean.pipeline import clean_page

PAD = 24  # px of context around a block
MIN_HEIGHT = 240  # px: smaller strips are scaled up by a whole factor


def strip(tiles: list[np.ndarray]) -> np.ndarray:
    """``(h, w[, 3])`` uint8 tiles side by side with red separators, ``(h', w', 3)`` uint8."""
    tiles = [t if t.ndim == 3 else np.repeat(t[..., None], 3, axis=2) for t in tiles]
    separator = np.zeros((tiles[0].shape[0], 4, 3), np.uint8)
    separator[..., 0] = 255
    parts = [part for tile in tiles for part in (tile, separator)][:-1]
    out = np.concatenate(parts, axis=1)
    scale = max(1, MIN_HEIGHT // max(out.shape[0], 1))
    return cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) if scale > 1 else out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--inpainters", default="telea,spectral-fast,spectral")
    parser.add_argument("--out", type=Path, required=True, help="an ignored folder")
    parser.add_argument("--per-page", type=int, default=3, help="largest textured blocks per page")
    args = parser.parse_args(argv)
    names = args.inpainters.split(",")
    models = {name: load_models("auto", name) for name in names}
    for path in args.pages:
        page = read_image(path).pixels
        results = {name: clean_page(page, m) for name, m in models.items()}
        blocks = [r for r in results[names[0]].regions if r.background == "textured"]
        for index, region in enumerate(sorted(blocks, key=lambda r: -int(r.mask.sum()))[: args.per_page]):
            x, y, w, h = region.box
            window = (slice(max(y - PAD, 0), y + h + PAD), slice(max(x - PAD, 0), x + w + PAD))
            tiles = [page[window]] + [results[name].page[window] for name in names]
            name = f"{path.stem}_{index}_{'_'.join(names)}.png"
            write_image(args.out / name, Page(strip(tiles)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
