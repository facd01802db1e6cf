"""Text masks from raw/clean page pairs (an original page and its hand-cleaned copy).

Per pair: check sizes, estimate a small translation between the two (phase correlation,
checked against no shift) and align or refuse, take the per-pixel absolute difference (largest
over channels), threshold it with hysteresis above the pair's own noise level (robust to JPEG
re-encoding), drop specks, optionally keep only each stroke's core (``contour``: the pixels whose
difference is at least that share of the largest in their 3x3 neighbourhood; 0.5 is the
half-maximum contour of the synthetic masks, what training wants), and grow the result with a
max-pool of ``dilate`` pixels (what a removal mask wants).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

OK_STATUSES = ("ok", "aligned", "resized", "empty")


@dataclass(frozen=True)
class PairOptions:
    """How masks are derived. Pixel values are 0-255 levels; sizes in pixels."""

    dilate: int = 5
    max_shift: int = 8
    align: bool = True
    max_share: float = 0.35
    min_threshold: float = 24.0
    min_area: int = 4
    denoise: float = 0.8
    contour: float = 0.0


@dataclass(frozen=True)
class PairResult:
    """mask: ``(H, W)`` bool (None when refused); shift: ``(dx, dy)`` of clean relative to raw;
    aligned: the clean page brought to raw's size and position (None when refused)."""

    mask: np.ndarray | None
    status: str
    text_share: float
    shift: tuple[int, int]
    threshold: float
    message: str = ""
    aligned: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES


def gray(img: np.ndarray) -> np.ndarray:
    """``(H, W)`` float32 luminance of a ``(H, W)`` or ``(H, W, 3)`` uint8 image."""
    if img.ndim == 2:
        return img.astype(np.float32)
    return img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _shift_image(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``out[y, x] = img[y - dy, x - dx]``; borders replicated."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    h, w = img.shape[:2]
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)


def _residual(a: np.ndarray, b: np.ndarray, dx: int, dy: int, margin: int) -> float:
    """Mean absolute difference of ``a`` and ``b`` moved back by ``(dx, dy)``, off the borders."""
    moved = _shift_image(b, -dx, -dy)
    h, w = a.shape
    core = (slice(margin, h - margin), slice(margin, w - margin))
    return float(np.mean(np.abs(a[core] - moved[core])))


def estimate_shift(raw: np.ndarray, clean: np.ndarray, max_shift: int) -> tuple[int, int]:
    """Integer ``(dx, dy)`` such that ``clean[y + dy, x + dx] ~ raw[y, x]``.

    raw, clean: ``(H, W)`` or ``(H, W, 3)`` uint8 of the same size. Phase correlation proposes a
    shift; it is kept only if it lowers the mean difference (text changes are few pixels).
    Returns a shift larger than ``max_shift`` as found, so the caller can refuse the pair.
    """
    a, b = gray(raw), gray(clean)
    h, w = a.shape
    window = cv2.createHanningWindow((w, h), cv2.CV_32F)
    (sx, sy), _ = cv2.phaseCorrelate(a, b, window)
    dx, dy = int(round(sx)), int(round(sy))
    if (dx, dy) == (0, 0):
        return 0, 0
    margin = min(max(abs(dx), abs(dy)) + 1, min(h, w) // 4)
    best, best_err = (0, 0), _residual(a, b, 0, 0, margin)
    for cx in (dx - 1, dx, dx + 1):
        for cy in (dy - 1, dy, dy + 1):
            err = _residual(a, b, cx, cy, margin)
            if err < best_err * 0.98:
                best, best_err = (cx, cy), err
    return best


def difference(raw: np.ndarray, clean: np.ndarray, denoise: float = 0.0) -> np.ndarray:
    """Per-pixel absolute difference, the largest over channels; ``(H, W)`` float32.

    A grey image compared with a colour one is compared in grey. ``denoise`` is the sigma of a
    light blur applied to both first (suppresses JPEG mosquito noise, keeps glyph strokes).
    """
    if raw.ndim != clean.ndim:
        raw, clean = gray(raw), gray(clean)
    a, b = raw.astype(np.float32), clean.astype(np.float32)
    if denoise > 0:
        a = cv2.GaussianBlur(a, (0, 0), denoise)
        b = cv2.GaussianBlur(b, (0, 0), denoise)
    d = np.abs(a - b)
    return d.max(axis=2) if d.ndim == 3 else d


def noise_threshold(diff: np.ndarray, floor: float) -> tuple[float, float]:
    """(low, high) hysteresis thresholds from the robust noise level of ``diff``.

    The low threshold is capped at 64 levels: a page that differs everywhere (another page,
    inverted, re-levelled) must show up as an implausible share, not as an empty mask.
    """
    sigma = 1.4826 * float(np.median(diff))
    low = float(np.clip(4.0 * sigma, floor, max(floor, 64.0)))
    return low, max(2.0 * low, 64.0)


def hysteresis(diff: np.ndarray, low: float, high: float, min_area: int) -> np.ndarray:
    """Connected regions of ``diff > low`` that reach ``high`` and have ``min_area`` pixels."""
    weak = (diff > low).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(weak, connectivity=8)
    if n <= 1:
        return np.zeros(diff.shape, bool)
    peak = np.zeros(n, np.float32)
    np.maximum.at(peak, labels.ravel(), diff.ravel())
    keep = (peak > high) & (stats[:, cv2.CC_STAT_AREA] >= min_area)
    keep[0] = False
    return keep[labels]


def stroke_core(diff: np.ndarray, share: float) -> np.ndarray:
    """``diff >= share *`` its 3x3 neighbourhood's largest value: drops the anti-aliased rim of
    strokes (the difference of a half-covered pixel is about half a covered one's). ``(H, W)`` bool."""
    return diff >= share * cv2.dilate(diff, np.ones((3, 3), np.uint8))


def dilate(mask: np.ndarray, kernel: int) -> np.ndarray:
    """Max-pool dilation with a ``kernel`` x ``kernel`` square (1 = unchanged)."""
    if kernel <= 1:
        return mask
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((kernel, kernel), np.uint8))
    return grown.astype(bool)


def _fit_size(raw: np.ndarray, clean: np.ndarray, options: PairOptions):
    """Bring ``clean`` to ``raw``'s size when that is safe; returns (clean, status, message)."""
    (h, w), (ch, cw) = raw.shape[:2], clean.shape[:2]
    if (h, w) == (ch, cw):
        return clean, "ok", ""
    if abs(h - ch) <= options.max_shift and abs(w - cw) <= options.max_shift:
        padded = cv2.copyMakeBorder(clean, 0, max(0, h - ch), 0, max(0, w - cw), cv2.BORDER_REPLICATE)
        return padded[:h, :w], "ok", f"clean page {cw}x{ch} padded/cropped to {w}x{h}"
    if abs(h / w - ch / cw) < 0.005 * h / w:
        resized = cv2.resize(clean, (w, h), interpolation=cv2.INTER_AREA)
        return resized, "resized", f"clean page {cw}x{ch} resized to {w}x{h}"
    return None, "size_mismatch", f"raw is {w}x{h} but clean is {cw}x{ch}"


def mask_from_pair(raw: np.ndarray, clean: np.ndarray, options: PairOptions | None = None) -> PairResult:
    """The text mask of one pair (see the module docstring).

    raw, clean: ``(H, W)`` or ``(H, W, 3)`` uint8 (clean may differ slightly in size).
    """
    options = options or PairOptions()
    clean, status, message = _fit_size(raw, clean, options)
    if clean is None:
        return PairResult(None, status, 0.0, (0, 0), 0.0, message)
    dx, dy = estimate_shift(raw, clean, options.max_shift)
    valid = np.ones(raw.shape[:2], bool)
    if (dx, dy) != (0, 0):
        found = f"clean is offset by ({dx}, {dy}) px"
        if not options.align or max(abs(dx), abs(dy)) > options.max_shift:
            return PairResult(None, "misaligned", 0.0, (dx, dy), 0.0, found)
        clean = _shift_image(clean, -dx, -dy)
        valid[: max(0, -dy), :] = valid[raw.shape[0] - max(0, dy) :, :] = False
        valid[:, : max(0, -dx)] = valid[:, raw.shape[1] - max(0, dx) :] = False
        status, message = "aligned", "; ".join(m for m in (message, f"{found}, aligned") if m)
    diff = difference(raw, clean, options.denoise) * valid
    low, high = noise_threshold(diff, options.min_threshold)
    mask = hysteresis(diff, low, high, options.min_area)
    if options.contour > 0:
        mask &= stroke_core(difference(raw, clean), options.contour)
    mask = dilate(mask, options.dilate) & valid
    share = float(mask.mean())
    if share > options.max_share:
        note = f"difference covers {share:.0%} of the page (limit {options.max_share:.0%})"
        return PairResult(None, "implausible", share, (dx, dy), low, note)
    if not mask.any() and status == "ok":
        status, message = "empty", "no difference found"
    return PairResult(mask, status, share, (dx, dy), low, message, clean)


# ---- folders of pairs ------------------------------------------------------------------------

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")


@dataclass(frozen=True)
class PairReport:
    """One line of the report: ``name`` is the relative path without suffix."""

    name: str
    status: str
    text_share: float = 0.0
    dx: int = 0
    dy: int = 0
    threshold: float = 0.0
    message: str = ""


def _images(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            key = path.relative_to(root).with_suffix("").as_posix()
            found.setdefault(key, path)
    return found


def find_pairs(raw_dir: str | Path, clean_dir: str | Path):
    """Match pages by relative path without suffix (then case-insensitively).

    returns: ``(pairs, raw_only, clean_only)``: ``[(name, raw_path, clean_path)]`` sorted by
    name, and the names found on one side only.
    """
    raw, clean = _images(Path(raw_dir)), _images(Path(clean_dir))
    lowered = {k.lower(): k for k in clean}
    pairs, raw_only, used = [], [], set()
    for name, path in raw.items():
        match = name if name in clean else lowered.get(name.lower())
        if match is None or match in used:
            raw_only.append(name)
            continue
        used.add(match)
        pairs.append((name, path, clean[match]))
    clean_only = sorted(set(clean) - used)
    return pairs, raw_only, clean_only


def read_page(path: str | Path) -> np.ndarray:
    """``(H, W)`` for grey files, ``(H, W, 3)`` RGB otherwise (EXIF rotation applied, alpha
    composited on white)."""
    from PIL import Image, ImageOps

    from mangaclean.errors import ImageReadError

    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                rgba = im.convert("RGBA")
                im = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            grey = im.mode in ("L", "1", "I;16", "I", "LA")
            return np.asarray(im.convert("L" if grey else "RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageReadError(f"cannot read {path}: {exc}") from exc


def write_mask(path: Path, mask: np.ndarray) -> None:
    """Write a ``(H, W)`` bool mask as a mode-L PNG (255 = text), atomically."""
    import os

    from PIL import Image

    from mangaclean.errors import ImageWriteError

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(tmp, format="PNG")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ImageWriteError(f"cannot write {path}: {exc}") from exc


def _process(name, raw_path, clean_path, out_dir: Path, options) -> PairReport:
    from mangaclean.errors import ImageReadError

    try:
        result = mask_from_pair(read_page(raw_path), read_page(clean_path), options)
    except ImageReadError as exc:
        return PairReport(name, "unreadable", message=str(exc))
    if result.mask is not None:
        write_mask(out_dir / f"{name}.png", result.mask)
    dx, dy = result.shift
    return PairReport(name, result.status, result.text_share, dx, dy, result.threshold, result.message)


def write_report(reports: list[PairReport], path: str | Path) -> None:
    """CSV: name, status, text_share, dx, dy, threshold, message."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "status", "text_share", "dx", "dy", "threshold", "message"])
        for r in reports:
            row = [r.name, r.status, f"{r.text_share:.5f}", r.dx, r.dy, f"{r.threshold:.1f}"]
            writer.writerow(row + [r.message])


def masks_from_pairs(
    raw_dir: str | Path, clean_dir: str | Path, out_dir: str | Path, options: PairOptions
) -> list[PairReport]:
    """Write ``OUT_DIR/<name>.png`` masks (mode L, 255 = text) and ``OUT_DIR/report.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs, raw_only, clean_only = find_pairs(raw_dir, clean_dir)
    reports = [PairReport(n, "unmatched", message="no clean page") for n in raw_only]
    reports += [PairReport(n, "unmatched", message="no raw page") for n in clean_only]
    for name, raw_path, clean_path in pairs:
        report = _process(name, raw_path, clean_path, out, options)
        level = logging.INFO if report.status in OK_STATUSES else logging.WARNING
        log.log(level, "%s: %s %.2f%% %s", name, report.status, 100 * report.text_share, report.message)
        reports.append(report)
    reports.sort(key=lambda r: r.name)
    write_report(reports, out / "report.csv")
    return reports
