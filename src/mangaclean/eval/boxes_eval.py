"""``eval boxes``: text masks scored against OpenMantra-format text boxes.

Box recall: a box is found when the predicted tight mask covers at least ``FOUND_SHARE`` of the
box's glyph pixels. A box's glyph pixels are the Otsu minority side inside the box (dark text on
light, or light on dark), minus the components that touch the box's edge (usually art or a balloon
outline cut by the box); if that leaves nothing, all the minority pixels. Loose precision: the share
of predicted pixels inside any box grown by ``BOX_MARGIN`` px (sound effects are not boxed, so this
is a lower bound on real precision). Boxes left in pieces: boxes whose glyph pixels the removal
mask (what ``clean`` erases: the tight mask grown by ``regions.find_regions``) covers more than
``PIECES[0]`` but less than ``PIECES[1]``: a word partly erased, worse for a translator than one
left whole.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from mangaclean import regions
from mangaclean.errors import ImageReadError, UsageError
from mangaclean.eval import overlays
from mangaclean.eval.metrics import grow, ratio
from mangaclean.io import Page, as_gray, read_image, write_image

log = logging.getLogger(__name__)

FOUND_SHARE = 0.5
BOX_MARGIN = 8
PIECES = (0.1, 0.9)


@dataclass(frozen=True)
class BoxPage:
    """One annotated page: its image path and text boxes ``(x, y, w, h)``."""

    image: Path
    boxes: tuple[tuple[int, int, int, int], ...]
    title: str = ""


@dataclass(frozen=True)
class BoxReport:
    """One segmenter's scores. seconds: time spent predicting (no file I/O)."""

    name: str
    boxes: int
    found: int
    coverage_sum: float
    inside: int
    predicted: int
    pages: int
    in_pieces: int
    seconds: float
    by_title: dict = field(default_factory=dict)
    failures: tuple[str, ...] = ()

    @property
    def recall(self) -> float:
        return ratio(self.found, self.boxes)

    @property
    def pieces_share(self) -> float:
        return ratio(self.in_pieces, self.boxes)

    @property
    def inside_share(self) -> float:
        return ratio(self.inside, self.predicted)

    def as_dict(self) -> dict:
        return {
            "segmenter": self.name,
            "pages": self.pages,
            "boxes": self.boxes,
            "found": self.found,
            "box_recall": self.recall,
            "mean_coverage": ratio(self.coverage_sum, self.boxes),
            "mask_inside_boxes": self.inside_share,
            "boxes_in_pieces": self.in_pieces,
            "boxes_in_pieces_share": self.pieces_share,
            "pages_per_second": ratio(self.pages, self.seconds),
            "seconds": self.seconds,
            "box_recall_by_title": self.by_title,
            "failures": list(self.failures),
        }


def load_annotations(path: Path, images_root: Path, limit: int | None = None) -> list[BoxPage]:
    """Pages of an OpenMantra ``annotation.json`` (books -> pages -> ``text`` boxes), first ``limit``."""
    try:
        books = json.loads(path.read_text(encoding="utf-8"))
        pages = [
            BoxPage(
                image=images_root / page["image_paths"]["ja"],
                boxes=tuple((int(t["x"]), int(t["y"]), int(t["w"]), int(t["h"])) for t in page["text"]),
                title=str(book.get("book_title", "")),
            )
            for book in books
            for page in book["pages"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not an OpenMantra annotation file ({exc})") from exc
    return pages[:limit] if limit is not None else pages


def box_glyphs(gray: np.ndarray) -> np.ndarray:
    """Glyph pixels of one box crop ``(h, w)`` uint8 -> ``(h, w)`` bool (see the module notes)."""
    if gray.size < 4 or int(gray.max()) == int(gray.min()):
        return np.zeros(gray.shape, dtype=bool)
    level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = gray <= level
    ink = dark if dark.mean() <= 0.5 else ~dark
    count, labels = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inner = ink & ~np.isin(labels, edge[edge > 0])
    return inner if inner.any() else ink


def _clip(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[slice, slice] | None:
    x, y, w, h = box
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, shape[1]), min(y + h, shape[0])
    return (slice(y0, y1), slice(x0, x1)) if x1 > x0 and y1 > y0 else None


def score_boxes(
    predicted: np.ndarray, gray: np.ndarray, boxes, removal: np.ndarray | None = None
) -> tuple[list[float], np.ndarray, int, int]:
    """Coverage of each box's glyphs, the page's glyph mask ``(H, W)`` bool, the number of
    predicted pixels inside the grown boxes and the number of boxes the removal mask leaves in
    pieces (0 without one). predicted, removal: ``(H, W)`` bool; gray: ``(H, W)`` uint8."""
    glyphs = np.zeros_like(predicted)
    region = np.zeros_like(predicted)
    coverage, pieces = [], 0
    for box in boxes:
        window = _clip(box, gray.shape)
        if window is None:
            coverage.append(0.0)
            continue
        own = box_glyphs(gray[window])
        glyphs[window] |= own
        region[window] = True
        coverage.append(ratio(np.count_nonzero(own & predicted[window]), np.count_nonzero(own)))
        if removal is not None and own.any():
            erased = ratio(np.count_nonzero(own & removal[window]), np.count_nonzero(own))
            pieces += PIECES[0] < erased < PIECES[1]
    inside = int(np.count_nonzero(predicted & grow(region, BOX_MARGIN)))
    return coverage, glyphs, inside, pieces


def evaluate_boxes(
    pages: list[BoxPage],
    predict: Callable[[np.ndarray, Path], np.ndarray],
    name: str,
    overlay_dir: Path | None = None,
) -> BoxReport:
    """Score ``predict`` (page, path -> ``(H, W)`` bool) on every annotated page."""
    totals = {
        "boxes": 0,
        "found": 0,
        "coverage_sum": 0.0,
        "inside": 0,
        "predicted": 0,
        "pages": 0,
        "in_pieces": 0,
    }
    titles: dict[str, list[int]] = {}
    failures, seconds = [], 0.0
    for item in pages:
        try:
            page = read_image(item.image).pixels
            start = time.perf_counter()
            predicted = predict(page, item.image)
            seconds += time.perf_counter() - start
        except ImageReadError as exc:
            log.warning("%s", exc)
            failures.append(str(exc))
            continue
        gray = as_gray(page)
        removal = regions.find_regions(page, gray, predicted, 0)[1]
        coverage, glyphs, inside, pieces = score_boxes(predicted, gray, item.boxes, removal)
        found = [c >= FOUND_SHARE for c in coverage]
        totals["boxes"] += len(coverage)
        totals["found"] += sum(found)
        totals["coverage_sum"] += float(sum(coverage))
        totals["inside"] += inside
        totals["predicted"] += int(np.count_nonzero(predicted))
        totals["pages"] += 1
        totals["in_pieces"] += pieces
        tally = titles.setdefault(item.title, [0, 0])
        tally[0], tally[1] = tally[0] + sum(found), tally[1] + len(found)
        if overlay_dir is not None:
            picture = overlays.boxes_overlay(page, predicted, glyphs, list(item.boxes), found)
            write_image(overlay_dir / item.title / f"{item.image.stem}.png", Page(picture))
    by_title = {title: ratio(hit, count) for title, (hit, count) in titles.items()}
    return BoxReport(name=name, seconds=seconds, by_title=by_title, failures=tuple(failures), **totals)
