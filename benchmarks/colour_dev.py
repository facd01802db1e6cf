"""Colour pages re-inked from grey pages with text masks, to measure colour lettering.

    python benchmarks/colour_dev.py build --out out/colour-dev [--text colour|dark] [--seed 19]
    python benchmarks/colour_dev.py changed ORIGINALS_DIR CLEANED_DIR   # pixels a clean changed
    python benchmarks/colour_dev.py crops ORIGINALS_DIR BEFORE_DIR AFTER_DIR --out out/colour-crops
    mangaclean eval masks --images out/colour-dev/images --masks out/colour-dev/masks \
        --segmenter auto --json out/colour-dev.json

Each grey page (default: real-dev's Manga109 pages) is re-inked with its own mask: paper (light
pixels) becomes a pastel colour, art ink (dark pixels off the text) a dark colour, glyphs (the mask
grown by 2 px, so the anti-aliased edge takes the text's colour too) a saturated or a light colour
of little luma contrast, some with a white outline. The grey value is the blend weight between the
light and the dark colour of each pixel, so anti-aliasing and screentone stay. ``--text dark``
keeps the glyphs dark (the control: ordinary black lettering on a colour page). Styles and colours
are drawn from a seeded generator per page (deterministic). The pages are written as JPEG
(quality 90, chroma subsampled like most colour scans; ``--png``: lossless); masks are copied
unchanged, and ``styles.json`` records each page's colours. Real pages: ignored folders only.

    python benchmarks/colour_dev.py report RUNS --json docs/results/eval_colour.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

PAPERS = {  # pastel paper colours (RGB)
    "lavender": (228, 222, 248),
    "pink": (250, 222, 230),
    "mint": (220, 245, 228),
    "peach": (252, 228, 205),
    "lemon": (250, 246, 205),
    "sky": (215, 235, 250),
    "cream": (246, 240, 222),
}
INKS = {  # art ink
    "navy": (25, 30, 70),
    "brown": (60, 35, 20),
    "forest": (20, 55, 35),
    "plum": (55, 20, 60),
    "black": (18, 18, 18),
}
TEXT = {  # saturated lettering
    "magenta": (230, 30, 200),
    "red": (220, 30, 30),
    "blue": (30, 70, 220),
    "green": (20, 160, 60),
    "orange": (245, 130, 20),
}
LIGHT_TEXT = {  # light lettering: little luma contrast with pastel paper
    "light-blue": (120, 190, 245),
    "light-green": (140, 225, 140),
    "yellow": (245, 215, 40),
    "light-pink": (250, 150, 200),
    "turquoise": (80, 215, 210),
}
WHITE = (255, 255, 255)


def pick_style(rng: np.random.Generator, text: str) -> dict:
    """One page's colours: paper, art ink, glyph colour, white outline or not."""
    paper = str(rng.choice(list(PAPERS)))
    ink = str(rng.choice(list(INKS)))
    if text == "dark":
        kind, glyph = "dark", ink
    elif rng.random() < 0.35:
        kind, glyph = "light", str(rng.choice(list(LIGHT_TEXT)))
    else:
        kind, glyph = "saturated", str(rng.choice(list(TEXT)))
    colour = {**INKS, **TEXT, **LIGHT_TEXT}[glyph]
    jitter = rng.integers(-12, 13, size=3)
    colour = tuple(int(c) for c in np.clip(np.array(colour) + jitter, 0, 255))
    outline = bool(rng.random() < 0.3)
    return {"paper": paper, "ink": ink, "text": glyph, "kind": kind, "text_rgb": colour, "outline": outline}


def reink(gray: np.ndarray, text: np.ndarray, style: dict) -> np.ndarray:
    """gray ``(H, W)`` uint8, text ``(H, W)`` bool -> ``(H, W, 3)`` uint8 RGB.

    Each pixel blends its light colour (paper) and its dark colour (art ink, or the text colour
    near glyphs) by its grey value; a white outline, when asked, replaces paper around glyphs."""
    weight = (gray.astype(np.float32) / 255.0)[..., None]
    paper = np.array(PAPERS[style["paper"]], np.float32)
    ink = np.array(INKS[style["ink"]], np.float32)
    glyph = np.array(style["text_rgb"], np.float32)
    near = _grow(text, 2)
    dark = np.where(near[..., None], glyph, ink)
    light = np.broadcast_to(paper, dark.shape).copy()
    if style["outline"]:
        ring = _grow(near, 3)
        light[ring] = WHITE
        # Glyph edges blend with their white outline: hard outline pixels become full white.
        outline = ring & ~near
        weight = np.where(outline[..., None], np.maximum(weight, 0.85), weight)
    out = weight * light + (1.0 - weight) * dark
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _grow(mask: np.ndarray, radius: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def build(images: Path, masks: Path, out: Path, text: str, seed: int, suffix: str = ".jpg") -> int:
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "masks").mkdir(parents=True, exist_ok=True)
    styles = {}
    pages = sorted(images.glob("*.jpg"))
    for path in pages:
        mask_path = masks / f"{path.stem}.png"
        # one generator per page, seeded by its name: a page's colours do not depend on the others
        rng = np.random.default_rng([seed, zlib.crc32(path.stem.encode())])
        style = pick_style(rng, text)
        gray = np.asarray(Image.open(path).convert("L"))
        truth = np.asarray(Image.open(mask_path).convert("L")) > 127
        Image.fromarray(reink(gray, truth, style)).save(out / "images" / f"{path.stem}{suffix}", quality=90)
        shutil.copyfile(mask_path, out / "masks" / mask_path.name)
        styles[path.stem] = style
    (out / "styles.json").write_text(json.dumps(styles, indent=1) + "\n")
    return len(pages)


def changed(originals: Path, cleaned: Path) -> dict[str, dict]:
    """Pixels a clean changed, per page: each image under ``originals`` against the PNG of the
    same relative stem under ``cleaned`` (``mangaclean clean --format png`` output)."""
    from mangaclean.io import read_image

    out = {}
    for path in sorted(p for p in originals.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg")):
        before = read_image(path).pixels
        after = read_image(cleaned / path.relative_to(originals).with_suffix(".png")).pixels
        diff = before != after
        count = int((diff.any(axis=2) if diff.ndim == 3 else diff).sum())
        out[path.name] = {"size": f"{before.shape[1]}x{before.shape[0]}", "changed_px": count}
        out[path.name]["changed_share"] = count / (before.shape[0] * before.shape[1])
    return out


def crops(originals: Path, before: Path, after: Path, out: Path, size: int = 260) -> int:
    """Strips ``original | before | after`` (``size`` px windows, shown at 2x) of each page under
    ``originals`` cleaned into ``before`` and ``after`` (``clean --format png --save-mask``): one
    where the two removal masks differ most, one where the after mask is densest."""
    from mangaclean.io import read_image

    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(p for p in originals.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg")):
        stem = path.relative_to(originals).with_suffix("")
        pages = [read_image(path).pixels]
        masks = []
        for folder in (before, after):
            pages.append(read_image(folder / stem.with_suffix(".png")).pixels)
            masks.append(read_image(folder / f"{stem}_mask.png").pixels > 127)
        pages = [p if p.ndim == 3 else np.repeat(p[..., None], 3, axis=2) for p in pages]
        for kind, weight in (("diff", masks[0] ^ masks[1]), ("mask", masks[1])):
            if not weight.any():
                continue
            density = cv2.boxFilter(weight.astype(np.float32), -1, (size, size))
            cy, cx = np.unravel_index(np.argmax(density), density.shape)
            y0 = int(np.clip(cy - size // 2, 0, max(weight.shape[0] - size, 0)))
            x0 = int(np.clip(cx - size // 2, 0, max(weight.shape[1] - size, 0)))
            window = (slice(y0, y0 + size), slice(x0, x0 + size))
            bar = np.full((pages[0][window].shape[0], 4, 3), (255, 0, 0), np.uint8)
            strip = np.concatenate([pages[0][window], bar, pages[1][window], bar, pages[2][window]], axis=1)
            strip = cv2.resize(strip, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
            name = f"{str(stem).replace('/', '_')}_{kind}.png"
            cv2.imwrite(str(out / name), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
            written += 1
    return written


SETS = {
    "grey": "real-dev grey pages",
    "colour": "colour re-inked (JPEG q90, 4:2:0 chroma)",
    "png": "colour re-inked, lossless (build --png)",
    "dark": "colour re-inked, dark text",
}
KEYS = ("precision", "precision_without_possible_sfx", "recall", "f1", "iou", "tolerant_f1", "median_page_f1")


HOW = {
    "colour_set": "python benchmarks/colour_dev.py build --out out/colour-dev (seed 19, JPEG q90)",
    "dark_text_control": "python benchmarks/colour_dev.py build --out out/colour-dev-dark --text dark",
    "lossless_set": "python benchmarks/colour_dev.py build --out out/colour-dev-png --png",
    "before_after": "before: commit 819cb4d (luma); after: text_gray (contrast.py); commits below",
    "text_free_art": (
        "mangaclean clean <data>/pages/pepper-carrot -o out/colour/clean_{before,after} --format png "
        "--save-mask --save-compare; python benchmarks/colour_dev.py changed <data>/pages/pepper-carrot "
        "out/colour/clean_{when}/pepper-carrot > RUNS/changed_{when}.json"
    ),
    "colour_6000x8000": "golden-age-comics/006014.jpg resized to 6000x8000 (cubic), PNG, one run each",
}


def report(runs: Path, styles: Path) -> dict:
    """The ``eval masks --json`` runs ``RUNS/{grey,colour,png,dark}_{before,after}.json`` (before:
    luma, after: text_gray; any other ``RUNS/{set}_NAME.json``: a variant tried) side by side,
    the colour set's mean page F1 per kind of lettering, and ``RUNS/changed_{before,after}.json``
    (``changed`` on text-free colour art)."""
    sets = {}
    for key, label in SETS.items():
        if not (runs / f"{key}_before.json").is_file():
            continue
        entry = {"set": label}
        variants = sorted(p.stem[len(key) + 1 :] for p in runs.glob(f"{key}_*.json"))
        for when in ["before", "after"] + [v for v in variants if v not in ("before", "after")]:
            run = json.loads((runs / f"{key}_{when}.json").read_text())
            masks = run["masks"][0]
            entry[when] = {"command": run["command"], "commit": run.get("commit"), "date": run["date"]}
            entry[when].update({k: masks[k] for k in KEYS})
            entry[when]["pages"] = masks["pages"]
        sets[key] = entry
    kinds = json.loads(styles.read_text())
    groups: dict[str, list[str]] = {}
    for stem, style in kinds.items():
        for group in (style["kind"] + (" outlined" if style["outline"] else ""), style["text"]):
            groups.setdefault(group, []).append(stem)
    breakdown = {}
    for group, stems in sorted(groups.items()):
        row = {"pages": len(stems)}
        for when in ("before", "after"):
            run = json.loads((runs / f"colour_{when}.json").read_text())["masks"][0]["page_f1"]
            row[when] = float(np.nanmean([run.get(s, np.nan) for s in stems]))  # empty truth: no F1
        breakdown[group] = row
    changed_art = {
        when: json.loads((runs / f"changed_{when}.json").read_text()) for when in ("before", "after")
    }
    memory = {}
    for when in ("before", "after"):  # optional: RUNS/bench_{before,after}.json (mangaclean bench --json)
        path = runs / f"bench_{when}.json"
        if path.is_file():
            run = json.loads(path.read_text())
            config = run["configs"]["int8"]
            totals = {page: timings["total"]["median"] for page, timings in config["pages"].items()}
            memory[when] = {
                "command": run["command"],
                "commit": run.get("commit"),
                "peak_rss_mb": config["peak_rss_mb"],
            }
            memory[when]["total_s"] = totals
    return {
        "how": HOW,
        "sets": sets,
        "colour_mean_page_f1_by_lettering": breakdown,
        "text_free_art_changed": changed_art,
        "colour_6000x8000_memory": memory,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="re-ink the grey pages into --out/images, copy masks to --out/masks")
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-dev" / "manga109-textmasks"
    b.add_argument("--images", type=Path, default=default / "images")
    b.add_argument("--masks", type=Path, default=default / "masks")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--text", choices=("colour", "dark"), default="colour")
    b.add_argument("--seed", type=int, default=19)
    b.add_argument("--png", action="store_true", help="lossless pages (no JPEG chroma subsampling)")
    c = sub.add_parser("changed", help="share of pixels a clean changed, per page (JSON on stdout)")
    c.add_argument("originals", type=Path)
    c.add_argument("cleaned", type=Path)
    k = sub.add_parser("crops", help="original | before | after strips of two cleans of the same pages")
    k.add_argument("originals", type=Path)
    k.add_argument("before", type=Path)
    k.add_argument("after", type=Path)
    k.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("report", help="the runs in RUNS side by side, as JSON (mangaclean.eval.reports)")
    r.add_argument("runs", type=Path)
    r.add_argument("--styles", type=Path, default=Path("out/colour-dev/styles.json"))
    r.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "report":
        from mangaclean.eval.reports import write_json

        command = (
            f"python benchmarks/colour_dev.py report {args.runs} --styles {args.styles} --json {args.json}"
        )
        write_json(args.json, report(args.runs, args.styles), command)
        return 0
    if args.command == "crops":
        print(f"{crops(args.originals, args.before, args.after, args.out)} strips in {args.out}")
        return 0
    if args.command == "changed":
        print(json.dumps(changed(args.originals, args.cleaned), indent=1))
        return 0
    count = build(args.images, args.masks, args.out, args.text, args.seed, ".png" if args.png else ".jpg")
    print(f"{count} pages re-inked into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
