"""Lettering items: dialogue and narration blocks, small asides, and sound effects.

An item is the ink coverage of its glyphs (and of its furigana, kept apart so that they can be
reported as their own block) before it is placed on the page. Sizes are in page pixels at
``scale`` 1 (a 1170-pixel-high page, where dialogue glyphs are about 20 pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mangaclean.data.synth import corpus
from mangaclean.data.synth.fonts import FontLibrary, glyph_cell
from mangaclean.data.synth.layout import (
    TextStyle,
    layout_cjk,
    layout_latin,
    paste_max,
    rasterize,
)

# style -> weight for Japanese dialogue ("antique" = Gothic kanji with Mincho kana).
DIALOGUE_STYLES = {
    "antique": 0.3,
    "gothic": 0.3,
    "mincho": 0.14,
    "rounded": 0.06,
    "handwriting": 0.12,
    "brush": 0.04,
    "display": 0.04,
}
SFX_STYLES = {"display": 0.3, "brush": 0.25, "gothic": 0.25, "handwriting": 0.2}


@dataclass(frozen=True)
class Lettering:
    """Glyph coverage of one item: ``text`` and ``ruby`` are ``(h, w)`` uint8 (255 = ink)."""

    text: np.ndarray
    ruby: np.ndarray
    kind: str
    vertical: bool
    string: str
    size: int


def _weighted(rng: np.random.Generator, table: dict[str, float], available) -> str:
    names = [k for k in table if k in available or k == "antique"]
    p = np.array([table[k] for k in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _glyph_size(rng: np.random.Generator, scale: float, kind: str) -> int:
    if kind == "aside":
        base = rng.uniform(9, 14)
    elif kind == "shout":
        base = rng.uniform(28, 60)
    elif kind == "title":
        base = rng.uniform(40, 100)
    else:
        base = float(np.clip(rng.lognormal(np.log(20), 0.18), 13, 34))
    return max(6, int(round(base * scale)))


def _cjk_style(rng, library: FontLibrary, size: int, vertical: bool) -> TextStyle:
    available = library.styles()
    name = _weighted(rng, DIALOGUE_STYLES, available)
    bold = rng.random() < 0.6
    if name == "antique":
        face = library.pick("gothic", rng, bold=True)
        kana = library.pick("mincho", rng, bold=bold)
    else:
        face = library.pick(name, rng, bold=bold if name in ("gothic", "mincho") else None)
        kana = None
    return TextStyle(
        face=face,
        kana_face=kana,
        latin_face=None,
        ruby_face=library.pick(rng.choice(["gothic", "mincho"]), rng),
        size=size,
        vertical=vertical,
        stroke=int(rng.random() < 0.12 and size >= 16) * max(1, size // 24),
        char_step=float(rng.uniform(0.98, 1.08)),
        line_step=float(rng.uniform(1.12, 1.5)),
        centre_lines=bool(rng.random() < (0.75 if not vertical else 0.2)),
        ruby_scale=float(rng.uniform(0.4, 0.52)),
    )


def dialogue(
    rng: np.random.Generator,
    library: FontLibrary,
    scale: float,
    *,
    kind: str = "dialogue",
    vertical_share: float = 0.8,
    latin_share: float = 0.1,
    furigana_share: float = 0.15,
    short_share: float = 0.2,
) -> Lettering:
    """A dialogue block (``kind``: 'dialogue', 'narration', 'aside', 'shout' or 'title': a
    chapter or story title, display-sized, one or two short lines)."""
    size = _glyph_size(rng, scale, kind)
    if rng.random() < latin_share and library.styles():
        return _latin(rng, library, size, kind)
    vertical = bool(rng.random() < vertical_share)
    style = _cjk_style(rng, library, size, vertical)
    if rng.random() < short_share:
        lines = [[(corpus.short_utterance(rng), None)]]
    else:
        big = kind in ("shout", "title")
        n_lines = int(rng.integers(1, 3)) if big else int(rng.choice([1, 2, 2, 3, 3, 4, 5, 6]))
        max_len = int(rng.integers(2, 6 if big else 11))
        lines = corpus.japanese_lines(rng, n_lines, max_len, furigana_share)
    lay = layout_cjk(lines, style, library)
    text, ruby = rasterize(lay)
    string = "\n".join("".join(t for t, _ in line) for line in lines)
    return Lettering(text, ruby, _label(kind), vertical, string, size)


def _label(kind: str) -> str:
    """The mask label of a lettering kind: asides, shouts and titles are dialogue."""
    return "dialogue" if kind in ("aside", "shout", "title") else kind


def _latin(rng, library: FontLibrary, size: int, kind: str) -> Lettering:
    faces = library.by_style.get("latin_handwriting") or library.by_style.get("latin")
    face = faces[int(rng.integers(len(faces)))] if faces else library.fallback
    style = TextStyle(
        face=face, latin_face=face, size=size, vertical=False, line_step=float(rng.uniform(1.1, 1.4))
    )
    lines = corpus.latin_lines(rng, int(rng.integers(1, 5)), int(rng.integers(6, 18)))
    text, ruby = rasterize(layout_latin(lines, style, library))
    return Lettering(text, ruby, _label(kind), False, "\n".join(t for line in lines for t, _ in line), size)


def _rotate_patch(patch: np.ndarray, angle_deg: float, sx: float, shear: float) -> np.ndarray:
    """Rotate/scale/shear a coverage patch about its centre, growing the canvas to fit."""
    h, w = patch.shape
    a = np.deg2rad(angle_deg)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[sx, shear], [0, 1]])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - [w / 2, h / 2]
    out = corners @ m.T
    ow, oh = np.ceil(out.max(0) - out.min(0)).astype(int) + 2
    affine = np.hstack([m, (np.array([ow / 2, oh / 2]) - m @ [w / 2, h / 2])[:, None]])
    return cv2.warpAffine(patch, affine, (int(ow), int(oh)), flags=cv2.INTER_LINEAR)


def sfx(rng: np.random.Generator, library: FontLibrary, scale: float, latin_share=0.1) -> Lettering:
    """A sound effect: large, per-character rotated and scaled, then sheared and turned."""
    latin = bool(rng.random() < latin_share)
    word = corpus.sfx_text(rng, latin)
    name = _weighted(rng, SFX_STYLES, library.styles())
    face = library.pick(name, rng, bold=True if name == "gothic" else None)
    size = int(rng.uniform(45, 170) * scale)
    step = rng.uniform(0.65, 0.95) * size
    vertical = bool(rng.random() < 0.6)
    n = len(word)
    span = int(step * n + size * 2)
    canvas = np.zeros((span, int(size * 2.5)) if vertical else (int(size * 2.5), span), np.uint8)
    drift = rng.normal(0, 0.25) * step
    stroke = int(rng.uniform(0, 0.06) * size)
    for k, char in enumerate(word):
        cell = glyph_cell(face, int(size * rng.uniform(0.75, 1.25)), char, stroke)
        cell = _rotate_patch(cell, rng.normal(0, 12), 1.0, 0.0)
        along, across = size + k * step, canvas.shape[1 if vertical else 0] / 2 + drift * k
        cx, cy = (across, along) if vertical else (along, across)
        paste_max(canvas, cell, cx, cy)
    angle = rng.normal(0, 25)
    text = _rotate_patch(canvas, angle, rng.uniform(0.8, 1.2), rng.normal(0, 0.2))
    ys, xs = np.nonzero(text)
    if ys.size:
        text = text[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return Lettering(np.ascontiguousarray(text), np.zeros_like(text), "sfx", vertical, word, size)
