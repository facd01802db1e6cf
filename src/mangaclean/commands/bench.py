"""``mangaclean bench``: time the pipeline per stage, side by side, with memory and load time.

Timings of several configurations are interleaved in one process (each repeat runs every
configuration in turn), so the noise of a shared machine hits them alike and their ratios are
fair. Peak memory is measured per configuration in a fresh child process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mangaclean.eval.memory import peak_rss_mb
from mangaclean.eval.reports import machine

STAGES = ("read", "segment", "refine", "fill", "inpaint", "write")
SIZES = {"S": (827, 1170), "M": (1807, 2570), "L": (6000, 8000)}


@dataclass(frozen=True)
class BenchConfig:
    """A configuration to time: ``label=segmenter/inpainter`` on the command line."""

    label: str
    segmenter: str
    inpainter: str


def parse_config(text: str) -> BenchConfig:
    """``[LABEL=]SEG[/INP]``; SEG may be a path (``torch:runs/x/best.safetensors``), so the
    inpainter is what follows the last ``/``."""
    label, _, spec = text.partition("=")
    if not spec:
        label, spec = "", label
    segmenter, _, inpainter = spec.rpartition("/") if "/" in spec else (spec, "", "")
    return BenchConfig(label or spec, segmenter or "auto", inpainter or "auto")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pages", nargs="*", type=Path, help="pages to time (default: the bundled samples, plus --sizes)"
    )
    parser.add_argument(
        "--sizes",
        default="S,M",
        help="bundled sample resized to these sizes: "
        + ", ".join(f"{k}={w}x{h}" for k, (w, h) in SIZES.items())
        + " (default S,M)",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        default=["auto/auto"],
        metavar="[LABEL=]SEG[/INP]",
        help="configurations timed side by side, e.g. net=auto/auto classic=classical/telea",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-config peak-RSS runs")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")


def run(args: argparse.Namespace) -> int:
    configs = [parse_config(text) for text in args.compare]
    pages = _bench_pages(args.pages, [s for s in args.sizes.split(",") if s])
    results = {
        "machine": f"{machine()}, Python {sys.version.split()[0]}",
        "date": time.strftime("%Y-%m-%d"),
        "threads": args.threads,
        "configs": {},
        "pages": [name for name, _ in pages],
        "load_average_1min": {"start": os.getloadavg()[0]},  # others' jobs on the machine: noise
    }
    timed = _time_interleaved(configs, pages, args.repeat, args.threads)
    results["load_average_1min"]["after_timing"] = os.getloadavg()[0]
    for config in configs:
        entry = timed[config.label]
        if not args.no_memory:
            entry["peak_rss_mb"] = _peak_rss_in_child(config, pages, args.threads)
            entry["cold_start_s"] = _cold_start(config, args.threads)
        results["configs"][config.label] = entry
    _print_report(results, configs)
    if args.json:
        from mangaclean.eval.reports import write_json

        words = ["mangaclean", "bench", *map(str, args.pages), "--sizes", args.sizes, "--compare"]
        words += [*args.compare, "--repeat", str(args.repeat)]
        words += ["--threads", str(args.threads)] if args.threads is not None else []
        words += ["--no-memory"] if args.no_memory else []
        write_json(args.json, results, shlex.join([*words, "--json", str(args.json)]))
    return 0


def _bench_pages(paths: list[Path], sizes: list[str]) -> list[tuple[str, bytes]]:
    """``(name, encoded PNG/JPEG bytes)`` per page, so the read stage decodes like a real run."""
    import cv2

    from mangaclean.io import encode_image, read_image

    samples = sorted((Path(__file__).parents[1] / "samples").glob("*.png"))
    chosen = paths or samples
    pages = [(p.name, p.read_bytes()) for p in chosen]
    base = read_image(samples[0]) if samples else None
    for size in sizes:
        if base is None:
            break
        w, h = SIZES[size]
        resized = cv2.resize(base.pixels, (w, h), interpolation=cv2.INTER_CUBIC)
        pages.append((f"{samples[0].stem}@{size}={w}x{h}", encode_image(base.with_pixels(resized), "PNG")))
    return pages


def _clean_once(models, name: str, data: bytes, folder: str) -> dict[str, float]:
    from mangaclean.io import decode_image, write_image
    from mangaclean.pipeline import clean_page

    start = time.perf_counter()
    page = decode_image(data, name)
    times = {"read": time.perf_counter() - start}
    result = clean_page(page.pixels, models)
    times.update(result.timings)
    page = page.with_pixels(result.page)  # the input pixels and masks are freed before encoding,
    del result  # as ``mangaclean clean`` does
    start = time.perf_counter()
    write_image(os.path.join(folder, "out.png"), page)
    times["write"] = time.perf_counter() - start
    times["total"] = sum(times[s] for s in STAGES if s in times)
    return times


def _load(config: BenchConfig, threads: int | None):
    from mangaclean.backends import load_models

    start = time.perf_counter()
    models = load_models(config.segmenter, config.inpainter, threads)
    return models, time.perf_counter() - start


def _time_interleaved(configs, pages, repeat: int, threads: int | None) -> dict:
    loaded = {c.label: _load(c, threads) for c in configs}
    samples = {c.label: {name: [] for name, _ in pages} for c in configs}
    with tempfile.TemporaryDirectory() as folder:
        for name, data in pages:
            for c in configs:  # warm-up (first-call allocations, lazy init)
                _clean_once(loaded[c.label][0], name, data, folder)
            for _ in range(repeat):
                for c in configs:
                    samples[c.label][name].append(_clean_once(loaded[c.label][0], name, data, folder))
    return {
        c.label: {
            "segmenter": c.segmenter,
            "inpainter": c.inpainter,
            "load_s": loaded[c.label][1],
            "pages": {name: _summarise(runs) for name, runs in samples[c.label].items()},
        }
        for c in configs
    }


def _summarise(runs: list[dict[str, float]]) -> dict:
    out = {}
    for stage in (*STAGES, "total"):
        values = [r.get(stage, 0.0) for r in runs]
        out[stage] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


def _child(config, pages, threads, queue) -> None:
    models, _ = _load(config, threads)
    with tempfile.TemporaryDirectory() as folder:
        for name, data in pages:
            _clean_once(models, name, data, folder)
    queue.put(peak_rss_mb())  # VmHWM: ru_maxrss would carry the parent's peak over fork + exec


def _peak_rss_in_child(config: BenchConfig, pages, threads) -> float:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(config, pages, threads, queue))
    process.start()
    peak = queue.get()
    process.join()
    return float(peak)


def _cold_start(config: BenchConfig, threads: int | None) -> float:
    """Seconds to import mangaclean and load the models in a fresh interpreter (median of 3)."""
    code = (
        "import time; t = time.perf_counter(); from mangaclean.backends import load_models; "
        f"load_models({config.segmenter!r}, {config.inpainter!r}, {threads!r}); "
        "print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    ]
    return statistics.median(runs)


def _print_report(results: dict, configs: list[BenchConfig]) -> None:
    print(f"# mangaclean bench  {results['date']}  {results['machine']}")
    first = configs[0].label
    for name in results["pages"]:
        print(f"\n## {name}  (median ms over runs; spread = min-max of total)")
        print("| config | " + " | ".join(STAGES) + " | total | spread | pages/s | vs " + first + " |")
        print("|---" * (len(STAGES) + 5) + "|")
        base = results["configs"][first]["pages"][name]["total"]["median"]
        for c in configs:
            stats = results["configs"][c.label]["pages"][name]
            cells = [f"{stats[s]['median'] * 1000:.0f}" for s in STAGES]
            total = stats["total"]
            print(
                f"| {c.label} | " + " | ".join(cells) + f" | {total['median'] * 1000:.0f} | "
                f"{total['min'] * 1000:.0f}-{total['max'] * 1000:.0f} | {1 / total['median']:.2f} | "
                f"{total['median'] / base:.2f}x |"
            )
    print("\n| config | model load s | cold start s (import + load) | peak RSS MB |\n|---|---|---|---|")
    for c in configs:
        entry = results["configs"][c.label]
        print(
            f"| {c.label} | {entry['load_s']:.2f} | {entry.get('cold_start_s', float('nan')):.2f} | "
            f"{entry.get('peak_rss_mb', float('nan')):.0f} |"
        )
