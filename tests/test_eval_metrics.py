"""Evaluation scores on small hand-made arrays."""

import numpy as np
import pytest

from mangaclean.backends.ppocr import boxes_to_glyphs
from mangaclean.eval import sfx
from mangaclean.eval.boxes_eval import box_glyphs, score_boxes
from mangaclean.eval.metrics import MaskCounts, grow, mean_ssim, psnr, score_mask
from mangaclean.maskops import glyphs_in_box


@pytest.fixture
def truth():
    mask = np.zeros((64, 80), dtype=bool)
    mask[10:20, 10:14] = True  # a stroke
    mask[30:34, 40:60] = True  # another
    mask[50:56, 20:26] = True
    return mask


def test_perfect_prediction_scores_one(truth):
    c = score_mask(truth.copy(), truth)
    for value in (c.precision, c.recall, c.f1, c.iou, c.tolerant_f1, c.precision_without_sfx):
        assert value == 1.0


def test_empty_and_missing_predictions_score_recall_zero(truth):
    empty = score_mask(np.zeros_like(truth), truth)
    missing = score_mask(None, truth)
    assert empty == missing
    assert empty.recall == 0.0 and empty.f1 == 0.0 and empty.iou == 0.0 and empty.tolerant_f1 == 0.0
    assert empty.fn == truth.sum() and empty.tp == empty.fp == 0


def test_grown_perfect_mask_is_perfect_when_tolerant(truth):
    c = score_mask(grow(truth, 2), truth)
    assert c.tolerant_f1 == 1.0 and c.recall == 1.0
    assert c.precision < 0.7  # but not when exact
    assert score_mask(grow(truth, 4), truth).tolerant_f1 < 1.0


def test_shifted_prediction_is_fair_both_ways(truth):
    shifted = np.roll(truth, 1, axis=1)
    c = score_mask(shifted, truth)
    assert c.tolerant_precision == 1.0 and c.tolerant_recall == 1.0
    assert c.f1 < 1.0


def test_counts_are_micro_averaged(truth):
    half = truth.copy()
    half[30:34] = False
    a, b = score_mask(truth, truth), score_mask(half, truth)
    total = a + b
    assert total.tp == a.tp + b.tp and total.fn == b.fn
    assert total.recall == pytest.approx((a.tp + b.tp) / (2 * truth.sum()))


def test_page_without_text():
    none = np.zeros((10, 10), dtype=bool)
    quiet = score_mask(none, none)
    assert quiet.precision == quiet.recall == quiet.f1 == 1.0
    noisy = score_mask(np.ones_like(none), none)
    assert noisy.precision == 0.0 and noisy.fp == 100
    assert MaskCounts().precision == 1.0


def test_wrong_shapes_are_refused(truth):
    with pytest.raises(ValueError):
        score_mask(truth[:10], truth)


def test_possible_sfx_is_large_and_far_from_text(truth):
    predicted = truth.copy()
    predicted[2:8, 70:76] = True  # small, far: an ordinary false positive
    big = np.zeros((200, 200), dtype=bool)
    big[:64, :80] = truth
    big_pred = big.copy()
    big_pred[120:190, 110:190] = True  # large, far: possible SFX
    big_pred[0:5, 30:34] = True  # near text: not SFX
    assert not sfx.possible_sfx(predicted, truth).any()
    flagged = sfx.possible_sfx(big_pred, big)
    assert flagged[150, 150] and not flagged[2, 32] and not (flagged & big).any()
    c = score_mask(big_pred, big, flagged)
    assert c.sfx == 70 * 80
    assert c.precision < c.precision_without_sfx == pytest.approx(big.sum() / (big.sum() + 20))


def test_psnr_and_ssim():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 40), dtype=np.uint8)
    where = np.zeros((40, 40), dtype=bool)
    where[10:20, 10:20] = True
    assert psnr(image, image, where) == 100.0
    assert mean_ssim(image, image, where) == pytest.approx(1.0)
    worse = image.copy()
    worse[where] = 255
    assert psnr(worse, image, where) < 10 and mean_ssim(worse, image, where) < 0.5
    assert mean_ssim(worse, image, np.zeros_like(where)) == 1.0


def test_box_glyphs_ignore_art_touching_the_edge():
    crop = np.full((40, 40), 250, dtype=np.uint8)
    crop[:, 0:3] = 10  # a balloon outline along the box edge
    crop[10:30, 18:22] = 20  # the glyph
    glyphs = box_glyphs(crop)
    assert glyphs[15, 20] and not glyphs[:, :3].any()
    white_on_black = 255 - crop
    assert box_glyphs(white_on_black)[15, 20]


def test_box_recall_counts_half_covered_glyphs():
    gray = np.full((50, 50), 250, dtype=np.uint8)
    gray[10:30, 10:14] = 0
    predicted = np.zeros((50, 50), dtype=bool)
    predicted[10:21, 10:14] = True  # 11 of 20 rows
    coverage, glyphs, inside, pieces = score_boxes(
        predicted, gray, [(5, 5, 15, 30), (100, 100, 5, 5)], predicted
    )
    assert coverage[0] == pytest.approx(0.55) and coverage[1] == 0.0
    assert glyphs.sum() == 80 and inside == predicted.sum()
    assert pieces == 1  # 55% of the glyph erased: a word left in pieces
    assert score_boxes(predicted, gray, [(5, 5, 15, 30)], grow(predicted, 12))[3] == 0  # all erased
    assert score_boxes(predicted, gray, [(5, 5, 15, 30)])[3] == 0  # no removal mask: not counted


def test_ppocr_glyphs_take_the_minority_side():
    crop = np.full((20, 30), 240, dtype=np.uint8)
    crop[5:15, 10:13] = 30
    inside = np.ones_like(crop, dtype=bool)
    assert glyphs_in_box(crop, inside).sum() == 30
    assert glyphs_in_box(255 - crop, inside).sum() == 30
    page = np.full((60, 60), 240, dtype=np.uint8)
    page[20:30, 20:23] = 30
    corners = np.array([[[15.0, 15.0], [35.0, 15.0], [35.0, 35.0], [15.0, 35.0]]])
    mask = boxes_to_glyphs(page, corners)
    assert mask.sum() == 30 and mask[25, 21]


def test_true_blocks_left_in_pieces():
    from mangaclean.eval.balloons_eval import _pieces

    truth = np.zeros((60, 100), bool)
    truth[10:20, 10:14] = truth[10:20, 18:22] = True  # one word of two glyphs
    truth[40:50, 60:64] = True  # another block
    removal = np.zeros_like(truth)
    removal[8:22, 8:15] = True  # the first glyph only: the word in pieces
    removal[38:52, 58:66] = True  # the second block whole
    assert _pieces(truth, removal) == (2, 1)
    assert _pieces(truth, grow(truth, 2)) == (2, 0)
