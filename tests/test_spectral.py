"""Frequency-selective extrapolation (``spectral`` inpainter) on small hand-made textures."""

import cv2
import numpy as np
import pytest

from mangaclean.backends import load_inpainter
from mangaclean.backends.opencv import OpenCVInpainter
from mangaclean.backends.spectral import SpectralInpainter


def _dot_screen(h: int = 160, w: int = 200, period: float = 6.0) -> np.ndarray:
    """A 45-degree dot screen (screentone), ``(h, w)`` uint8."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    step = 2 * np.pi / (period * np.sqrt(2))
    phase = np.cos(step * (xx + yy)) + np.cos(step * (xx - yy))
    return np.where(phase > 0.6, 40, 235).astype(np.uint8)


def _glyph_hole(shape: tuple[int, int]) -> np.ndarray:
    """Strokes of a few kana-sized glyphs, grown as text removal grows them, ``(H, W)`` bool."""
    hole = np.zeros(shape, np.uint8)
    for x in (60, 100, 140):
        cv2.line(hole, (x, 40), (x, 120), 1, 5)
        cv2.line(hole, (x - 15, 70), (x + 15, 70), 1, 5)
        cv2.circle(hole, (x, 100), 10, 1, 4)
    return hole.astype(bool)


def test_a_dot_screen_is_continued_into_the_hole():
    """Telea smears a screen into grey; the spectral fill continues its dots."""
    tone = _dot_screen()
    hole = _glyph_hole(tone.shape)
    holed = tone.copy()
    holed[hole] = 255
    spectral = SpectralInpainter().inpaint(holed, hole)
    telea = OpenCVInpainter("telea").inpaint(holed, hole)
    error = np.abs(spectral[hole].astype(int) - tone[hole]).mean()
    telea_error = np.abs(telea[hole].astype(int) - tone[hole]).mean()
    assert error < telea_error / 2, (error, telea_error)
    np.testing.assert_array_equal(spectral[~hole], holed[~hole])  # only the hole changes


def test_colour_pages_keep_their_shape_and_grey_content():
    """A colour crop comes back as colour; a grey picture stored as RGB stays grey."""
    tone = _dot_screen(96, 96)
    hole = np.zeros(tone.shape, bool)
    hole[40:52, 20:80] = True
    rgb = np.repeat(tone[..., None], 3, axis=2)
    rgb[hole] = 255
    out = SpectralInpainter().inpaint(rgb, hole)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    grey = SpectralInpainter().inpaint(rgb[..., 0].copy(), hole)
    np.testing.assert_array_equal(out[..., 0], grey)


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_no_hole_or_nothing_known_leaves_the_image_as_it_is(fraction):
    image = _dot_screen(64, 64)
    hole = np.full(image.shape, fraction == 1.0)
    out = SpectralInpainter().inpaint(image, hole)
    np.testing.assert_array_equal(out, image)
    assert out is not image


def test_spectral_is_a_named_inpainter():
    assert load_inpainter("spectral").name == "spectral"


def _colour_screen(h: int = 120, w: int = 160) -> np.ndarray:
    """A dot screen printed in two inks on cream paper, ``(h, w, 3)`` uint8."""
    dots = _dot_screen(h, w) < 128
    paper = np.array([236, 226, 204], np.uint8)
    ink = np.array([200, 60, 60], np.uint8)
    return np.where(dots[..., None], ink, paper)


@pytest.mark.parametrize("name", ["spectral", "spectral-fast"])
def test_shapes_dtype_and_only_the_hole_changes(name):
    inpainter = load_inpainter(name)
    for image in (_dot_screen(), _colour_screen()):
        hole = _glyph_hole(image.shape[:2])
        holed = image.copy()
        holed[hole] = 255
        out = inpainter.inpaint(holed, hole)
        assert out.shape == image.shape and out.dtype == np.uint8
        np.testing.assert_array_equal(out[~hole], holed[~hole])


def test_fast_continues_a_screen_better_than_telea():
    tone = _dot_screen()
    hole = _glyph_hole(tone.shape)
    holed = tone.copy()
    holed[hole] = 255
    fast = load_inpainter("spectral-fast").inpaint(holed, hole)
    telea = OpenCVInpainter("telea").inpaint(holed, hole)
    error = np.abs(fast[hole].astype(int) - tone[hole]).mean()
    telea_error = np.abs(telea[hole].astype(int) - tone[hole]).mean()
    assert error < 0.7 * telea_error, (error, telea_error)


def test_fast_fills_colour_from_the_colours_around_it():
    """Luma extrapolated, chroma from Telea: the fill stays within the two inks' colours (no
    fringe of a third colour) and beats Telea on the printed screen."""
    image = _colour_screen()
    hole = _glyph_hole(image.shape[:2])
    holed = image.copy()
    holed[hole] = 255
    out = load_inpainter("spectral-fast").inpaint(holed, hole).astype(int)
    telea = OpenCVInpainter("telea").inpaint(holed, hole).astype(int)
    fill = out[hole]
    assert (fill[:, 0] >= fill[:, 1] - 8).all() and (fill[:, 0] >= fill[:, 2] - 8).all()  # red or cream
    error = np.abs(out[hole] - image[hole]).mean()
    assert error < np.abs(telea[hole] - image[hole]).mean()


def test_smooth_surroundings_are_left_to_telea():
    """A hole in a smooth gradient: spectral-fast hands every block to Telea, exactly."""
    ramp = np.tile(np.linspace(60, 200, 96, dtype=np.float32), (64, 1)).astype(np.uint8)
    hole = np.zeros(ramp.shape, bool)
    hole[28:36, 30:70] = True
    holed = ramp.copy()
    holed[hole] = 255
    out = load_inpainter("spectral-fast").inpaint(holed, hole)
    np.testing.assert_array_equal(out, OpenCVInpainter("telea").inpaint(holed, hole))


def test_threads_and_chunks_do_not_change_the_fill():
    """Blocks are extrapolated independently: sharing a wave between threads (in chunks) gives
    the same pixels as one thread."""
    tone = _dot_screen(192, 256)
    hole = np.zeros(tone.shape, bool)
    hole[40:150:12, 20:236] = True  # thin bands: hundreds of 4 px blocks in the first wave
    holed = tone.copy()
    holed[hole] = 255
    one = SpectralInpainter(threads=1).inpaint(holed, hole)
    np.testing.assert_array_equal(SpectralInpainter(threads=2).inpaint(holed, hole), one)


@pytest.mark.parametrize("name", ["spectral", "spectral-fast"])
def test_holes_at_the_edges_of_odd_sized_crops(name):
    """Blocks overhang a crop whose sides are not multiples of the block size."""
    tone = _dot_screen(101, 157)
    hole = np.zeros(tone.shape, bool)
    hole[90:, 5:60] = hole[10:70, 150:] = hole[95:, 150:] = True
    holed = tone.copy()
    holed[hole] = 255
    out = load_inpainter(name).inpaint(holed, hole)
    np.testing.assert_array_equal(out[~hole], holed[~hole])
    assert np.abs(out[hole].astype(int) - tone[hole]).mean() < 100
