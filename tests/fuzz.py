"""A seeded fuzz harness for the whole read -> clean -> write path of ``mangaclean clean``.

The corpus: small pages made here in every accepted format and mode (plus multi-frame files,
.cbz archives and a few foreign formats under image names), each mutated by a seeded rng (bit
flips, truncation, header fields set to extremes, chunks repeated or zeroed, size fields
inflated). A batch of cases runs as one real ``mangaclean clean`` process with a time limit and
is judged: no crash (exit 0 or 1, no traceback, no "internal error"), no hang, every input
accounted for (done + failed = cases), every output re-opens, every message names its file.

``tests/test_fuzz.py`` runs a small batch in the suite; for long runs:
``python tests/fuzz.py --minutes 10 --seed 1 --json docs/results/fuzz.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

EXTREMES = (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x01\x00\x00")
SUMMARY = re.compile(r"(\d+) done, (\d+) skipped, (\d+) failed")


def seed_files(rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """Valid small files: ``(name, bytes)``."""
    gray = rng.integers(0, 256, (48, 40), dtype=np.uint8)
    gray[10:30, 10:14] = 10
    rgb = np.dstack([gray, gray[::-1], 255 - gray])
    images = {
        "L": Image.fromarray(gray),
        "RGB": Image.fromarray(rgb),
        "RGBA": Image.fromarray(np.dstack([rgb, gray])),
        "P": Image.fromarray(rgb).convert("P"),
        "1": Image.fromarray(gray).convert("1"),
        "I;16": Image.fromarray(gray.astype(np.uint16) * 257),
        "CMYK": Image.fromarray(rgb).convert("CMYK"),
        "LA": Image.fromarray(gray).convert("LA"),
    }
    saves = [
        ("png", "PNG", ("L", "RGB", "RGBA", "P", "1", "I;16", "LA"), {}),
        ("jpg", "JPEG", ("L", "RGB", "CMYK"), {"quality": 90}),
        ("webp", "WEBP", ("RGB", "RGBA"), {"quality": 90}),
        ("tif", "TIFF", ("L", "RGB", "RGBA", "P", "1", "I;16", "CMYK"), {"compression": "tiff_lzw"}),
        ("bmp", "BMP", ("L", "RGB", "P", "1"), {}),
        ("gif", "GIF", ("L", "P"), {}),
    ]
    files = []
    for suffix, fmt, modes, options in saves:
        for mode in modes:
            buffer = io.BytesIO()
            images[mode].save(buffer, fmt, **options)
            files.append((f"{fmt.lower()}_{mode.replace(';', '')}.{suffix}", buffer.getvalue()))
    frames = io.BytesIO()
    images["L"].save(frames, "TIFF", save_all=True, append_images=[images["L"]])
    files.append(("frames.tif", frames.getvalue()))
    foreign = io.BytesIO()
    images["L"].save(foreign, "PCX")
    files.append(("pcx.png", foreign.getvalue()))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ComicInfo.xml", "<ComicInfo><Title>t</Title></ComicInfo>")
        for name, data in files[:3]:
            z.writestr(f"pages/{name}", data)
    files.append(("book.cbz", archive.getvalue()))
    return files


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One to three seeded mutations of ``data``."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        if not out:  # truncated to nothing: an empty file is a case of its own
            break
        kind = int(rng.integers(7))
        at = int(rng.integers(0, max(len(out), 1)))
        if kind == 0:  # bit flips
            for _ in range(int(rng.integers(1, 9))):
                i = int(rng.integers(0, len(out)))
                out[i] ^= 1 << int(rng.integers(8))
        elif kind == 1:  # truncation
            out = out[: int(rng.integers(0, len(out) + 1))]
        elif kind == 2:  # a header field set to an extreme
            at = int(rng.integers(0, min(len(out), 96) or 1))
            out[at : at + 4] = [
                b"\x00\x00\x00\x00",
                b"\xff\xff\xff\xff",
                b"\x7f\xff\xff\xff",
                b"\x00\x01\x00\x00",
            ][int(rng.integers(4))]
        elif kind == 3:  # a chunk repeated
            size = int(rng.integers(1, 256))
            out[at:at] = out[at : at + size] * int(rng.integers(2, 20))
        elif kind == 4:  # a region zeroed
            out[at : at + int(rng.integers(1, 512))] = bytes(min(511, len(out) - at))
        elif kind == 5:  # random bytes inserted
            out[at:at] = rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        elif len(out) > 24:  # a size field inflated (PNG IHDR / BMP / GIF / TIFF widths sit early)
            at = int(rng.integers(4, 24))
            out[at : at + 2] = b"\xff\x7f"
    return bytes(out)


def corpus(seed: int, count: int) -> list[tuple[str, bytes]]:
    """``count`` cases: the seed files themselves first, then mutations of them."""
    rng = np.random.default_rng(seed)
    seeds = seed_files(rng)
    cases = list(seeds[: min(count, len(seeds))])
    while len(cases) < count:
        name, data = seeds[int(rng.integers(len(seeds)))]
        cases.append((f"m{len(cases):05d}_{name}", mutate(data, rng)))
    return cases


def run_batch(cases: list[tuple[str, bytes]], folder: Path, timeout: float = 120) -> dict:
    """Clean ``cases`` in one ``mangaclean clean`` process and judge the result."""
    src, out = folder / "in", folder / "out"
    src.mkdir(parents=True)
    for name, data in cases:
        (src / name).write_bytes(data)
    command = [sys.executable, "-m", "mangaclean.cli", "clean", str(src), "-o", str(out)]
    command += ["--segmenter", "classical", "--inpainter", "telea", "-q"]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {
            "cases": len(cases),
            "hangs": 1,
            "crashes": 0,
            "unreadable": 0,
            "lost": 0,
            "problems": ["hang"],
        }
    problems = []
    if done.returncode not in (0, 1) or "Traceback" in done.stderr or "internal error" in done.stderr:
        problems.append(f"crash (exit {done.returncode}): {done.stderr[-2000:]}")
    stray = [
        line
        for line in done.stderr.splitlines()
        if not (
            line.startswith(("error: ", "note: ", "failed:", "  "))
            or str(src) in line
            or SUMMARY.search(line)
        )
    ]
    problems += [f"a message that names no file: {line}" for line in stray[:5]]
    summary = SUMMARY.search(done.stderr) if done.returncode == 1 else None
    counted = int(summary.group(1)) + int(summary.group(3)) if summary else None
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    if done.returncode == 0:
        counted = len(written)
    lost = 0 if counted is not None and counted >= len(cases) else len(cases) - (counted or 0)
    if lost:
        problems.append(f"{lost} inputs not accounted for: {done.stderr[-2000:]}")
    unreadable = [str(p) for p in written if not _reads_back(p)]
    problems += [f"unreadable output {p}" for p in unreadable]
    return {
        "cases": len(cases),
        "crashes": int(any(p.startswith("crash") for p in problems)),
        "unnamed_messages": len(stray),
        "hangs": 0,
        "unreadable": len(unreadable),
        "lost": lost,
        "seconds": round(time.perf_counter() - start, 2),
        "problems": problems,
    }


def _reads_back(path: Path) -> bool:
    from mangaclean.batch.archives import is_archive
    from mangaclean.io import read_image

    try:
        if is_archive(path):
            with zipfile.ZipFile(path) as archive:
                return archive.testzip() is None
        read_image(path)
        return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=200, help="cases per mangaclean process")
    parser.add_argument("--json", type=Path, help="write the totals as JSON")
    args = parser.parse_args(argv)
    totals = {"cases": 0, "batches": 0, "crashes": 0, "hangs": 0, "unreadable": 0, "lost": 0}
    totals["unnamed_messages"] = 0
    problems: list[str] = []
    end = time.time() + args.minutes * 60
    while time.time() < end:
        seed = args.seed * 100_003 + totals["batches"]
        with tempfile.TemporaryDirectory(prefix="mangaclean-fuzz-") as folder:
            result = run_batch(corpus(seed, args.batch), Path(folder))
        totals["batches"] += 1
        for key in ("cases", "crashes", "hangs", "unreadable", "lost", "unnamed_messages"):
            totals[key] += result[key]
        problems += [f"seed {seed}: {p}" for p in result["problems"]]
        print(json.dumps({"batch_seed": seed, **{k: v for k, v in result.items() if k != "problems"}}))
    record = {**totals, "problems": problems[:50]}
    print(json.dumps(record, indent=2))
    if args.json:
        from mangaclean.eval.reports import write_json

        command = f"python tests/fuzz.py --minutes {args.minutes:g} --seed {args.seed} --batch {args.batch}"
        write_json(args.json, record, command)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
