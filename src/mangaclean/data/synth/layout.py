"""Text layout: vertical (tategaki) and horizontal lines, furigana, and rasterisation.

Vertical setting follows Japanese print: characters run top to bottom, columns run right to
left; long-vowel marks, dashes, ellipses and brackets are turned a quarter clockwise, small kana
and the comma/full stop move to the upper right of their cell, and ``!?``-style pairs or
two-digit numbers sit side by side in one cell (tate-chu-yoko). Furigana sit to the right of
their column (above their line in horizontal text) at about half the size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mangaclean.data.synth.corpus import Line
from mangaclean.data.synth.fonts import FontFace, FontLibrary, glyph_cell, has_glyph, text_width

ROTATE_IN_VERTICAL = frozenset("ー－—―〜～…‥-=＝()（）「」『』【】［］[]<>〈〉《》:：;；→←")
PUNCT_SHIFT = frozenset("、。，．,.")
SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
TCY_CHARS = frozenset("!?！？0123456789")


@dataclass(frozen=True)
class TextStyle:
    """How a block is set. Sizes in pixels; steps in em (multiples of ``size``)."""

    face: FontFace
    size: int
    vertical: bool = True
    kana_face: FontFace | None = None
    latin_face: FontFace | None = None
    ruby_face: FontFace | None = None
    stroke: int = 0
    char_step: float = 1.0
    line_step: float = 1.45
    centre_lines: bool = False
    ruby_scale: float = 0.45


@dataclass(frozen=True)
class Glyph:
    """One cell to draw: ``text`` centred at ``(x, y)`` in block coordinates (pixels)."""

    text: str
    face: FontFace
    size: int
    x: float
    y: float
    rotate: bool = False
    ruby: bool = False


@dataclass(frozen=True)
class Layout:
    glyphs: tuple[Glyph, ...]
    width: int
    height: int
    stroke: int


def split_cells(text: str, vertical: bool) -> list[str]:
    """Characters of ``text``, with tate-chu-yoko pairs kept together in vertical text."""
    if not vertical:
        return list(text)
    cells: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] in TCY_CHARS:
            j += 1
        if j - i == 2:  # exactly two marks or digits share one cell
            cells.append(text[i:j])
            i = j
        else:
            cells.extend(text[i : max(j, i + 1)])
            i = max(j, i + 1)
    return cells


def _is_kana(char: str) -> bool:
    return "\u3040" <= char <= "\u30ff"


def face_for(cell: str, style: TextStyle, library: FontLibrary) -> FontFace:
    """The face that draws ``cell``: kana face for kana, Latin face for ASCII, else the main face."""
    face = style.face
    if style.kana_face is not None and _is_kana(cell[0]):
        face = style.kana_face
    elif style.latin_face is not None and cell.isascii() and not cell.isspace():
        face = style.latin_face
    if all(has_glyph(face.path, face.index, c) for c in cell if not c.isspace()):
        return face
    return library.fallback


def _vertical_offset(cell: str, size: int) -> tuple[float, float]:
    if cell in PUNCT_SHIFT:
        return 0.55 * size, -0.55 * size
    if cell in SMALL_KANA:
        return 0.1 * size, -0.1 * size
    return 0.0, 0.0


def _ruby_glyphs(ruby: str, style: TextStyle, library, cx: float, cy: float) -> list[Glyph]:
    """Furigana centred on ``(cx, cy)`` along the line direction."""
    rsize = max(5, round(style.size * style.ruby_scale))
    face = style.ruby_face or style.kana_face or style.face
    n = len(ruby)
    out = []
    for k, char in enumerate(ruby):
        offset = (k - (n - 1) / 2) * rsize
        x, y = (cx, cy + offset) if style.vertical else (cx + offset, cy)
        rf = face if has_glyph(face.path, face.index, char) else library.fallback
        dx, dy = _vertical_offset(char, rsize) if style.vertical else (0.0, 0.0)
        out.append(Glyph(char, rf, rsize, x + dx, y + dy, ruby=True))
    return out


def _line_cells(line: Line, vertical: bool) -> list[tuple[str, int]]:
    """(cell, run index) for each cell of a line."""
    return [(cell, r) for r, (text, _) in enumerate(line) for cell in split_cells(text, vertical)]


def _set_line(line: Line, style: TextStyle, library, origin: float, start: float) -> list[Glyph]:
    """Glyphs of one line; ``origin`` is the line's centre across, ``start`` its first cell edge."""
    size, step = style.size, style.char_step * style.size
    glyphs: list[Glyph] = []
    spans: dict[int, list[float]] = {}
    for k, (cell, run) in enumerate(_line_cells(line, style.vertical)):
        along = start + (k + 0.5) * step
        spans.setdefault(run, []).append(along)
        if cell.isspace():
            continue
        face = face_for(cell, style, library)
        if style.vertical:
            rotate = cell in ROTATE_IN_VERTICAL
            dx, dy = _vertical_offset(cell, size)
            glyphs.append(Glyph(cell, face, size, origin + dx, along + dy, rotate=rotate))
        else:
            glyphs.append(Glyph(cell, face, size, along, origin))
    ruby_gap = 0.5 * size + 0.5 * style.ruby_scale * size + 1
    for run, (_, ruby) in enumerate(line):
        if ruby and run in spans:
            centre = (spans[run][0] + spans[run][-1]) / 2
            if style.vertical:
                glyphs += _ruby_glyphs(ruby, style, library, origin + ruby_gap, centre)
            else:
                glyphs += _ruby_glyphs(ruby, style, library, centre, origin - ruby_gap)
    return glyphs


def _line_length(line: Line, style: TextStyle) -> float:
    return len(_line_cells(line, style.vertical)) * style.char_step * style.size


def layout_cjk(lines: list[Line], style: TextStyle, library: FontLibrary) -> Layout:
    """Lay out CJK lines; vertical columns run right to left, horizontal lines top to bottom."""
    size = style.size
    has_ruby = any(ruby for line in lines for _, ruby in line)
    across = style.line_step * size + (style.ruby_scale * size if has_ruby else 0)
    pad = style.stroke + 2 + (int(style.ruby_scale * size) + 2 if has_ruby else 0)
    longest = max((_line_length(line, style) for line in lines), default=size)
    extent_across = int(round(size + across * (len(lines) - 1))) + 2 * pad
    extent_along = int(round(longest)) + 2 * pad
    glyphs: list[Glyph] = []
    for i, line in enumerate(lines):
        shift = (longest - _line_length(line, style)) / 2 if style.centre_lines else 0.0
        if style.vertical:
            origin = extent_across - pad - size / 2 - i * across
        else:
            origin = pad + size / 2 + i * across
        glyphs += _set_line(line, style, library, origin, pad + shift)
    width, height = (extent_across, extent_along) if style.vertical else (extent_along, extent_across)
    return Layout(tuple(glyphs), width, height, style.stroke)


def layout_latin(lines: list[Line], style: TextStyle, library: FontLibrary) -> Layout:
    """Lay out horizontal Latin lines (proportional widths), centred like comic lettering."""
    face = style.latin_face or style.face
    size = style.size
    texts = ["".join(t for t, _ in line) for line in lines]
    widths = [text_width(face, size, t) for t in texts]
    pad = style.stroke + 3
    width = int(np.ceil(max(widths, default=size))) + 2 * pad
    step = style.line_step * size * 0.85
    height = int(round(size * 1.2 + step * (len(lines) - 1))) + 2 * pad
    glyphs = tuple(Glyph(t, face, size, width / 2, pad + size * 0.6 + i * step) for i, t in enumerate(texts))
    return Layout(glyphs, width, height, style.stroke)


def rasterize(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Draw a layout.

    returns: ``(text, ruby)`` coverage, each ``(layout.height, layout.width)`` uint8 (255 = ink).
    """
    text = np.zeros((layout.height, layout.width), np.uint8)
    ruby = np.zeros_like(text)
    for g in layout.glyphs:
        stroke = max(0, layout.stroke // 2) if g.ruby else layout.stroke
        cell = glyph_cell(g.face, g.size, g.text, stroke)
        if g.rotate:
            cell = np.rot90(cell, k=-1)
        target = ruby if g.ruby else text
        paste_max(target, cell, g.x, g.y)
    return text, ruby


def paste_max(canvas: np.ndarray, patch: np.ndarray, cx: float, cy: float) -> None:
    """``canvas = max(canvas, patch)`` with ``patch`` centred at ``(cx, cy)``, clipped."""
    ph, pw = patch.shape
    x0, y0 = int(round(cx - pw / 2)), int(round(cy - ph / 2))
    h, w = canvas.shape
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + pw), min(h, y0 + ph)
    if xa >= xb or ya >= yb:
        return
    region = canvas[ya:yb, xa:xb]
    np.maximum(region, patch[ya - y0 : yb - y0, xa - x0 : xb - x0], out=region)


def with_size(style: TextStyle, size: int) -> TextStyle:
    """The same style at another size (stroke scaled along)."""
    stroke = int(round(style.stroke * size / max(1, style.size)))
    return replace(style, size=size, stroke=stroke)
