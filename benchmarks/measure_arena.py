"""ONNX Runtime's CPU memory arena on vs off for the shipped segmenter: time and memory per page size.

Each (page, setting) runs in a fresh process (RSS is per process), settings alternate over rounds.
``python benchmarks/measure_arena.py [--rounds 2] [--threads N]``; prints a markdown table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics


def _child(data: bytes, arena: bool, threads: int, repeat: int, queue) -> None:
    import time

    from mangaclean.backends import shipped_model
    from mangaclean.backends.onnx_runtime import OnnxSegmenter
    from mangaclean.eval.memory import peak_rss_mb, rss_mb
    from mangaclean.io import decode_image

    segmenter = OnnxSegmenter(shipped_model("segmenter"), threads, arena=arena)
    page = decode_image(data, "page").pixels
    before, times = rss_mb(), []
    for _ in range(repeat):
        start = time.perf_counter()
        probability = segmenter.probability(page)
        times.append(time.perf_counter() - start)
    del probability
    peak = peak_rss_mb()
    queue.put((min(times), rss_mb() - before, peak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from mangaclean.commands.bench import _bench_pages

    context = multiprocessing.get_context("spawn")
    pages = _bench_pages([], ["S", "M", "L"])[-3:]
    results: dict = {}
    for round_ in range(args.rounds):
        for name, data in pages:
            for arena in (True, False) if round_ % 2 == 0 else (False, True):
                queue = context.Queue()
                process = context.Process(target=_child, args=(data, arena, args.threads, args.repeat, queue))
                process.start()
                results.setdefault((name, arena), []).append(queue.get())
                process.join()
    print(f"threads {args.threads}, {args.rounds} rounds x best of {args.repeat}")
    print("| page | arena | segment s | RSS kept after segmenting, MB | peak RSS MB |")
    print("|---|---|---|---|---|")
    for (name, arena), runs in results.items():
        seconds, kept, peak = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"| {name} | {'on' if arena else 'off'} | {seconds:.3f} | {kept:.0f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
