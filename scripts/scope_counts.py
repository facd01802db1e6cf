"""What ``--scope balloons`` erases next to ``--scope all`` on real pages (issue 21).

Per page: text blocks and erased pixels under each scope, and a check that with ``balloons``
every pixel outside the flat blocks of ``all`` is byte-identical to the input. Precision on
real-dev (manga109 text masks, which leave sound effects unmasked): the share of erased pixels
that are text under each scope. Crops of pages where the scopes differ go to ``--crops`` (an
ignored folder: never commit them). Run:
``python scripts/scope_counts.py --json docs/results/scope_counts.json --crops scratch/scope``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from mangaclean.backends import load_models
from mangaclean.eval.reports import write_json
from mangaclean.io import as_rgb, read_image
from mangaclean.pipeline import CleanOptions, clean_page

DATA = Path(os.environ.get("MANGACLEAN_DATA", Path(__file__).parents[1] / ".." / "shared" / "data"))
SETS = {
    "real-dev manga109-textmasks": "real-dev/manga109-textmasks/images/*.jpg",
    "pages (all folders)": "pages/*/*.*",
}


def measure(path: Path, models, truth: np.ndarray | None) -> dict:
    page = read_image(path).pixels
    every = clean_page(page, models, CleanOptions(scope="all"))
    balloons = clean_page(page, models, CleanOptions(scope="balloons"))
    flat = np.zeros_like(every.mask)
    for region in every.regions:
        if region.background == "flat":
            x, y, w, h = region.box
            flat[y : y + h, x : x + w] |= region.mask
    outside = ~(flat | balloons.mask)
    row = {
        "page": str(path.relative_to(DATA)),
        "blocks_all": len({r.block for r in every.regions}),
        "blocks_balloons": len({r.block for r in balloons.regions}),
        "erased_all": int(every.mask.sum()),
        "erased_balloons": int(balloons.mask.sum()),
        "outside_flat_untouched": bool(np.array_equal(balloons.page[outside], page[outside])),
    }
    if truth is not None:  # glyph-mask precision, as `eval masks` scores it, per scope
        for scope, erased in (("all", every.mask), ("balloons", balloons.mask)):
            found = every.text_mask & erased
            row[f"glyphs_{scope}"] = int(found.sum())
            row[f"text_glyphs_{scope}"] = int((found & truth).sum())
    return row | {"_pages": (page, every.page, balloons.page, every.mask ^ balloons.mask)}


def crop(path: Path, page, every, balloons, differ, out: Path) -> None:
    """before | all | balloons around the first place where the scopes differ."""
    ys, xs = np.nonzero(differ)
    y, x = int(ys[0]), int(xs[0])
    window = (slice(max(y - 150, 0), y + 150), slice(max(x - 150, 0), x + 150))
    strip = np.hstack([as_rgb(a[window]) for a in (page, every, balloons)])
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(strip).save(out / f"{path.parent.name}_{path.stem}.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--crops", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    args = parser.parse_args()
    models = load_models("auto", "auto")
    summary = {}
    for label, pattern in SETS.items():
        paths = sorted(p for p in DATA.glob(pattern) if "_clean" not in p.name)[: args.limit or None]
        rows = []
        for path in paths:
            truth_path = path.parents[1] / "masks" / f"{path.stem}.png"
            truth = np.asarray(Image.open(truth_path)) > 127 if truth_path.exists() else None
            row = measure(path, models, truth)
            page, every, balloons, differ = row.pop("_pages")
            if args.crops and differ.any():
                crop(path, page, every, balloons, differ, args.crops)
            rows.append(row)
        summary[label] = _totals(rows)
        print(label, json.dumps(summary[label]), flush=True)
    if args.json:
        payload = {"models": "auto/auto (shipped int8 segmenter, Telea)", "sets": summary}
        write_json(args.json, payload, f"python scripts/scope_counts.py --limit {args.limit}")
    return 0


def _totals(rows: list[dict]) -> dict:
    total = {
        key: sum(r[key] for r in rows) for key in rows[0] if key not in ("page", "outside_flat_untouched")
    }
    total["pages"] = len(rows)
    total["pages_outside_flat_untouched"] = sum(r["outside_flat_untouched"] for r in rows)
    for scope in ("all", "balloons"):
        if f"glyphs_{scope}" in total:
            precision = total[f"text_glyphs_{scope}"] / max(total[f"glyphs_{scope}"], 1)
            total[f"precision_{scope}"] = round(precision, 4)
    if "text_glyphs_all" in total:
        total["text_found_kept_by_balloons"] = round(
            total["text_glyphs_balloons"] / max(total["text_glyphs_all"], 1), 4
        )
    return total


if __name__ == "__main__":
    sys.exit(main())
