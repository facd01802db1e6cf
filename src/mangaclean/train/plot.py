"""A loss / validation-metric plot of a run (PNG, drawn with OpenCV: no plotting dependency)."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, MARGIN = 900, 360, 50


def _column(path: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        return np.empty(0), np.empty(0)
    with path.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r.get(name) not in (None, "")]
    return np.array([float(r["step"]) for r in rows]), np.array([float(r[name]) for r in rows])


def _panel(title: str, series: list[tuple[np.ndarray, np.ndarray, tuple[int, int, int]]]) -> np.ndarray:
    canvas = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    cv2.putText(canvas, title, (MARGIN, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 1, cv2.LINE_AA)
    points = [(x, y) for x, y, _ in series if x.size]
    if not points:
        return canvas
    xs, ys = np.concatenate([p[0] for p in points]), np.concatenate([p[1] for p in points])
    x0, x1, y0, y1 = xs.min(), max(xs.max(), xs.min() + 1), ys.min(), max(ys.max(), ys.min() + 1e-6)
    cv2.rectangle(canvas, (MARGIN, MARGIN), (WIDTH - MARGIN, HEIGHT - MARGIN), (180, 180, 180), 1)
    for text, y in ((f"{y1:.4g}", MARGIN + 10), (f"{y0:.4g}", HEIGHT - MARGIN)):
        cv2.putText(canvas, text, (2, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (60, 60, 60), 1, cv2.LINE_AA)
    cv2.putText(
        canvas,
        f"step {x1:.0f}",
        (WIDTH - MARGIN - 80, HEIGHT - 15),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.4,
        (60, 60, 60),
        1,
        cv2.LINE_AA,
    )
    for x, y, colour in series:
        if x.size < 2:
            continue
        px = MARGIN + (x - x0) / (x1 - x0) * (WIDTH - 2 * MARGIN)
        py = HEIGHT - MARGIN - (y - y0) / (y1 - y0) * (HEIGHT - 2 * MARGIN)
        cv2.polylines(canvas, [np.stack([px, py], 1).astype(np.int32)], False, colour, 1, cv2.LINE_AA)
    return canvas


def plot_run(out: Path) -> Path:
    """Write ``out/plot.png`` from ``log.csv`` (training loss) and ``val.csv`` (validation)."""
    loss = _panel("training loss", [(*_column(out / "log.csv", "loss"), (200, 60, 30))])
    colours = {"f1": (30, 140, 30), "ap": (30, 30, 200), "psnr": (30, 140, 30)}
    metrics = [(*_column(out / "val.csv", f"val_{name}"), colour) for name, colour in colours.items()]
    validation = _panel("validation: f1 (green) ap (blue) / psnr", metrics)
    path = out / "plot.png"
    cv2.imwrite(str(path), np.vstack([loss, validation])[..., ::-1])
    return path
