"""Writing pages without losing anything: encoded with their metadata, re-read before they are
written, written atomically (temporary file + rename) with the umask's permissions.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from mangaclean.errors import ImageWriteError
from mangaclean.io.formats import LOSSY_FORMATS, format_for
from mangaclean.io.read import (
    GRAY_MODES,
    Page,
    as_gray,
    as_rgb,
    check_pixels,
    error_reason,
    pixels_from_pil,
    to_8bit,
)

_ALPHA_FORMATS = ("PNG", "WEBP", "TIFF")
VERIFY_MAX_PIXELS = 25_000_000
# A lossy output may differ pixel by pixel (WebP halves the colour resolution), but not in its
# mean colour over its visible pixels: a colour-space mix-up moves a channel's mean by tens of
# levels. At quality 95 the allowed shift is 4 levels, growing as the quality falls.
_LOSSY_MEAN_SHIFT = 4.0


def drops_alpha(page: Page, fmt: str) -> bool:
    """Whether writing ``page`` as ``fmt`` loses its transparency (JPEG and BMP have none)."""
    return page.alpha is not None and fmt not in _ALPHA_FORMATS


def encode_image(page: Page, fmt: str, quality: int = 95) -> bytes:
    """Encode a page as ``fmt`` (PIL name), carrying alpha, depth and metadata where possible."""
    image = _pil_from_page(page, fmt)
    options: dict = {k: v for k, v in page.info.items() if k in ("dpi", "icc_profile", "exif")}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    if fmt == "JPEG":
        options["subsampling"] = 0
    if fmt == "WEBP":
        options["exact"] = page.alpha is not None  # keep the colour under transparent pixels
        if page.is_gray:  # WebP stores grey pages as RGB: a grey ICC profile would not fit
            options.pop("icc_profile", None)
    if fmt == "BMP":
        options.pop("icc_profile", None)
        options.pop("exif", None)
    if fmt == "TIFF":
        options["compression"] = "tiff_lzw"
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _pil_from_page(page: Page, fmt: str) -> Image.Image:
    if page.deep is not None and fmt in ("PNG", "TIFF"):
        changed = to_8bit(page.deep) != page.pixels
        deep = page.deep.copy()
        deep[changed] = page.pixels[changed].astype(np.uint16) * 257
        return Image.fromarray(deep)  # 16-bit: unchanged pixels keep their full depth
    image = Image.fromarray(page.pixels, "L" if page.is_gray else "RGB")
    if page.source_mode == "1" and fmt in ("PNG", "TIFF", "BMP"):
        return image.convert("1", dither=Image.Dither.NONE)
    if page.alpha is not None and fmt in _ALPHA_FORMATS:
        image.putalpha(Image.fromarray(page.alpha, "L"))
    return image


def check_encoded(data: bytes, page: Page, fmt: str, name: str, quality: int = 95) -> None:
    """Re-open an encoded page and check that it holds what was meant, so no unreadable or
    recoloured file is ever reported as done: same size and kind (grey or colour); the same
    pixels for lossless formats, the same mean colour (within a margin set by ``quality``) over
    the visible pixels for JPEG/WebP. Pages over
    ``VERIFY_MAX_PIXELS`` get the header check only (a full decode would double their memory)."""
    height, width = page.pixels.shape[:2]
    try:
        with Image.open(BytesIO(data), formats=(fmt,)) as image:
            problem = _encoded_problem(image, page, fmt, width * height <= VERIFY_MAX_PIXELS, quality)
    except Exception as exc:  # whatever stops the file from reading back
        problem = f"it does not read back ({error_reason(exc)})"
    if problem:
        raise ImageWriteError(f"{name}: not written: the encoded {fmt} file is wrong: {problem}")


def _encoded_problem(image: Image.Image, page: Page, fmt: str, full: bool, quality: int) -> str | None:
    height, width = page.pixels.shape[:2]
    if image.size != (width, height):
        return f"size {image.size[0]}x{image.size[1]}, expected {width}x{height}"
    kinds = GRAY_MODES if page.is_gray and fmt != "WEBP" else ("RGB", "RGBA") + GRAY_MODES * page.is_gray
    if image.mode not in kinds:
        return f"mode {image.mode}"
    if not full or image.mode == "1":
        return None
    back = pixels_from_pil(image, "").pixels
    back = as_gray(back) if page.is_gray else as_rgb(back)
    if fmt not in LOSSY_FORMATS:
        changed = np.count_nonzero(back != page.pixels)
        return f"{changed} pixel values differ from the cleaned page" if changed else None
    visible = page.alpha > 0 if page.alpha is not None and fmt in _ALPHA_FORMATS else np.s_[...]
    shift = np.abs(back[visible].mean(axis=0) - page.pixels[visible].mean(axis=0)).max()
    limit = _LOSSY_MEAN_SHIFT * 95 / max(quality, 10)
    return f"its mean colour is {shift:.1f} levels off" if shift > limit else None


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (``atomic_output``)."""
    with atomic_output(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A file handle whose content becomes ``path`` only when the block ends cleanly: it writes a
    temporary file in the same folder (``.NAME.xxxxxxxx.part``), synced then renamed over
    ``path``, and deleted on any error. A new file gets the mode the umask gives (0644 under
    022); a replaced file keeps its mode. OS errors become ``ImageWriteError`` naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _new_file_mode(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ImageWriteError(f"{path}: cannot create output ({exc.strerror or exc})") from exc
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImageWriteError(f"{path}: cannot write ({exc.strerror or exc})") from exc
        raise


def _new_file_mode(path: Path) -> int:
    """The mode an output written at ``path`` gets: the replaced file's, else the umask's."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def remove_stale_parts(outputs: Iterable[Path]) -> int:
    """Delete the temporary files (``.NAME.xxxxxxxx.part``) that a killed run left beside any of
    ``outputs``, so a resumed batch ends with none. Returns how many were removed."""
    names_by_folder: dict[Path, set[str]] = {}
    for output in outputs:
        names_by_folder.setdefault(Path(output).parent, set()).add(Path(output).name)
    removed = 0
    for folder, names in names_by_folder.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.startswith(".") and entry.endswith(".part") and entry[1:-5].rsplit(".", 1)[0] in names:
                (folder / entry).unlink(missing_ok=True)
                removed += 1
    return removed


def encode_checked(page: Page, fmt: str, name: str, quality: int = 95) -> bytes:
    """``encode_image`` whose result ``check_encoded`` has read back; ``name`` for the error."""
    data = encode_image(page, fmt, quality)
    check_encoded(data, page, fmt, name, quality)
    return data


def write_image(path: str | os.PathLike, page: Page | np.ndarray, quality: int = 95) -> None:
    """Encode ``page`` (a ``Page``, or an ``(H, W)`` / ``(H, W, 3)`` uint8 array) in the format
    named by ``path``'s suffix, check that it reads back, and write it atomically."""
    if isinstance(page, np.ndarray):
        page = Page(check_pixels(page))
    write_bytes_atomic(path, encode_checked(page, format_for(path), str(path), quality))


def encode_mask(mask: np.ndarray) -> bytes:
    """A ``(H, W)`` bool mask as an ``L`` PNG with 255 = text."""
    buffer = BytesIO()
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L").save(buffer, format="PNG")
    return buffer.getvalue()


def encode_preview(pixels: np.ndarray) -> bytes:
    """``(H, W)`` / ``(H, W, 3)`` uint8 pixels as a PNG compressed fast (zlib level 1: about 1 s
    for a 6000x8000 grey scan, 2.7x faster than the default), for showing, not for keeping."""
    buffer = BytesIO()
    Image.fromarray(check_pixels(pixels)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def encode_overlay(mask: np.ndarray, rgb: tuple[int, int, int]) -> bytes:
    """A ``(H, W)`` bool mask as a two-colour palette PNG: transparent, and ``rgb`` where True
    (0.1 s for a 6000x8000 mask where an RGBA PNG takes 4.7 s)."""
    image = Image.fromarray(np.asarray(mask, dtype=bool).view(np.uint8), "P")
    image.putpalette([0, 0, 0, *rgb])
    buffer = BytesIO()
    image.save(buffer, format="PNG", transparency=0, compress_level=1)
    return buffer.getvalue()


def write_mask(path: str | os.PathLike, mask: np.ndarray) -> None:
    """Write a ``(H, W)`` bool mask as an ``L`` PNG with 255 = text, atomically."""
    write_bytes_atomic(path, encode_mask(mask))
