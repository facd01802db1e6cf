"""The block-level decision between the network and the line detector (``fusion.py``), on drawn
pages, and the shipped line detector on a drawn line of text."""

import cv2
import numpy as np
import pytest

from mangaclean import fusion
from mangaclean.backends import load_segmenter
from mangaclean.backends.registry import _line_detector
from mangaclean.maskops import grow

LEVEL = 128


def paper(height=200, width=300, tone=245):
    return np.full((height, width), tone, np.uint8)


def glyphs(gray, x, y, count, size=12, gap=6):
    """Draw ``count`` glyph-like crosses in a row; return their ``(H, W)`` bool mask."""
    mask = np.zeros(gray.shape, bool)
    stroke = max(2, size // 4)  # a quarter of the glyph wide
    for i in range(count):
        x0 = x + i * (size + gap)
        left = x0 + (size - stroke) // 2
        mask[y : y + size, left : left + stroke] = True  # a bar...
        mask[y + size // 2 - 1 : y + size // 2 + 2, x0 : x0 + size] = True  # ...crossed: a "+"
    gray[mask] = 20
    return mask


def line_over(shape, x0, y0, x1, y1, score=0.9):
    lines = np.zeros(shape, np.uint8)
    lines[y0:y1, x0:x1] = round(score * 255)
    return lines


def test_a_confirmed_word_is_taken_whole():
    gray = paper()
    word = glyphs(gray, 40, 50, 4)
    net = np.zeros(gray.shape, np.uint8)
    net[word] = 255
    net[:, 40 + 3 * 18 - 2 :] = 0  # the network missed the last glyph
    lines = line_over(gray.shape, 36, 46, 40 + 4 * 18 + 2, 66)
    fused = fusion.fuse(gray, net, lines, LEVEL)
    assert (fused[word] >= LEVEL).all()  # the missed glyph comes with its word
    assert not (fused[~grow(word, 1)] >= LEVEL).any()  # only glyph pixels, no paper


def test_a_lone_blob_on_art_without_a_line_is_left():
    gray = np.full((200, 300), 245, np.uint8)
    gray[60:140, 80:200] = np.tile(np.array([90, 160], np.uint8), 60)  # hatched art
    eye = np.zeros(gray.shape, bool)
    eye[95:105, 130:142] = True
    gray[eye] = 10
    net = np.where(eye, 255, 0).astype(np.uint8)
    fused = fusion.fuse(gray, net, np.zeros_like(gray), LEVEL)
    assert not fused.any()


def test_several_glyphs_on_paper_stand_without_the_detector():
    gray = paper()
    word = glyphs(gray, 40, 50, 4)
    net = np.where(word, 255, 0).astype(np.uint8)
    fused = fusion.fuse(gray, net, np.zeros_like(gray), LEVEL)
    assert (fused[word] == 255).all()


def test_big_round_dots_are_art_even_in_a_detected_line_an_ellipsis_is_not():
    gray = paper(400, 600)
    buttons = np.zeros(gray.shape, np.uint8)
    for y in (80, 140, 200):  # a snowman's buttons: a column of discs 24 px across (4% of the page)
        cv2.circle(buttons, (100, y), 12, 1, -1)
    dots = np.zeros(gray.shape, np.uint8)
    for x in (300, 310, 320):  # an ellipsis: dots 4 px across (0.7% of the page)
        cv2.circle(dots, (x, 150), 2, 1, -1)
    buttons, dots = buttons.view(bool), dots.view(bool)
    gray[buttons | dots] = 20
    net = np.where(buttons | dots, 255, 0).astype(np.uint8)
    lines = line_over(gray.shape, 84, 64, 116, 216) | line_over(gray.shape, 294, 144, 326, 156)
    fused = fusion.fuse(gray, net, lines, LEVEL)
    assert not fused[buttons].any()
    assert (fused[dots] >= LEVEL).all()


@pytest.mark.parametrize("other_ink", [False, True])
def test_marks_alone_in_a_balloon_are_its_lettering(other_ink):
    gray = paper(400, 600)
    cv2.ellipse(gray, (300, 200), (60, 40), 0, 0, 360, 20, 2)  # the balloon's outline
    marks = np.zeros(gray.shape, bool)
    marks[185:203, 298:302] = True  # "!": a bar...
    marks[207:211, 298:302] = True  # ...and its dot: two marks, fewer than MIN_GLYPHS
    gray[marks] = 20
    if other_ink:
        gray[190:210, 330:333] = 20  # something else drawn in it: not a balloon of "!" alone
    net = np.where(marks, 255, 0).astype(np.uint8)
    fused = fusion.fuse(gray, net, np.zeros_like(gray), LEVEL)
    if other_ink:
        assert not fused.any()
    else:
        assert (fused[marks] >= LEVEL).all()


def test_a_sure_line_on_paper_is_text_a_line_on_art_is_not():
    gray = paper()
    on_paper = glyphs(gray, 30, 30, 3)
    gray[100:180, 150:290] = 120  # a grey area of the art
    on_art = glyphs(gray, 170, 130, 3)
    lines = line_over(gray.shape, 26, 26, 30 + 3 * 18 + 2, 46) | line_over(gray.shape, 166, 126, 226, 146)
    fused = fusion.fuse(gray, np.zeros_like(gray), lines, LEVEL)
    assert (fused[on_paper] == 255).all()
    assert not fused[on_art].any()


def test_a_line_the_network_barely_saw_is_not_taken_whole():
    gray = paper()
    gray[10:190, 10:290] = 130  # a grey coat...
    gray[40:160, 40:260] = 60  # ...a dark scarf on it...
    stripes = np.zeros(gray.shape, bool)
    stripes[40:160, 40:260] = (np.arange(220) % 20 < 6)[None, :]
    gray[stripes] = 200  # ...with light stripes the detector reads as a line
    button = np.zeros(gray.shape, bool)
    button[95:105, 145:155] = True
    gray[button] = 250
    net = np.where(button, 255, 0).astype(np.uint8)
    lines = line_over(gray.shape, 40, 40, 260, 160)
    fused = fusion.fuse(gray, net, lines, LEVEL)
    assert not fused[stripes & ~grow(button, 4)].any()


def test_fusion_works_at_the_detector_scale():
    gray = paper(400, 600)
    word = glyphs(gray, 80, 100, 4, size=24, gap=12)
    net = np.where(word, 255, 0).astype(np.uint8)
    lines = line_over((200, 300), 38, 48, 40 + 4 * 18 + 2, 64)
    fused = fusion.fuse(gray, net, lines, LEVEL)
    assert fused.shape == gray.shape and (fused[word] >= LEVEL).mean() > 0.95


def test_the_shipped_line_detector_finds_a_printed_line():
    page = np.full((300, 500, 3), 250, np.uint8)
    cv2.putText(page, "HELLO WORLD", (40, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (10, 10, 10), 4)
    detector = _line_detector(1)
    lines = detector.lines(page)
    scale = lines.shape[1] / page.shape[1]
    assert lines[round(130 * scale), round(150 * scale)] > 0  # inside the word
    assert not lines[: round(60 * scale)].any()  # blank paper above it
    assert not detector.lines(np.full((300, 500), 250, np.uint8)).any()


@pytest.mark.parametrize("name", ["auto", "lines"])
def test_segmenters_by_name(name):
    page = np.full((120, 200), 250, np.uint8)
    probability = load_segmenter(name, 1).probability(page)
    assert probability.shape == page.shape and probability.dtype == np.uint8


def test_auto_given_the_text_grey_answers_as_without_it():
    from mangaclean.contrast import text_gray

    page = np.full((300, 500, 3), (228, 222, 248), np.uint8)  # lavender paper, magenta lettering
    cv2.putText(page, "HELLO WORLD", (40, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (230, 30, 200), 4)
    segmenter = load_segmenter("auto", 1)
    assert np.array_equal(segmenter.probability(page, text_gray(page)), segmenter.probability(page))
