"""Reading and writing pages without losing anything.

The only module that knows PIL modes and file formats. Pages come out as ``(H, W)`` grayscale or
``(H, W, 3)`` RGB uint8 arrays; alpha, DPI, ICC profile and EXIF are kept aside in ``Page`` and
written back where the output format allows. Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import io as _bytesio
import logging
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mangaclean.errors import (
    ImageReadError,
    ImageTooLargeError,
    ImageWriteError,
    UnsupportedImageError,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 100_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")
LOSSY_FORMATS = ("JPEG", "WEBP")
_FORMAT_BY_SUFFIX = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".gif": "PNG",
}
_SUFFIX_BY_CHOICE = {"png": ".png", "jpg": ".jpg", "webp": ".webp"}
_GRAY_MODES = ("1", "L", "LA", "I;16", "I;16B", "I;16L", "I", "F")


@dataclass(frozen=True)
class Page:
    """A decoded page.

    pixels: ``(H, W)`` uint8 grayscale or ``(H, W, 3)`` uint8 RGB, EXIF orientation applied.
    alpha: ``(H, W)`` uint8 or None, carried through untouched.
    deep: ``(H, W)`` uint16 original for 16-bit pages (so unmasked pixels keep their depth).
    source_mode / source_format: what the file held (PIL names), for messages and writing back.
    info: metadata to write back where the format allows (``dpi``, ``icc_profile``, ``exif``).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    deep: np.ndarray | None = None
    source_mode: str = "L"
    source_format: str | None = None
    info: dict = field(default_factory=dict)

    @property
    def is_gray(self) -> bool:
        return self.pixels.ndim == 2

    def with_pixels(self, pixels: np.ndarray) -> Page:
        return replace(self, pixels=pixels)


def is_image_name(name: str | os.PathLike) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def read_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
    """Read a page from a file. Raises ``ImageReadError`` (or a subclass) naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise ImageReadError(f"{path}: is a folder, not an image") from exc
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return decode_image(data, str(path), max_pixels)


def decode_image(data: bytes, name: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
    """Decode image bytes; ``name`` is used in error messages (a path or ``archive.cbz:page``)."""
    if not data:
        raise ImageReadError(f"{name}: empty file (0 bytes)")
    try:
        image = Image.open(_bytesio.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise ImageReadError(f"{name}: not an image file, or a format mangaclean cannot read") from exc
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{name}: {exc}") from exc
    except OSError as exc:
        raise ImageReadError(f"{name}: corrupt image ({exc})") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} = {width * height / 1e6:.0f} megapixels is over the limit of "
            f"{max_pixels / 1e6:.0f}; raise it with --max-megapixels if the file is genuine"
        )
    try:
        image.seek(0)  # first frame of animations
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{name}: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{name}: truncated or corrupt image data ({exc})") from exc
    return _page_from_pil(image, name)


def _page_from_pil(image: Image.Image, name: str) -> Page:
    mode = image.mode
    info = {key: image.info[key] for key in ("dpi", "icc_profile") if key in image.info}
    exif = image.getexif()
    if exif:
        exif[0x0112] = 1  # orientation already applied to the pixels
        info["exif"] = exif.tobytes()
    common = {"source_mode": mode, "source_format": image.format, "info": info}
    if mode == "P":
        has_alpha = "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        if _palette_is_gray(image):
            image = image.convert("LA" if has_alpha else "L")
        mode = image.mode
    if mode in ("1", "L"):
        return Page(_array(image, "L"), **common)
    if mode == "LA":
        return Page(_array(image.getchannel("L"), "L"), alpha=_array(image.getchannel("A"), "L"), **common)
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        deep = np.asarray(image, dtype=np.int64)
        if deep.max(initial=0) > 65535 or deep.min(initial=0) < 0:
            raise UnsupportedImageError(f"{name}: 32-bit integer pixels are not supported")
        deep = deep.astype(np.uint16)
        return Page(_to_8bit(deep), deep=deep, **common)
    if mode in ("RGB", "CMYK", "YCbCr", "LAB", "HSV"):
        return Page(_array(image, "RGB"), **common)
    if mode in ("RGBA", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        return Page(_array(rgba, "RGB"), alpha=_array(rgba.getchannel("A"), "L"), **common)
    raise UnsupportedImageError(f"{name}: image mode {mode!r} is not supported")


def _array(image: Image.Image, mode: str, rows: int = 256) -> np.ndarray:
    """The pixels of ``image`` in ``mode``, copied ``rows`` at a time, so a large scan never has
    more than one extra copy in memory (whole-image conversion holds two or three: 300-450 MB
    more for a 6000x8000 RGB page)."""
    width, height = image.size
    out = np.empty((height, width, 3) if mode == "RGB" else (height, width), dtype=np.uint8)
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(top + rows, height)))
        out[top : top + rows] = np.asarray(strip if strip.mode == mode else strip.convert(mode))
    return out


def _palette_is_gray(rgb: Image.Image) -> bool:
    channels = np.asarray(rgb)[..., :3]
    return bool((channels[..., 0] == channels[..., 1]).all() and (channels[..., 1] == channels[..., 2]).all())


def _to_8bit(deep: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint16 -> uint8 by rounding (65535 -> 255)."""
    return ((deep.astype(np.uint32) + 128) // 257).astype(np.uint8)


def output_suffix(input_name: str, choice: str = "same") -> str:
    """The output file suffix for ``--format same|png|jpg|webp``. GIF pages are written as PNG."""
    if choice != "same":
        return _SUFFIX_BY_CHOICE[choice]
    suffix = Path(input_name).suffix.lower()
    return ".png" if suffix == ".gif" or suffix not in _FORMAT_BY_SUFFIX else suffix


def format_for(path: str | os.PathLike) -> str:
    """PIL format name for an output path, from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMAT_BY_SUFFIX:
        raise ImageWriteError(f"{path}: unknown output format {suffix!r}")
    return _FORMAT_BY_SUFFIX[suffix]


def encode_image(page: Page, fmt: str, quality: int = 95) -> bytes:
    """Encode a page as ``fmt`` (PIL name), carrying alpha, depth and metadata where possible."""
    image = _pil_from_page(page, fmt)
    options: dict = {k: v for k, v in page.info.items() if k in ("dpi", "icc_profile", "exif")}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    if fmt == "JPEG":
        options["subsampling"] = 0
    if fmt == "BMP":
        options.pop("icc_profile", None)
        options.pop("exif", None)
    if fmt == "TIFF":
        options["compression"] = "tiff_lzw"
    buffer = _bytesio.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _pil_from_page(page: Page, fmt: str) -> Image.Image:
    if page.deep is not None and fmt in ("PNG", "TIFF"):
        changed = _to_8bit(page.deep) != page.pixels
        deep = page.deep.copy()
        deep[changed] = page.pixels[changed].astype(np.uint16) * 257
        return Image.fromarray(deep)  # 16-bit: unchanged pixels keep their full depth
    image = Image.fromarray(page.pixels, "L" if page.is_gray else "RGB")
    if page.source_mode == "1" and fmt in ("PNG", "TIFF", "BMP"):
        return image.convert("1", dither=Image.Dither.NONE)
    if page.alpha is not None and fmt in ("PNG", "WEBP", "TIFF"):
        image.putalpha(Image.fromarray(page.alpha, "L"))
    elif page.alpha is not None:
        log.warning("%s output has no alpha channel: transparency is dropped", fmt)
    return image


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ImageWriteError(f"{path}: cannot create output ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImageWriteError(f"{path}: cannot write ({exc.strerror or exc})") from exc
        raise


def write_image(path: str | os.PathLike, page: Page, quality: int = 95) -> None:
    """Encode ``page`` in the format named by ``path``'s suffix and write it atomically."""
    write_bytes_atomic(path, encode_image(page, format_for(path), quality))


def write_mask(path: str | os.PathLike, mask: np.ndarray) -> None:
    """Write a ``(H, W)`` bool mask as an ``L`` PNG with 255 = text, atomically."""
    buffer = _bytesio.BytesIO()
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L").save(buffer, format="PNG")
    write_bytes_atomic(path, buffer.getvalue())


def read_mask(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a mask file as ``(H, W)`` bool (``> 127`` = text); check its size against ``shape``."""
    page = read_image(path)
    mask = page.pixels if page.is_gray else page.pixels.max(axis=2)
    if shape is not None and mask.shape != tuple(shape):
        raise ImageReadError(
            f"{path}: mask is {mask.shape[1]}x{mask.shape[0]}, page is {shape[1]}x{shape[0]}"
        )
    return mask > 127


def as_rgb(pixels: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W, 3)`` uint8."""
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels


def as_gray(pixels: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 (ITU-R 601 luma)."""
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)  # fixed-point: no float copy of the page
