"""Build a folder of text-free greyscale "art" from public-domain clip art, for ``train --art``.

The synthetic engine draws its own art procedurally; real pages have drawn objects, animals and
people that look different. This composes Open Clip Art Library drawings (Debian package
``openclipart-png``, public domain) into manga-like panels: several drawings per 1024x1024 image,
greyscale, with flat grey fills turned into dot screentone half the time. Categories and names
that usually carry lettering (signs, flags, cards, icons, logos, maps, music notes, ...) are left
out, and so is any drawing in which the PP-OCR detector (the eval extra) finds 4 or more text
lines: mostly labelled diagrams, dials and displays (fewer boxes are mostly art details, which
PP-OCR flags in three quarters of the drawings). A little lettering may remain (a logo on a
shirt); the hand-made masks of real pages leave such text in the art unmasked too.
``python scripts/clipart_art.py OUT [-n 600] [--seed 0]`` (about 5 min for the PP-OCR pass).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path("/usr/share/openclipart/png")
KEEP = (
    "animals",
    "buildings",
    "containers",
    "food",
    "people",
    "plants",
    "recreation",
    "tools",
    "transportation",
    "electronics",
    "science",
)
SKIP_WORDS = (
    "sign",
    "text",
    "label",
    "banner",
    "letter",
    "alphabet",
    "word",
    "logo",
    "font",
    "number",
    "calendar",
    "book",
    "news",
    "card",
    "map",
    "flag",
    "button",
    "sticker",
    "note",
    "menu",
    "poster",
    "title",
    "clock",
    "music",
    "party",
    "aiga",
    "road",
    "icon",
    "symbol",
    "stickmen",
    "smilie",
    "chess",
    "domino",
    "dice",
    "keyboard",
)
MIN_SIDE = 120
MAX_TEXT_LINES = 3
SIZE = 1024


def drawings() -> list[Path]:
    """Clip-art files in the kept categories whose path names no lettering-prone subject."""
    files = []
    for category in KEEP:
        for path in sorted((ROOT / category).rglob("*.png")):
            name = str(path.relative_to(ROOT)).lower()
            if not any(word in name for word in SKIP_WORDS):
                files.append(path)
    return files


def few_text_lines(files: list[Path]) -> list[Path]:
    """The readable drawings in which PP-OCR detects at most MAX_TEXT_LINES text lines."""
    from mangaclean.backends.ppocr import PPOCRSegmenter

    detector = PPOCRSegmenter(threads=2)
    kept = []
    for path in files:
        loaded = load(path)
        if loaded is None:
            continue
        grey = loaded[0]
        zoom = max(1.0, 640 / max(grey.shape))  # small drawings: their lettering at a readable size
        grey = cv2.resize(grey, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        if len(detector.detect(grey)) <= MAX_TEXT_LINES:
            kept.append(path)
    return kept


def load(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(h, w) uint8 grey drawing on white and its (h, w) float alpha; None if unreadable or small."""
    try:
        with warnings.catch_warnings():  # a few drawings are huge: skipped below, unread
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            if im.width * im.height > 4096 * 4096:
                return None
            rgba = np.asarray(im.convert("RGBA"), np.float32)
    except (OSError, ValueError):
        return None
    if min(rgba.shape[:2]) < MIN_SIDE:
        return None
    grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    alpha = rgba[..., 3] / 255.0
    return (grey * alpha + 255.0 * (1 - alpha)).astype(np.uint8), alpha


def screentone(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mid greys (not the outlines, not the paper) printed as a rotated dot screen."""
    h, w = grey.shape
    pitch, angle = rng.uniform(4, 11), np.deg2rad(rng.choice([15, 30, 45, 60, 75]))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xs * np.cos(angle) + ys * np.sin(angle)) * 2 * np.pi / pitch
    v = (-xs * np.sin(angle) + ys * np.cos(angle)) * 2 * np.pi / pitch
    screen = (np.cos(u) * np.cos(v) + 1) / 2 * 255  # 0..255 threshold map
    mid = (grey > 50) & (grey < 235)
    out = grey.copy()
    out[mid] = np.where(grey[mid] < screen[mid], 0, 255).astype(np.uint8)
    return out


def collage(files: list[Path], rng: np.random.Generator) -> np.ndarray:
    """(SIZE, SIZE) uint8: 3 to 10 drawings at random scales and places, on white paper."""
    canvas = np.full((SIZE, SIZE), 255, np.float32)
    placed = 0
    while placed < rng.integers(3, 11):  # a fresh bound each turn: mostly 3 to 6 drawings
        loaded = load(files[int(rng.integers(len(files)))])
        if loaded is None:
            continue
        grey, alpha = loaded
        scale = min(rng.uniform(0.8, 2.5), 700 / max(grey.shape))
        size = (max(1, int(grey.shape[1] * scale)), max(1, int(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
        h, w = grey.shape
        y, x = int(rng.integers(-h // 4, SIZE - h // 2)), int(rng.integers(-w // 4, SIZE - w // 2))
        cy0, cx0, cy1, cx1 = max(y, 0), max(x, 0), min(y + h, SIZE), min(x + w, SIZE)
        region = (slice(cy0 - y, cy1 - y), slice(cx0 - x, cx1 - x))
        a = alpha[region]
        canvas[cy0:cy1, cx0:cx1] = canvas[cy0:cy1, cx0:cx1] * (1 - a) + grey[region] * a
        placed += 1
    out = canvas.astype(np.uint8)
    return screentone(out, rng) if rng.random() < 0.5 else out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("-n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    files = few_text_lines(drawings())
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.n):
        Image.fromarray(collage(files, rng)).save(out / f"art_{i:04d}.png", optimize=False)
    print(f"wrote {args.n} images from {len(files)} drawings to {out}")


if __name__ == "__main__":
    main()
