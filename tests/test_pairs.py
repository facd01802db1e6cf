"""Masks from raw/clean pairs, on small hand-made pages with known text, offsets and noise."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
from PIL import Image

from mangaclean.data.pairs import (
    PairOptions,
    estimate_shift,
    find_pairs,
    mask_from_pair,
    masks_from_pairs,
)


def _art(rng: np.random.Generator, h=160, w=200, colour=False) -> np.ndarray:
    """A white page with random lines and a screentone patch (the 'clean' page)."""
    page = np.full((h, w, 3) if colour else (h, w), 255, np.uint8)
    ink = (30, 60, 120) if colour else (0,)
    for _ in range(25):
        p0 = tuple(int(v) for v in rng.integers(0, [w, h]))
        p1 = tuple(int(v) for v in rng.integers(0, [w, h]))
        cv2.line(page, p0, p1, ink, int(rng.integers(1, 3)), cv2.LINE_AA)
    yy, xx = np.mgrid[0:40, 0:60]
    dots = ((np.cos(xx * 1.3) + np.cos(yy * 1.3)) > 1.0)[..., None] if colour else None
    tone = (np.cos(xx * 1.3) + np.cos(yy * 1.3)) > 1.0
    if colour:
        page[100:140, 120:180][dots[..., 0]] = (90, 90, 90)
    else:
        page[100:140, 120:180][tone] = 80
    return page


def _with_text(clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw glyph-like marks (bars and a ring) on a white box; returns (raw, text mask)."""
    raw = clean.copy()
    raw[20:70, 20:60] = 255  # a balloon: cleaned pages keep it, so clean gets it too
    clean[20:70, 20:60] = 255
    text = np.zeros(clean.shape[:2], bool)
    for x0 in (26, 40):
        text[25:65, x0 : x0 + 4] = True
    text[30:33, 24:56] = True
    cv2.circle(text.view(np.uint8), (150, 40), 8, 1, 2)
    ink = 0 if raw.ndim == 2 else (0, 0, 0)
    raw[text] = ink
    return raw, text


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def _grow(mask: np.ndarray, k: int) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)


def test_exact_mask_without_dilation():
    rng = np.random.default_rng(0)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    result = mask_from_pair(raw, clean, PairOptions(dilate=1, denoise=0))
    assert result.status == "ok" and result.shift == (0, 0)
    assert np.array_equal(result.mask, text)


@pytest.mark.parametrize("kernel", [3, 5, 7])
def test_dilation_is_a_max_pool(kernel):
    rng = np.random.default_rng(1)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    result = mask_from_pair(raw, clean, PairOptions(dilate=kernel, denoise=0))
    assert np.array_equal(result.mask, _grow(text, kernel))


def test_colour_pair():
    rng = np.random.default_rng(2)
    clean = _art(rng, colour=True)
    raw, text = _with_text(clean.copy())
    clean[20:70, 20:60] = 255
    raw[text] = (200, 30, 30)  # red lettering
    result = mask_from_pair(raw, clean, PairOptions(dilate=1, denoise=0))
    assert np.array_equal(result.mask, text)


def test_jpeg_noise_is_not_text():
    rng = np.random.default_rng(3)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    raw_j, clean_j = _jpeg(raw, 70), _jpeg(clean, 85)  # saved twice, at other qualities
    result = mask_from_pair(raw_j, clean_j, PairOptions(dilate=3))
    assert result.ok
    found, expected = result.mask, _grow(text, 3)
    assert (found & expected).sum() / expected.sum() > 0.95
    assert (found & ~_grow(text, 7)).mean() < 0.002


def test_offset_pair_is_aligned():
    rng = np.random.default_rng(4)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    dx, dy = 3, -2
    shifted = np.roll(clean, (dy, dx), axis=(0, 1))  # shifted[y + dy, x + dx] = clean[y, x]
    assert estimate_shift(raw, shifted, 8) == (dx, dy)
    result = mask_from_pair(raw, shifted, PairOptions(dilate=1, denoise=0))
    assert result.status == "aligned" and result.shift == (dx, dy)
    inner = (slice(4, -4), slice(4, -4))
    assert np.array_equal(result.mask[inner], text[inner])
    assert np.array_equal(result.aligned[inner], clean[inner])


def test_offset_pair_refused_when_asked_or_too_far():
    rng = np.random.default_rng(5)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    near = np.roll(clean, (2, 1), axis=(0, 1))
    assert mask_from_pair(raw, near, PairOptions(align=False)).status == "misaligned"
    far = np.roll(clean, (0, 14), axis=(0, 1))
    refused = mask_from_pair(raw, far, PairOptions(max_shift=8))
    assert refused.status == "misaligned" and refused.mask is None


def test_implausible_difference_and_size_mismatch():
    rng = np.random.default_rng(6)
    raw = _art(rng)
    other = 255 - _art(np.random.default_rng(99))
    result = mask_from_pair(raw, other)
    assert result.status == "implausible" and result.mask is None and result.text_share > 0.35
    tall = np.full((300, 200), 255, np.uint8)
    assert mask_from_pair(raw, tall).status == "size_mismatch"


def test_identical_pages_give_an_empty_mask():
    raw = _art(np.random.default_rng(7))
    result = mask_from_pair(raw, raw.copy())
    assert result.status == "empty" and not result.mask.any()


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_folder_matching_masks_and_report(tmp_path):
    rng = np.random.default_rng(8)
    raw_dir, clean_dir, out_dir = tmp_path / "raw", tmp_path / "clean", tmp_path / "masks"
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    _save(raw_dir / "ch1" / "p01.png", raw)
    _save(clean_dir / "ch1" / "p01.jpg", clean)  # other suffix: still a pair
    _save(raw_dir / "p02.png", raw)
    _save(clean_dir / "p02.png", np.roll(clean, 15, axis=1))  # too far off: refused
    _save(raw_dir / "lonely.png", raw)
    pairs, raw_only, clean_only = find_pairs(raw_dir, clean_dir)
    assert [p[0] for p in pairs] == ["ch1/p01", "p02"]
    assert raw_only == ["lonely"] and clean_only == []
    reports = masks_from_pairs(raw_dir, clean_dir, out_dir, PairOptions(dilate=3))
    status = {r.name: r.status for r in reports}
    assert status == {"ch1/p01": "ok", "p02": "misaligned", "lonely": "unmatched"}
    mask = Image.open(out_dir / "ch1" / "p01.png")
    assert mask.mode == "L" and mask.size == (raw.shape[1], raw.shape[0])
    values = np.asarray(mask)
    assert set(np.unique(values)) <= {0, 255}
    assert (values > 127).sum() >= text.sum()
    assert not (out_dir / "p02.png").exists()
    with open(out_dir / "report.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["name"] for r in rows} == set(status)


def test_command_exit_status(tmp_path):
    from mangaclean.cli import main

    rng = np.random.default_rng(9)
    raw, text = _with_text(_art(rng))
    clean = raw.copy()
    clean[text] = 255
    _save(tmp_path / "r" / "a.png", raw)
    _save(tmp_path / "c" / "a.png", clean)
    args = [str(tmp_path / d) for d in ("r", "c", "out")]
    assert main(["masks-from-pairs", *args, "-q"]) == 0
    _save(tmp_path / "r" / "b.png", raw)  # no clean page: the batch goes on, exit 1
    assert main(["masks-from-pairs", *args, "-q", "--dilate", "3"]) == 1
    assert (tmp_path / "out" / "a.png").exists()
    assert main(["masks-from-pairs", str(tmp_path / "nope"), *args[1:], "-q"]) == 2
