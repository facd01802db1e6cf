"""``eval inpaint``: inpainters scored on holes cut into real pages (see ``holes.py``).

Each inpainter fills each hole the way the product does (``remove.inpaint_mask``: block crops with
context). Scores per hole: PSNR and mean SSIM over the hole pixels, mean SSIM over a ``BAND`` px
band around the hole (seams), and the wall time of the fill. SSIM is on luma, PSNR on all channels;
the tables pool PSNR over the holes (total squared error), so one perfect fill cannot dominate."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from mangaclean.backends import Inpainter
from mangaclean.errors import BackendUnavailableError
from mangaclean.eval import overlays
from mangaclean.eval.holes import KINDS, Case
from mangaclean.eval.metrics import grow, mean_ssim, psnr
from mangaclean.io import Page, as_gray, read_image, write_image
from mangaclean.remove import inpaint_mask

log = logging.getLogger(__name__)

BAND = 4
SSIM_CONTEXT = 12  # px of context around the hole's box when computing SSIM (window is 11 px)
OVERLAY_CONTEXT = 24
OVERLAY_CASES = 12
PSNR_CAP = 100.0  # dB, for a perfect fill


class FSRInpainter:
    """OpenCV-contrib's frequency-selective reconstruction (``cv2.xphoto``, fast mode).

    inpaint: image ``(H, W)`` / ``(H, W, 3)`` uint8, hole ``(H, W)`` bool -> same shape uint8.
    """

    name = "fsr"

    def __init__(self):
        if not hasattr(cv2, "xphoto"):
            raise BackendUnavailableError("fsr needs opencv-contrib (cv2.xphoto), which is not installed")

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return image.copy()
        valid = np.where(hole, 0, 255).astype(np.uint8)  # xphoto: 0 = pixels to fill
        source = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        out = np.zeros_like(source)
        cv2.xphoto.inpaint(source, valid, out, cv2.xphoto.INPAINT_FSR_FAST)
        return out if image.ndim == 2 else cv2.cvtColor(out, cv2.COLOR_BGR2RGB)


class PatchMatchInpainter:
    """Exemplar synthesis: ``patchmatch-cython``'s PatchMatch pyramid (a peer, not installed by
    mangaclean; fixed seed).

    inpaint: image ``(H, W)`` / ``(H, W, 3)`` uint8, hole ``(H, W)`` bool -> same shape uint8.
    """

    name = "patchmatch"

    def __init__(self):
        try:
            from patchmatch_cython import inpaint_pyramid
        except ImportError as exc:
            raise BackendUnavailableError("patchmatch needs: pip install patchmatch-cython") from exc
        self._inpaint = inpaint_pyramid

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return image.copy()
        colour = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
        out = np.asarray(self._inpaint(colour, hole, seed=0), dtype=np.uint8)
        out = out if image.ndim == 3 else out[..., 0]
        return np.where(hole if image.ndim == 2 else hole[..., None], out, image)


PEERS = {"fsr": FSRInpainter, "patchmatch": PatchMatchInpainter}


def load_inpainters(names: list[str]) -> tuple[list[tuple[str, Inpainter]], list[str]]:
    """``(label, inpainter)`` per available name (the product's, or a peer of ``PEERS``), and a
    note per skipped one."""
    from mangaclean.backends import load_inpainter

    loaded, notes = [], []
    for name in names:
        try:
            inpainter = PEERS[name]() if name in PEERS else load_inpainter(name)
        except BackendUnavailableError as exc:
            notes.append(f"{name}: skipped ({exc})")
            continue
        label = f"auto ({inpainter.name})" if name == "auto" else name
        loaded.append((label, inpainter))
    return loaded, notes


@dataclass(frozen=True)
class HoleScore:
    """One filled hole: squared error summed over its values (``values`` = pixels x channels),
    its PSNR, mean SSIM inside and in the band around it, and the fill's wall time."""

    sse: float
    values: int
    psnr: float
    ssim: float
    band_ssim: float
    seconds: float


@dataclass(frozen=True)
class InpaintReport:
    """Per inpainter label -> kind -> scores of each hole, in case order."""

    scores: dict[str, dict[str, list[HoleScore]]]
    cases: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self, label: str, kind: str) -> dict:
        """Means over the holes; ``psnr`` pools the squared errors of all holes (no infinite terms)."""
        rows = self.scores.get(label, {}).get(kind, [])
        if not rows:
            return {"holes": 0}
        mse = sum(r.sse for r in rows) / max(sum(r.values for r in rows), 1)
        seconds = np.array([r.seconds for r in rows])
        return {
            "holes": len(rows),
            "psnr": PSNR_CAP if mse <= 0 else min(PSNR_CAP, 10.0 * float(np.log10(255.0**2 / mse))),
            "psnr_mean_per_hole": float(np.mean([r.psnr for r in rows])),
            "ssim": float(np.mean([r.ssim for r in rows])),
            "band_ssim": float(np.mean([r.band_ssim for r in rows])),
            "ms_mean": 1000 * float(seconds.mean()),
            "ms_median": 1000 * float(np.median(seconds)),
        }

    def as_dict(self) -> dict:
        table = {label: {kind: self.summary(label, kind) for kind in KINDS} for label in self.scores}
        per_hole = {
            label: {kind: [vars(r) for r in rows] for kind, rows in kinds.items()}
            for label, kinds in self.scores.items()
        }
        return {"summary": table, "holes": self.cases, "per_hole": per_hole, "notes": self.notes}


def score_hole(result: np.ndarray, truth: np.ndarray, hole: np.ndarray, seconds: float) -> HoleScore:
    """Score one filled page ``result`` against ``truth`` (same shape, uint8) on ``hole`` ``(H, W)`` bool."""
    ys, xs = np.nonzero(hole)
    pad = BAND + SSIM_CONTEXT
    y0, x0 = max(int(ys.min()) - pad, 0), max(int(xs.min()) - pad, 0)
    window = (slice(y0, int(ys.max()) + pad + 1), slice(x0, int(xs.max()) + pad + 1))
    own = hole[window]
    band = grow(own, BAND) & ~own
    got, want = as_gray(result[window]), as_gray(truth[window])
    diff = result[hole].astype(np.float64) - truth[hole].astype(np.float64)
    return HoleScore(
        sse=float(np.sum(diff**2)),
        values=int(diff.size),
        psnr=psnr(result, truth, hole, PSNR_CAP),
        ssim=mean_ssim(got, want, own),
        band_ssim=mean_ssim(got, want, band),
        seconds=seconds,
    )


def crop_around(image: np.ndarray, case: Case, context: int = OVERLAY_CONTEXT) -> np.ndarray:
    h, w = case.hole.shape
    y0, x0 = max(case.y - context, 0), max(case.x - context, 0)
    return image[y0 : case.y + h + context, x0 : case.x + w + context]


def run_benchmark(
    cases: list[Case], inpainters: list[tuple[str, Inpainter]], overlay_dir: Path | None = None
) -> InpaintReport:
    """Fill every case with every inpainter and score it."""
    scores: dict[str, dict[str, list[HoleScore]]] = {label: {k: [] for k in KINDS} for label, _ in inpainters}
    pages: dict[Path, np.ndarray] = {}
    for index, case in enumerate(cases):
        if case.target not in pages:
            pages = {case.target: read_image(case.target).pixels}  # cases are not sorted: keep one
        truth = pages[case.target]
        hole = case.full_hole(truth.shape[:2])
        holed = truth.copy()
        holed[hole] = 255
        strip = [crop_around(truth, case), crop_around(holed, case)]
        for label, inpainter in inpainters:
            start = time.perf_counter()
            result = inpaint_mask(holed, hole, inpainter)
            seconds = time.perf_counter() - start
            scores[label][case.kind].append(score_hole(result, truth, hole, seconds))
            strip.append(crop_around(result, case))
        if overlay_dir is not None and index < OVERLAY_CASES:
            name = f"{index:03d}_{case.kind}_{case.source}_on_{case.target.stem}.png"
            write_image(overlay_dir / name, Page(overlays.hole_strip(strip)))
    return InpaintReport(scores, [c.describe() for c in cases])
