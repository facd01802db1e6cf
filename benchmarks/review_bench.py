"""The review app's speed: re-clean time after an edit, and a load run against a real server.

    python benchmarks/review_bench.py --json docs/results/review.json

Re-clean: each bundled sample page (and the sample resized, ``--sizes``) is cleaned once with the
shipped models, then each kind of edit is added, the page re-cleaned (``Review.result``: what
``POST /api/pages/ID/reclean`` runs) and the edit undone, ``--repeat`` times; beside it, the whole
page cleaned again with the edited removal mask (``clean_page(removal=...)``, every block redone).
The PNGs the browser gets are timed once per page (the page, the mask overlay).
Load: ``mangaclean review`` in a subprocess on loopback (classical segmenter, Telea), 8 clients
each editing its own page and 2 sharing one for ``--seconds``: every stroke is followed by a read
of the mask overlay and every 10th by a re-clean; edits lost and errors are counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TESTS = Path(__file__).parents[1] / "tests"


def edits_for(result, shape: tuple[int, int]) -> dict[str, dict]:
    """One edit of each kind, placed on the page's text blocks: a brush stroke across the
    largest block and past it, an eraser over its middle, the block kept whole, and a brush
    stroke on the art well away from any text (a new hole to inpaint)."""
    from mangaclean.maskops import grow
    from mangaclean.review.edits import block_boxes

    pixels: dict[int, int] = {}
    for region in result.regions:
        pixels[region.block] = pixels.get(region.block, 0) + int(region.mask.sum())
    block = max(pixels, key=pixels.get)
    x0, y0, w, h = next(b["box"] for b in block_boxes(result.regions, result.mask) if b["block"] == block)
    x1, y1 = x0 + w, y0 + h
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    free = ~grow(result.mask, 60)
    ys, xs = np.nonzero(free[60:-60, 60:-60])
    ax, ay = (float(xs[len(xs) // 2]) + 60, float(ys[len(ys) // 2]) + 60) if len(xs) else (cx, cy)
    return {
        "brush across a block": {
            "kind": "stroke",
            "mode": "brush",
            "radius": 6,
            "points": [[x0 - 15, cy], [x1 + 15, cy]],
        },
        "eraser in a block": {
            "kind": "stroke",
            "mode": "eraser",
            "radius": max(4, (y1 - y0) / 6),
            "points": [[cx, cy]],
        },
        "keep a block": {"kind": "block", "block": block, "action": "keep"},
        "brush on the art": {
            "kind": "stroke",
            "mode": "brush",
            "radius": 8,
            "points": [[ax - 20, ay], [ax + 20, ay + 10]],
        },
    }


def bench_reclean(pages: list[tuple[str, bytes]], repeat: int, threads: int | None) -> list[dict]:
    from mangaclean.backends import load_models
    from mangaclean.io import decode_image
    from mangaclean.pipeline import CleanOptions, clean_page
    from mangaclean.review.chapter import PageSource
    from mangaclean.review.edits import edited_removal
    from mangaclean.review.session import Review
    from mangaclean.review.store import ReviewStore

    models = load_models("auto", "auto", threads)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, data in pages:
            path = Path(folder) / f"page{len(rows)}.png"
            path.write_bytes(data)
            source = PageSource("p", name, path, None, {"page": Path(folder) / "out.png"})
            review = Review(
                [source], ReviewStore(Path(folder) / f"{len(rows)}.sqlite"), models, CleanOptions(), 10**9
            )
            start = time.perf_counter()
            first = review.loaded("p").first
            first_clean = time.perf_counter() - start
            page = decode_image(data, name).pixels
            start = time.perf_counter()
            review.image("p", "original")
            preview = time.perf_counter() - start
            start = time.perf_counter()
            review.image("p", "mask")
            overlay = time.perf_counter() - start
            for edit_name, edit in edits_for(first, first.mask.shape).items():
                times, whole = [], []
                for _ in range(repeat):
                    review.add_edit("p", edit)
                    start = time.perf_counter()
                    review.result("p")
                    times.append(time.perf_counter() - start)
                    removal = edited_removal(first.mask, first.regions, review.store.edits("p"))
                    start = time.perf_counter()
                    clean_page(page, models, CleanOptions(), removal=removal)
                    whole.append(time.perf_counter() - start)
                    review.store.undo("p")
                    review.result("p")
                rows.append(
                    {
                        "page": name,
                        "size": f"{page.shape[1]}x{page.shape[0]}",
                        "first_clean_s": round(first_clean, 3),
                        "page_png_s": round(preview, 3),
                        "mask_overlay_png_s": round(overlay, 3),
                        "edit": edit_name,
                        "reclean_s_median": round(statistics.median(times), 4),
                        "reclean_s_max": round(max(times), 4),
                        "whole_page_with_edited_mask_s_median": round(statistics.median(whole), 4),
                    }
                )
                print(rows[-1], flush=True)
    return rows


def bench_load(seconds: float) -> dict:
    sys.path.insert(0, str(TESTS))
    from review_server import ReviewServer, run_load, write_chapter

    with tempfile.TemporaryDirectory() as folder:
        chapter = write_chapter(Path(folder) / "in", 9, height=1170, width=827)
        with ReviewServer([chapter], Path(folder) / "out") as server:
            _, pages = server.request("/api/pages")
            ids = [page["id"] for page in pages]
            for page in ids:
                server.request(f"/api/pages/{page}")
            clients = ids[:8] + [ids[8], ids[8]]
            logs = run_load(server, clients, seconds)
            lost = 0
            for page in set(clients):
                acknowledged = sorted(seq for log in logs if log.page == page for seq in log.seqs)
                _, edits = server.request(f"/api/pages/{page}/edits")
                lost += (
                    len(acknowledged) - len(edits) if acknowledged == list(range(1, len(edits) + 1)) else 1
                )
    latencies = [item for log in logs for item in log.latencies]
    return {
        "clients": len(clients),
        "pages": "8 clients on their own page, 2 on a shared one; 827x1170 generated pages",
        "seconds": seconds,
        "requests": len(latencies),
        "edits_acknowledged": sum(len(log.seqs) for log in logs),
        "edits_lost": lost,
        "errors": sum(len(log.errors) for log in logs),
        "latency_ms": {
            kind: _quantiles([t for k, t in latencies if k == kind]) for kind in ("edits", "mask", "reclean")
        },
    }


def _quantiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    pick = lambda q: round(ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000, 1)  # noqa: E731
    return {"n": len(ordered), "p50": pick(0.5), "p95": pick(0.95), "max": pick(1.0)} if ordered else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="M", help="sample resized to these bench sizes (S, M, L; '' for none)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the load run")
    parser.add_argument("--json", type=Path, help="write the numbers here (docs/results/review.json)")
    args = parser.parse_args()
    from mangaclean.commands.bench import _bench_pages
    from mangaclean.eval.reports import write_json

    pages = _bench_pages([], [s for s in args.sizes.split(",") if s])
    before = os.getloadavg()  # the machine is shared: its load says how far to trust the times
    payload = {"reclean": bench_reclean(pages, args.repeat, args.threads), "load": bench_load(args.seconds)}
    payload["load_average_1min"] = {"start": before[0], "end": os.getloadavg()[0], "cores": os.cpu_count()}
    print(payload["load"])
    if args.json:
        threads = f" --threads {args.threads}" if args.threads else ""
        command = (
            f"python benchmarks/review_bench.py --sizes {args.sizes} --repeat {args.repeat}{threads} "
            f"--seconds {args.seconds:g} --json {args.json}"
        )
        write_json(args.json, payload, command)


if __name__ == "__main__":
    main()
