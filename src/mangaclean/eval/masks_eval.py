"""``eval masks``: the tight text mask of every page scored against hand-made masks.

The prediction is exactly what ``mangaclean mask`` writes by default (``pipeline.text_mask``: glyph
pixels before the removal margin), or mask files from another tool (``--predictions``; a missing
file counts as an empty prediction). Counts are summed over pages (micro-average); the per-page F1
median is taken over the pages whose true mask is not empty (F1 is undefined on the others, whose
false positives still count in the sums).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mangaclean.errors import ImageReadError
from mangaclean.eval import overlays, sfx
from mangaclean.eval.metrics import MaskCounts, score_mask
from mangaclean.io import IMAGE_SUFFIXES, Page, read_image, read_mask, write_image

log = logging.getLogger(__name__)

# page (H, W)|(H, W, 3) uint8, its path -> predicted (H, W) bool, or None for "no prediction"
Predictor = Callable[[np.ndarray, Path], "np.ndarray | None"]


@dataclass(frozen=True)
class MaskReport:
    """One segmenter's scores over a set of pages. seconds: time spent predicting (no file I/O)."""

    name: str
    counts: MaskCounts
    page_f1: tuple[float, ...]
    pages: int
    empty_truth_pages: int
    seconds: float
    failures: tuple[str, ...] = field(default_factory=tuple)
    page_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def median_page_f1(self) -> float:
        return float(np.median(self.page_f1)) if self.page_f1 else float("nan")

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else float("nan")

    @property
    def sfx_share(self) -> float:
        """Share of the predicted pixels flagged as possible sound effects."""
        return self.counts.sfx / self.counts.predicted if self.counts.predicted else 0.0

    def as_dict(self) -> dict:
        c = self.counts
        return {
            "segmenter": self.name,
            "pages": self.pages,
            "empty_truth_pages": self.empty_truth_pages,
            "precision": c.precision,
            "precision_without_possible_sfx": c.precision_without_sfx,
            "recall": c.recall,
            "f1": c.f1,
            "iou": c.iou,
            "tolerant_precision": c.tolerant_precision,
            "tolerant_recall": c.tolerant_recall,
            "tolerant_f1": c.tolerant_f1,
            "median_page_f1": self.median_page_f1,
            "possible_sfx_share": self.sfx_share,
            "pages_per_second": self.pages_per_second,
            "seconds": self.seconds,
            "counts": vars(c),
            "failures": list(self.failures),
            "page_f1": dict(zip(self.page_names, self.page_f1, strict=True)),
        }


def evaluate_masks(
    pairs: list[tuple[Path, Path | None]],
    predict: Predictor,
    name: str,
    overlay_dir: Path | None = None,
) -> MaskReport:
    """Score ``predict`` on every ``(image, true mask)`` pair; pages without a true mask are skipped."""
    total, page_f1, names, failures = MaskCounts(), [], [], []
    pages = empty = 0
    seconds = 0.0
    for image_path, mask_path in pairs:
        if mask_path is None:
            log.warning("%s: no true mask with this name: skipped", image_path.name)
            continue
        try:
            page = read_image(image_path).pixels
            truth = read_mask(mask_path, page.shape[:2])
            start = time.perf_counter()
            predicted = predict(page, image_path)
            seconds += time.perf_counter() - start
        except ImageReadError as exc:
            log.warning("%s", exc)
            failures.append(str(exc))
            continue
        flagged = sfx.possible_sfx(predicted, truth) if predicted is not None else None
        counts = score_mask(predicted, truth, flagged)
        total, pages = total + counts, pages + 1
        if truth.any():
            page_f1.append(counts.f1)
            names.append(image_path.stem)
        else:
            empty += 1
        if overlay_dir is not None:
            shown = np.zeros_like(truth) if predicted is None else predicted
            picture = overlays.mask_overlay(page, shown, truth, flagged)
            write_image(overlay_dir / f"{image_path.stem}.png", Page(picture))
    return MaskReport(name, total, tuple(page_f1), pages, empty, seconds, tuple(failures), tuple(names))


def folder_predictor(folder: Path) -> Predictor:
    """Predictions read from ``folder/<stem>.png`` (any image suffix); a missing file -> None."""

    def predict(page: np.ndarray, image_path: Path) -> np.ndarray | None:
        for suffix in IMAGE_SUFFIXES:
            candidate = folder / f"{image_path.stem}{suffix}"
            if candidate.is_file():
                return read_mask(candidate, page.shape[:2])
        return None

    return predict


def segmenter_predictor(segmenter, threshold: float = 0.5) -> Predictor:
    """The product's tight text mask (``pipeline.text_mask``) with the given segmenter."""
    from mangaclean.backends.opencv import WhiteInpainter
    from mangaclean.pipeline import CleanOptions, Models, text_mask

    models = Models(segmenter, WhiteInpainter())
    options = CleanOptions(threshold=threshold)

    def predict(page: np.ndarray, image_path: Path) -> np.ndarray:
        return text_mask(page, models, options)

    return predict
