"""Font discovery and cached glyph rasterisation for the synthetic renderer.

Fonts are found by scanning font folders (the user's first, then the system's), so no
fontconfig is needed. Each face is classified into a *style* from its names: ``mincho``,
``gothic``, ``rounded``, ``handwriting``, ``brush``, ``display`` (CJK-capable) or ``latin``
(Latin only). Rendering needs at least one CJK-capable face; otherwise
:class:`~mangaclean.errors.FontNotFoundError` tells the user what to install.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mangaclean.errors import FontNotFoundError

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
CJK_STYLES = ("mincho", "gothic", "rounded", "handwriting", "brush", "display")
INSTALL_HINT = (
    "install Japanese fonts, e.g. on Debian/Ubuntu: apt-get install fonts-ipafont-gothic "
    "fonts-ipafont-mincho fonts-noto-cjk, or pass a folder of .ttf/.otf files with --font-dir"
)

# (keyword in lower-cased family + file name, style); first match wins.
_STYLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("kouzan", "brush"),
    ("soseki", "brush"),
    ("brush", "brush"),
    ("reggae", "display"),
    ("train", "display"),
    ("dotgothic", "display"),
    ("seto", "handwriting"),
    ("kiloji", "handwriting"),
    ("klee", "handwriting"),
    ("yozfont", "handwriting"),
    ("yusei", "handwriting"),
    ("comic", "handwriting"),
    ("humor", "handwriting"),
    ("maruberi", "rounded"),
    ("rounded", "rounded"),
    ("maru", "rounded"),
    ("mincho", "mincho"),
    ("serif", "mincho"),
    ("hanamin", "mincho"),
    ("dejima", "mincho"),
    ("ming", "mincho"),
)
_SKIP_KEYWORDS = (
    "mono",
    "code",
    "math",
    "emoji",
    "symbol",
    "hanaminb",
    " kr",
    " sc",
    " tc",
    " hk",
)
_THIN_WEIGHTS = ("thin", "extralight", "hairline", "light")
_BOLD_WEIGHTS = ("bold", "black", "heavy", "semibold", "extrabold", "medium")
_CJK_PROBE = "あア字"


@dataclass(frozen=True)
class FontFace:
    """One usable face: a file, the face index inside it (for .ttc) and what it looks like."""

    path: str
    index: int
    family: str
    style: str
    cjk: bool
    bold: bool


def default_font_dirs() -> tuple[str, ...]:
    """The usual system and user font folders for this platform."""
    home = Path.home()
    dirs = [home / ".fonts", home / ".local/share/fonts"]
    if sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path("/System/Library/Fonts"), home / "Library/Fonts"]
    elif os.name == "nt":
        windir = os.environ.get("WINDIR", "C:/Windows")
        dirs += [Path(windir) / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    return tuple(str(d) for d in dirs)


def classify(family: str, path: str, cjk: bool) -> str:
    """Map a face's names to a style (see the module docstring)."""
    if not cjk:
        name = f"{family} {Path(path).name}".lower()
        return "handwriting" if "comic" in name or "humor" in name else "latin"
    name = f"{family} {Path(path).name}".lower()
    for keyword, style in _STYLE_KEYWORDS:
        if keyword in name:
            return style
    return "gothic"


@functools.lru_cache(maxsize=192)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """A FreeType font at ``size`` pixels (cached per process; each open face of a large CJK
    collection holds megabytes, so the cache is kept small: a 4096-entry cache grew a
    training worker past 4 GB)."""
    return ImageFont.truetype(path, size=max(1, int(size)), index=index)


def _render_probe(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    mask = font.getmask(char, mode="L")
    return bytes(mask) + repr(mask.size).encode()


@functools.lru_cache(maxsize=512)
def _missing_probes(path: str, index: int) -> frozenset[bytes]:
    """What the face draws for characters it lacks (its .notdef box)."""
    font = load_font(path, index, 24)
    return frozenset(_render_probe(font, c) for c in ("\U0010fffd", "\uffff"))


@functools.lru_cache(maxsize=65536)
def has_glyph(path: str, index: int, char: str) -> bool:
    """Whether the face draws ``char`` as something other than its missing-glyph box."""
    font = load_font(path, index, 24)
    mask = font.getmask(char, mode="L")
    if mask.getbbox() is None:
        return char.isspace()
    return bytes(mask) + repr(mask.size).encode() not in _missing_probes(path, index)


def _faces_in_file(path: Path) -> list[tuple[int, str, str]]:
    """(index, family, style name) of each face in a font file; empty if unreadable."""
    faces = []
    for index in range(32 if path.suffix.lower() in (".ttc", ".otc") else 1):
        try:
            font = ImageFont.truetype(str(path), size=24, index=index)
        except OSError:
            break
        family, style_name = font.getname()
        faces.append((index, family or path.stem, style_name or ""))
    return faces


def _face_from(path: Path, index: int, family: str, style_name: str) -> FontFace | None:
    lowered = f" {family} {path.stem}".lower()
    if any(k in lowered for k in _SKIP_KEYWORDS):
        return None
    weight = style_name.lower().replace(" ", "")
    if any(weight.startswith(w) for w in _THIN_WEIGHTS):
        return None
    try:
        cjk = all(has_glyph(str(path), index, c) for c in _CJK_PROBE)
        latin = all(has_glyph(str(path), index, c) for c in "AaZz")
    except OSError:
        return None
    if not (cjk or latin):
        return None
    bold = any(w in weight for w in _BOLD_WEIGHTS)
    style = classify(family, str(path), cjk)
    return FontFace(str(path), index, family, style, cjk, bold)


@functools.lru_cache(maxsize=16)
def discover_fonts(font_dirs: tuple[str, ...] = (), system: bool = True) -> tuple[FontFace, ...]:
    """Every usable face under ``font_dirs`` (searched first) and, if ``system``, the system's.

    Faces without kana/kanji and without Latin letters are dropped, as are monospaced, code and
    thin variants and the Korean/Chinese regional variants of pan-CJK collections.
    """
    dirs = list(font_dirs) + (list(default_font_dirs()) if system else [])
    seen: set[str] = set()
    faces: list[FontFace] = []
    for folder in dirs:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            real = os.path.realpath(path)
            if path.suffix.lower() not in FONT_SUFFIXES or real in seen:
                continue
            seen.add(real)
            for index, family, style_name in _faces_in_file(path):
                face = _face_from(path, index, family, style_name)
                if face is not None:
                    faces.append(face)
    log.debug("found %d usable font faces", len(faces))
    return tuple(faces)


@dataclass(frozen=True)
class FontLibrary:
    """Faces grouped by style; ``fallback`` is a plain CJK face used for missing glyphs."""

    by_style: dict[str, tuple[FontFace, ...]]
    fallback: FontFace

    def styles(self) -> tuple[str, ...]:
        return tuple(s for s, faces in self.by_style.items() if faces)

    def pick(self, style: str, rng: np.random.Generator, bold: bool | None = None) -> FontFace:
        """A random face of ``style`` (falls back to gothic, then to any CJK face)."""
        faces = self.by_style.get(style) or self.by_style.get("gothic") or (self.fallback,)
        if bold is not None and any(f.bold == bold for f in faces):
            faces = tuple(f for f in faces if f.bold == bold)
        return faces[int(rng.integers(len(faces)))]


def font_library(font_dirs: tuple[str, ...] = (), system: bool = True) -> FontLibrary:
    """Discover fonts and group them; raises FontNotFoundError if none can draw Japanese."""
    faces = discover_fonts(tuple(font_dirs), system)
    cjk = [f for f in faces if f.cjk]
    if not cjk:
        searched = ", ".join(list(font_dirs) + (list(default_font_dirs()) if system else []))
        raise FontNotFoundError(
            f"no font able to draw Japanese text was found (searched: {searched or 'nothing'}); "
            + INSTALL_HINT
        )
    by_style: dict[str, tuple[FontFace, ...]] = {}
    for style in (*CJK_STYLES, "latin"):
        by_style[style] = tuple(f for f in faces if f.style == style and (f.cjk or style == "latin"))
    latin_handwriting = tuple(f for f in faces if f.style == "handwriting" and not f.cjk)
    by_style["latin_handwriting"] = latin_handwriting
    plain = [f for f in cjk if f.style == "gothic"] or cjk
    return FontLibrary(by_style=by_style, fallback=plain[0])


@functools.lru_cache(maxsize=8192)
def glyph_cell(face: FontFace, size: int, text: str, stroke: int = 0) -> np.ndarray:
    """``text`` (usually one character) drawn centred in a cell.

    returns: ``(S, W)`` uint8 coverage, ``S = cell_size(size, stroke)`` and ``W = S`` for one
    CJK character (wider for a Latin line); the font's em box is centred in the cell, so
    punctuation keeps its position inside the em.
    """
    side = cell_size(size, stroke)
    font = load_font(face.path, face.index, size)
    width = max(side, int(np.ceil(font.getlength(text))) + 2 * stroke + 4)
    image = Image.new("L", (width, side), 0)
    draw = ImageDraw.Draw(image)
    draw.text(
        (width / 2, side / 2),
        text,
        font=font,
        fill=255,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=255,
    )
    cell = np.asarray(image)
    cell.setflags(write=False)
    return cell


def cell_size(size: int, stroke: int = 0) -> int:
    """Side of the square cell used by :func:`glyph_cell`."""
    return int(size * 1.5) + 2 * stroke + 4


def text_width(face: FontFace, size: int, text: str) -> float:
    """Advance width of ``text`` in pixels (proportional fonts, Latin lines)."""
    return float(load_font(face.path, face.index, size).getlength(text))
