"""Text-free art must come out unchanged: the share of pixels a clean changes on pages without
lettering (issue 19's target: at most 0.1%), per segmenter, side by side.

Default pages: ``pages/pepper-carrot/*`` of the evaluation data (``$MANGACLEAN_DATA``, else
``../shared/data``). Run:
``python scripts/art_untouched.py --segmenter auto,net-int8 --json docs/results/art_untouched.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mangaclean.backends import load_models
from mangaclean.eval.reports import write_json
from mangaclean.io import read_image
from mangaclean.pipeline import clean_page

DATA = Path(os.environ.get("MANGACLEAN_DATA", Path(__file__).parents[1] / ".." / "shared" / "data"))


def changed_share(path: Path, models) -> dict:
    page = read_image(path).pixels
    cleaned = clean_page(page, models).page
    differs = cleaned != page
    changed = int((differs.any(axis=2) if differs.ndim == 3 else differs).sum())
    pixels = page.shape[0] * page.shape[1]
    return {"page": path.name, "pixels": pixels, "changed": changed, "changed_share": changed / pixels}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="text-free pages (default: pepper-carrot)")
    parser.add_argument("--segmenter", default="auto,net-int8", help="comma list (default auto,net-int8)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    pages = args.pages or sorted((DATA / "pages" / "pepper-carrot").glob("*.*"))
    if not pages:
        print(f"no pages: {DATA / 'pages' / 'pepper-carrot'} is empty or absent", file=sys.stderr)
        return 1
    rows = []
    for name in args.segmenter.split(","):
        models = load_models(name, "auto")
        for path in pages:
            row = {"segmenter": name, "backend": models.segmenter.name} | changed_share(path, models)
            rows.append(row)
            share = 100 * row["changed_share"]
            print(f"{name:10s} {path.name}: {row['changed']} of {row['pixels']} px ({share:.3f}%)")
    if args.json:
        write_json(args.json, {"art_untouched": rows}, "python scripts/art_untouched.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
