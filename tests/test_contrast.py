"""The grey projection the text is found in (contrast.text_gray), on generated pages only."""

import cv2
import numpy as np

from mangaclean import contrast
from mangaclean.io import as_gray

LAVENDER = (228, 222, 248)
MAGENTA = (230, 30, 200)
YELLOW = (245, 215, 40)
PINK = (250, 222, 230)


def lettered(paper, ink, outline=None, size=(120, 160)) -> tuple[np.ndarray, np.ndarray]:
    """A page of ``paper`` with three bars of ``ink`` lettering (optionally outlined): the page
    ``(H, W, 3)`` uint8 and the glyph pixels ``(H, W)`` bool."""
    page = np.empty((*size, 3), np.uint8)
    page[:] = paper
    text = np.zeros(size, bool)
    for x in (30, 70, 110):
        text[20:100, x : x + 6] = True
    if outline is not None:
        page[cv2.dilate(text.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)] = outline
    page[text] = ink
    return page, text


def contrast_of(gray: np.ndarray, text: np.ndarray) -> float:
    return float(np.median(gray[~text]) - np.median(gray[text]))


def test_magenta_on_lavender_becomes_dark_ink_on_light_paper():
    page, text = lettered(LAVENDER, MAGENTA, outline=(255, 255, 255))
    gray = contrast.text_gray(page)
    assert gray.shape == page.shape[:2] and gray.dtype == np.uint8
    assert contrast_of(gray, text) > 170  # luma alone: about 120
    assert contrast_of(gray, text) > contrast_of(as_gray(page), text) + 50


def test_light_text_of_little_luma_contrast_stands_out():
    page, text = lettered(PINK, YELLOW)
    assert abs(contrast_of(as_gray(page), text)) < 30
    assert contrast_of(contrast.text_gray(page), text) > 150


def test_black_text_on_colour_paper_keeps_its_luma():
    page, text = lettered(LAVENDER, (20, 20, 20))
    box = page.copy()
    box[60:, :] = (245, 225, 90)  # a yellow caption box: a second paper, black text stays on it
    for p in (page, box):
        gray, luma = contrast.text_gray(p), as_gray(p)
        assert np.array_equal(gray[~text], luma[~text])  # both papers keep their luma
        assert (gray[text] <= luma[text]).all()  # black is a little further from lavender


def test_grey_pages_pass_through():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (50, 70), dtype=np.uint8)
    assert contrast.text_gray(gray) is gray
    rgb = np.repeat(gray[..., None], 3, axis=2)  # a grey page stored as RGB
    assert np.array_equal(contrast.text_gray(rgb), as_gray(rgb))


def test_a_grey_page_with_colour_in_its_last_rows_is_a_colour_page(monkeypatch):
    page = np.full((120, 160, 3), 250, np.uint8)
    page[100:110, 40:120] = MAGENTA  # the only colour, in the last chunk looked at
    monkeypatch.setattr(contrast, "CHUNK_PIXELS", 160 * 8)
    gray = contrast.text_gray(page)
    assert (gray[100:110, 40:120] < as_gray(page)[100:110, 40:120]).all()


def test_chunks_match_one_pass(monkeypatch):
    page, _ = lettered(LAVENDER, MAGENTA, size=(97, 131))
    whole = contrast.text_gray(page)
    monkeypatch.setattr(contrast, "CHUNK_PIXELS", 131 * 10 + 3)
    assert np.array_equal(contrast.text_gray(page), whole)


def test_art_without_paper_keeps_its_luma():
    rng = np.random.default_rng(1)
    art = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    assert len(contrast.paper_colours(art)) == 0
    assert np.array_equal(contrast.text_gray(art), as_gray(art))


def test_ink_with_more_luma_than_chroma_contrast_keeps_its_luma():
    page, text = lettered(LAVENDER, (25, 30, 70))  # navy art ink: far darker than its hue is far
    assert np.array_equal(contrast.text_gray(page), as_gray(page))


def test_memory_stays_near_one_byte_per_pixel(monkeypatch):
    import tracemalloc

    page = np.empty((3000, 2000, 3), np.uint8)
    page[:] = LAVENDER
    page[::9] = MAGENTA  # every pixel row of lettering is darkened: the costly path
    monkeypatch.setattr(contrast, "CHUNK_PIXELS", 1 << 16)
    tracemalloc.start()
    gray = contrast.text_gray(page)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert gray.dtype == np.uint8 and gray.shape == page.shape[:2]
    assert peak < gray.nbytes + 8 * 2**20  # a float32 copy of the page alone would be 24 MB
