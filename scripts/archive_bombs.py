"""Peak memory of ``mangaclean clean`` on hostile and huge archives (issue 17's guards).

Builds each archive in a temporary folder, cleans it in a fresh process and records that
process's peak RSS, exit status and the first error line. Run:
``python scripts/archive_bombs.py --json docs/results/archive_bombs.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from mangaclean.eval.reports import write_json

MB = 1 << 20


def zeros_bomb(path: Path) -> str:
    """One member that deflates 1.1 GB of zeros into about 1 MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("p001.png", "w", force_zip64=True) as member:
            for _ in range(1100):
                member.write(bytes(MB))
    return "1 member: 1.1 GB of zeros deflated"


def overlapping(path: Path) -> str:
    """20 directory entries pointing at one stored 300 MB member."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        with archive.open("p000.png", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(bytes(MB))
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    entry = bytes(data[central:end])
    copies = [entry.replace(b"p000.png", f"p{i:03d}.png".encode()) for i in range(20)]
    tail = bytearray(data[end:])
    tail[8:12] = struct.pack("<HH", 20, 20)
    tail[12:16] = struct.pack("<I", len(entry) * 20)
    path.write_bytes(bytes(data[:central]) + b"".join(copies) + bytes(tail))
    return "20 directory entries on one stored 300 MB member"


def many_ratio_members(path: Path) -> str:
    """40 members of 31 MB of zeros each, just under the bomb guard's size (streamed one by one)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(40):
            with archive.open(f"x{i:03d}.dat", "w") as member:
                for _ in range(31):
                    member.write(bytes(MB))
    return "40 non-page members of 31 MB of zeros (1.2 GB inflated, copied through)"


def largest_page(path: Path) -> str:
    """A genuine 90-megapixel grey page (the largest under the default 100 MP guard), stored."""
    rng = np.random.default_rng(0)
    page = np.full((10600, 8500), 235, np.uint8)
    for _ in range(400):
        y, x = int(rng.integers(0, 10400)), int(rng.integers(0, 8300))
        page[y : y + 120, x : x + 14] = 20
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, "PNG", compress_level=1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("p001.png", buffer.getvalue())
        archive.writestr("ComicInfo.xml", "<ComicInfo/>")
    return "one 8500x10600 grey page (90 MP)"


def largest_colour_page(path: Path) -> str:
    """A genuine 99-megapixel colour page, stored: the most the default guard lets through."""
    page = np.full((11500, 8600, 3), (240, 236, 228), np.uint8)
    page[2000:2400, 3000:3060] = (200, 20, 40)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, "PNG", compress_level=1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("p001.png", buffer.getvalue())
    return "one 8600x11500 colour page (99 MP)"


def many_pages(path: Path) -> str:
    """60 ordinary 1654x2339 colour pages: memory must not grow with the archive."""
    rng = np.random.default_rng(1)
    base = np.full((2339, 1654, 3), 240, np.uint8)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(60):
            page = base.copy()
            page[rng.integers(0, 2000) :][:200, 100:300] = 30
            buffer = io.BytesIO()
            Image.fromarray(page).save(buffer, "JPEG", quality=90)
            archive.writestr(f"p{i:03d}.jpg", buffer.getvalue())
    return "60 colour pages of 1654x2339"


CASES = {
    "zeros_bomb": zeros_bomb,
    "overlapping_entries": overlapping,
    "ratio_edge_members": many_ratio_members,
    "largest_allowed_page": largest_page,
    "largest_colour_page": largest_colour_page,
    "many_pages": many_pages,
}


def measure(archive: Path, out: Path, segmenter: str) -> dict:
    """Clean ``archive`` in a child process; its peak RSS from the kernel's accounting."""
    command = [sys.executable, "-m", "mangaclean.cli", "clean", str(archive), "-o", str(out), "-q"]
    command += ["--segmenter", segmenter]
    wrapper = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode);"
        "print(r.stderr, file=sys.stderr)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True)
    peak_kb, code = done.stdout.split()
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    return {
        "exit": int(code),
        "peak_rss_mb": round(int(peak_kb) / 1024, 1),
        "seconds": round(time.perf_counter() - start, 1),
        "first_error": errors[0][:300] if errors else None,
        "output_written": (out / archive.name).exists(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--segmenter", default="auto")
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="mangaclean-bombs-") as folder:
        for name in args.cases.split(","):
            archive = Path(folder) / f"{name}.cbz"
            what = CASES[name](archive)
            size = archive.stat().st_size
            results[name] = {"what": what, "archive_mb": round(size / MB, 1)}
            results[name].update(measure(archive, Path(folder) / "out", args.segmenter))
            archive.unlink()
            print(name, json.dumps(results[name]), flush=True)
    if args.json:
        command = f"python scripts/archive_bombs.py --segmenter {args.segmenter} --cases {args.cases}"
        write_json(args.json, {"peak_rss_limit_mb": 1536, "cases": results}, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
