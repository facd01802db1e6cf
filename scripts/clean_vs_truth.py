"""Clean synthetic pages with the default models and compare them with their clean truth (luma).

usage: python scripts/clean_vs_truth.py DIR [N]    (DIR from ``mangaclean synth -o DIR``)

Prints the text pixels still more than 40 levels off the clean page (text left behind, or badly
inpainted), the pixels changed by more than 40 levels further than 6 px from any text (art the
pipeline damaged), and the mean absolute error around the text (within 8 px) where the clean
page is flat paper (no more than 8 levels of range in 5x5): faint outlines and ringing left on
filled balloons. A check for removal rules, on data we may use; real pages have no clean truth.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from mangaclean.backends import load_models
from mangaclean.io import as_gray, read_image, read_mask
from mangaclean.maskops import grow
from mangaclean.pipeline import clean_page

OFF = 40
AWAY = 6
AROUND = 8


def main(folder: Path, limit: int | None) -> None:
    models = load_models("auto", "auto", threads=1)
    text = left = damaged = 0
    halo_error, halo = 0.0, 0
    kernel = np.ones((5, 5), np.uint8)
    for path in sorted((folder / "raw").glob("*.png"))[:limit]:
        clean = as_gray(read_image(folder / "clean" / path.name).pixels).astype(int)
        truth = read_mask(folder / "mask" / path.name)
        cleaned = as_gray(clean_page(read_image(path).pixels, models).page).astype(int)
        off = np.abs(cleaned - clean) > OFF
        text += int(truth.sum())
        left += int((off & truth).sum())
        damaged += int((off & ~grow(truth, AWAY)).sum())
        flat = cv2.dilate(clean.astype(np.uint8), kernel) - cv2.erode(clean.astype(np.uint8), kernel) <= 8
        around = grow(truth, AROUND) & ~truth & flat
        halo_error += float(np.abs(cleaned - clean)[around].sum())
        halo += int(around.sum())
    print(
        f"text px {text}  left {left} ({left / max(text, 1):.4f})  damaged {damaged}  "
        f"error on flat paper around text {halo_error / max(halo, 1):.3f} ({halo} px)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
