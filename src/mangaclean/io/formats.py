"""File formats: which ones a page may hold (judged by content), and what an output is named.

No pixels here; ``read`` and ``write`` decode and encode.
"""

from __future__ import annotations

import os
from pathlib import Path

from mangaclean.errors import ImageWriteError

DEFAULT_MAX_PIXELS = 100_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jfif", ".webp", ".tif", ".tiff", ".bmp", ".gif")
LOSSY_FORMATS = ("JPEG", "WEBP")
# What a page file may hold, judged by its content (never by its name): Pillow reads dozens of
# formats (EPS through Ghostscript, SGI, PCX...), and each one is attack surface on hostile files.
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF")  # JPEG includes MPO
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)
_SUFFIX_BY_FORMAT = {
    "PNG": ".png",
    "JPEG": ".jpg",
    "WEBP": ".webp",
    "TIFF": ".tif",
    "BMP": ".bmp",
    "GIF": ".png",
}
_FORMAT_BY_SUFFIX = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jfif": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".gif": "PNG",
}
_SUFFIX_BY_CHOICE = {"png": ".png", "jpg": ".jpg", "webp": ".webp"}
_SOURCE_FORMAT_BY_SUFFIX = {**_FORMAT_BY_SUFFIX, ".gif": "GIF"}


def is_image_name(name: str | os.PathLike) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def max_file_bytes(max_pixels: int) -> int:
    """The largest page file read: room for ``max_pixels`` of uncompressed 16-bit RGB, plus
    headers. A guard against files (or archive members) that would fill the memory."""
    return max_pixels * 6 + (16 << 20)


def sniff_format(head: bytes) -> str | None:
    """The accepted format (PIL name) that the first bytes of a file announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for magic, fmt in _MAGIC if head.startswith(magic)), None)


def output_suffix(input_name: str, choice: str = "same", content: str | None = None) -> str:
    """The output file suffix for ``--format same|png|jpg|webp``. GIF pages are written as PNG.

    content: the format the input's bytes announce (``sniff_format``). With ``same`` it wins over
    the name: a PNG named ``.jpg`` stays a lossless PNG, written as ``.png``.
    """
    if choice != "same":
        return _SUFFIX_BY_CHOICE[choice]
    suffix = Path(input_name).suffix.lower()
    content = "JPEG" if content == "MPO" else content
    if content is None or _SOURCE_FORMAT_BY_SUFFIX.get(suffix) == content:
        return ".png" if suffix == ".gif" or suffix not in _FORMAT_BY_SUFFIX else suffix
    return _SUFFIX_BY_FORMAT[content]


def format_for(path: str | os.PathLike) -> str:
    """PIL format name for an output path, from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMAT_BY_SUFFIX:
        raise ImageWriteError(f"{path}: unknown output format {suffix!r}")
    return _FORMAT_BY_SUFFIX[suffix]
