"""Vertical (tategaki) and horizontal layout: order, rotation, shifts, furigana."""

from __future__ import annotations

import numpy as np
import pytest

from mangaclean.data.synth.layout import TextStyle, layout_cjk, rasterize, split_cells


@pytest.fixture
def library(cjk_fonts):
    return cjk_fonts  # skips where no Japanese font is installed (conftest)


def _style(library, vertical=True):
    return TextStyle(face=library.fallback, size=20, vertical=vertical, line_step=1.5)


def test_split_cells_keeps_tate_chu_yoko_pairs():
    assert split_cells("なに!?", vertical=True) == ["な", "に", "!?"]
    assert split_cells("12月", vertical=True) == ["12", "月"]
    assert split_cells("!!!", vertical=True) == ["!", "!", "!"]  # three marks: no pair
    assert split_cells("なに!?", vertical=False) == ["な", "に", "!", "?"]


def test_vertical_columns_run_right_to_left_and_top_to_bottom(library):
    lines = [[("あいう", None)], [("かきく", None)], [("さし", None)]]
    lay = layout_cjk(lines, _style(library), library)
    by_text = {g.text: g for g in lay.glyphs}
    xs = [by_text[c].x for c in "あかさ"]
    assert xs[0] > xs[1] > xs[2]  # first line is the rightmost column
    ys = [by_text[c].y for c in "あいう"]
    assert ys[0] < ys[1] < ys[2]  # characters go down
    assert by_text["あ"].x == by_text["い"].x == by_text["う"].x
    text, _ = rasterize(lay)
    cols = np.flatnonzero(text.any(0))
    assert text[:, cols[-1]].any() and lay.width >= lay.height * 0.5


def test_horizontal_lines_run_left_to_right_and_top_to_bottom(library):
    lines = [[("あいう", None)], [("かき", None)]]
    lay = layout_cjk(lines, _style(library, vertical=False), library)
    g = {x.text: x for x in lay.glyphs}
    assert g["あ"].x < g["い"].x < g["う"].x and g["あ"].y < g["か"].y


def test_vertical_marks_rotate_and_shift(library):
    style = _style(library)
    lay = layout_cjk([[("ラーメン、っ…「", None)]], style, library)
    g = {x.text: x for x in lay.glyphs}
    assert g["ー"].rotate and g["…"].rotate and g["「"].rotate
    assert not g["ラ"].rotate and not g["ン"].rotate
    column_x = g["ラ"].x
    assert g["、"].x > column_x + 5 and g["、"].y < g["ン"].y + style.size  # to the upper right
    assert g["っ"].x > column_x  # small kana move right (and up)
    horizontal = layout_cjk([[("ラーメン", None)]], _style(library, vertical=False), library)
    assert not any(x.rotate for x in horizontal.glyphs)


def test_furigana_sit_right_of_their_kanji_in_vertical_text(library):
    lay = layout_cjk([[("本気", "ほんき"), ("だ", None)]], _style(library), library)
    ruby = [g for g in lay.glyphs if g.ruby]
    base = [g for g in lay.glyphs if not g.ruby]
    assert "".join(g.text for g in ruby) == "ほんき"
    assert all(r.size < base[0].size for r in ruby)
    assert min(r.x for r in ruby) > base[0].x
    kanji_span = (base[0].y, base[1].y)
    centre = np.mean([r.y for r in ruby])
    assert kanji_span[0] - 1 <= centre <= kanji_span[1] + 1
    text, ruby_cov = rasterize(lay)
    assert ruby_cov.any() and text.any()
    assert np.flatnonzero(ruby_cov.any(0)).mean() > np.flatnonzero(text.any(0)).mean()


def test_furigana_sit_above_their_kanji_in_horizontal_text(library):
    lay = layout_cjk([[("本気", "ほんき")]], _style(library, vertical=False), library)
    ruby = [g for g in lay.glyphs if g.ruby]
    base = [g for g in lay.glyphs if not g.ruby]
    assert max(r.y for r in ruby) < min(b.y for b in base)
