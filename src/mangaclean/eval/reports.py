"""Tables and JSON files for the evaluation commands (the commands print what these return)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

from mangaclean.io import write_bytes_atomic

MASK_HEADER = (
    "segmenter",
    "pages",
    "P",
    "P excl. possible SFX",
    "R",
    "F1",
    "IoU",
    "tolerant F1",
    "page F1 median",
    "possible SFX px",
    "pages/s",
)
BOX_HEADER = (
    "segmenter",
    "pages",
    "boxes",
    "box recall",
    "mean glyph coverage",
    "mask in boxes (+8 px)",
    "boxes in pieces",
    "pages/s",
)
INPAINT_HEADER = (
    "inpainter",
    "background",
    "holes",
    "PSNR hole (dB, pooled)",
    "SSIM hole",
    "SSIM band 4 px",
    "ms/hole mean",
    "ms/hole median",
)

BALLOON_HEADER = (
    "segmenter",
    "pages",
    "flat blocks",
    "filled px MAD from ring colour",
    "ring MAD (mean)",
    "ring MAD (p95)",
    "blocks with ghost px in ring",
    "their share",
    "true blocks left in pieces",
)


def machine() -> str:
    """CPU model name and core count, for the record."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def markdown(title: str, header: tuple[str, ...], rows: list[list[str]], notes: list[str]) -> str:
    """A titled Markdown table, then one line per note."""
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines)


def write_json(path: Path, payload: dict, command: str) -> None:
    """``payload`` with the record of how it was made: the command (all settings, defaults included),
    the invocation as typed, machine, versions and UTC date. Every ``--json`` of eval and bench."""
    from importlib import metadata

    def version(*dists: str) -> str | None:
        for dist in dists:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
        return None

    names = {"numpy": ("numpy",), "onnxruntime": ("onnxruntime",), "Pillow": ("Pillow",), "torch": ("torch",)}
    names["opencv"] = ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless")
    names["mangaclean"] = ("mangaclean",)
    versions = {"python": platform.python_version()}
    versions.update({key: v for key, dists in names.items() if (v := version(*dists)) is not None})
    if "mangaclean" not in versions:  # run from a source tree (PYTHONPATH=src), e.g. the FSR venv
        from mangaclean import __version__

        versions["mangaclean"] = __version__
    orig = getattr(sys, "orig_argv", [])  # as typed: the console script, python -m, or a script
    if "-m" in orig[:3]:
        typed = ["python", *orig[orig.index("-m") :]]
    elif sys.argv[0].endswith(".py"):
        typed = ["python", *sys.argv]
    else:
        typed = [Path(sys.argv[0]).name, *sys.argv[1:]]
    record = {
        "command": command,
        "invocation": shlex.join(typed),
        "machine": machine(),
        "versions": versions,
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
    }
    package = Path(__file__).parents[1]
    try:  # the checkout measured; "+modified" when the package had uncommitted changes
        git = ["git", "-C", str(package)]
        head = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
        changed = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True)
        if head.returncode == 0:
            record["commit"] = head.stdout.strip() + ("+modified" if changed.stdout.strip() else "")
    except OSError:
        pass
    record.update({key: value for key, value in payload.items() if key not in record})
    write_bytes_atomic(path, (json.dumps(record, indent=2, default=float) + "\n").encode())


def _f(value: float, digits: int = 3) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"  # NaN check


def mask_rows(results) -> tuple[tuple[str, ...], list[list[str]]]:
    rows = []
    for r in results:
        c = r.counts
        rows.append(
            [
                r.name,
                str(r.pages),
                _f(c.precision),
                _f(c.precision_without_sfx),
                _f(c.recall),
                _f(c.f1),
                _f(c.iou),
                _f(c.tolerant_f1),
                _f(r.median_page_f1),
                f"{100 * r.sfx_share:.1f}%",
                _f(r.pages_per_second, 2),
            ]
        )
    return MASK_HEADER, rows


def box_rows(results) -> tuple[tuple[str, ...], list[list[str]]]:
    rows = []
    for r in results:
        d = r.as_dict()
        rows.append(
            [
                r.name,
                str(r.pages),
                str(r.boxes),
                _f(r.recall),
                _f(d["mean_coverage"]),
                _f(r.inside_share),
                _f(r.pieces_share),
                _f(d["pages_per_second"], 2),
            ]
        )
    return BOX_HEADER, rows


def inpaint_rows(report, labels: list[str]) -> tuple[tuple[str, ...], list[list[str]]]:
    rows = []
    for kind in ("textured", "plain"):
        for label in labels:
            s = report.summary(label, kind)
            if not s["holes"]:
                continue
            rows.append(
                [
                    label,
                    kind,
                    str(s["holes"]),
                    _f(s["psnr"], 2),
                    _f(s["ssim"]),
                    _f(s["band_ssim"]),
                    _f(s["ms_mean"], 1),
                    _f(s["ms_median"], 1),
                ]
            )
    return INPAINT_HEADER, rows


def balloon_rows(summary: dict) -> tuple[tuple[str, ...], list[list[str]]]:
    row = [summary["label"], str(summary["pages"]), str(summary["flat_blocks"])]
    row += [_f(summary[k], 2) for k in ("fill_mad_mean", "ring_mad_mean", "ring_mad_p95")]
    row += [str(summary["ghost_blocks"]), _f(summary["ghost_share"])]
    pieces = summary.get("blocks_in_pieces_share")
    row += [
        f"{summary['blocks_in_pieces']} of {summary['true_blocks']} ({_f(pieces)})"
        if pieces is not None
        else "n/a"
    ]
    return BALLOON_HEADER, [row]
