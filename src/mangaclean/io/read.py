"""Reading pages without losing anything.

Pages come out as ``(H, W)`` grayscale or ``(H, W, 3)`` RGB uint8 arrays in a ``Page``, with
alpha, 16-bit depth, DPI, ICC profile and EXIF kept aside for writing back.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import stat
import tempfile
import threading
import warnings
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path

import cv2
import numpy as np
from PIL import (  # the accepted formats' plugins, registered for Image.open(formats=...)
    BmpImagePlugin,  # noqa: F401
    GifImagePlugin,  # noqa: F401
    Image,
    ImageOps,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    TiffImagePlugin,  # noqa: F401
    UnidentifiedImageError,
    WebPImagePlugin,  # noqa: F401
)

from mangaclean.errors import (
    ImageReadError,
    ImageTooLargeError,
    MangacleanError,
    UnsupportedImageError,
)
from mangaclean.io.formats import ACCEPTED_FORMATS, DEFAULT_MAX_PIXELS, max_file_bytes

log = logging.getLogger(__name__)

# EXIF tags carried to the output: descriptive ones only. A TIFF's EXIF is its whole first IFD,
# whose structure tags (PhotometricInterpretation, BitsPerSample, ...) describe the source's pixel
# layout: copied onto converted pixels they make the output unreadable or miscoloured.
_EXIF_KEPT = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298, 0x8769, 0x8825)
_EXIF_SUB_IFDS = (0x8769, 0x8825)
_PIL_LIMIT_LOCK = threading.Lock()
GRAY_MODES = ("1", "L", "LA", "I;16", "I;16B", "I;16L", "I", "F")


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


def read_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
    """Read a page from a file. Raises ``ImageReadError`` (or a subclass) naming the file.

    Only regular files are read (a symlink to one is followed): a device or a FIFO named
    ``.png`` would otherwise fill the memory or block forever.
    """
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImageReadError(f"{path}: is a folder, not an image")
        if not stat.S_ISREG(info.st_mode):
            raise ImageReadError(f"{path}: not a regular file (a device, FIFO or socket): not read")
        if info.st_size > max_file_bytes(max_pixels):
            raise ImageTooLargeError(
                f"{path}: {info.st_size / 1e6:.0f} MB is too large for a page of at most "
                f"{max_pixels / 1e6:.0f} megapixels; raise --max-megapixels if the file is genuine"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return decode_image(data, str(path), max_pixels)


def decode_image(data: bytes, name: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
    """Decode image bytes; ``name`` is used in error messages (a path or ``archive.cbz:page``).

    Formats are judged by content (``ACCEPTED_FORMATS``). Whatever a hostile or damaged file
    makes the decoder raise becomes an ``ImageReadError`` naming it; the decoder's warnings are
    logged with the name.
    """
    if not data:
        raise ImageReadError(f"{name}: empty file (0 bytes)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            page = _decode(data, name, max_pixels)
        except MangacleanError:
            raise
        except MemoryError as exc:
            raise ImageReadError(f"{name}: not enough memory to decode this image") from exc
        except Exception as exc:  # Pillow's plugins raise many types on corrupt data
            raise ImageReadError(f"{name}: truncated or corrupt image data ({error_reason(exc)})") from exc
    for warning in caught:
        log.warning("%s: %s", name, warning.message)
    return page


def _decode(data: bytes, name: str, max_pixels: int) -> Page:
    try:
        with _PIL_LIMIT_LOCK:  # Pillow's own bomb guard follows ours (it is a module global)
            limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
            try:
                image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
            finally:
                Image.MAX_IMAGE_PIXELS = limit
    except UnidentifiedImageError as exc:
        raise ImageReadError(
            f"{name}: not an image mangaclean reads (PNG, JPEG, WebP, TIFF, BMP or GIF), "
            "or too damaged to tell"
        ) from exc
    except Image.DecompressionBombError:
        image = None
    width, height = image.size if image is not None else (0, 0)
    if image is None or width * height > max_pixels:
        size = f"{width}x{height} = {width * height / 1e6:.0f} megapixels" if image else "the image"
        raise ImageTooLargeError(
            f"{name}: {size} is over the limit of {max_pixels / 1e6:.0f} megapixels; "
            "raise it with --max-megapixels if the file is genuine"
        )
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise UnsupportedImageError(
            f"{name}: holds {frames} images (pages or animation frames); mangaclean cleans one "
            "image per file: split it first (e.g. tiffsplit, or convert -coalesce)"
        )
    with _libtiff_messages(name) if image.format == "TIFF" else contextlib.nullcontext():
        image.load()
    ImageOps.exif_transpose(image, in_place=True)
    return _page_from_pil(image, name)


@contextlib.contextmanager
def _libtiff_messages(name: str):
    """libtiff prints its warnings straight to the process's stderr, naming a temporary file of
    Pillow's: catch them while a TIFF decodes and log them under the page's name instead."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode(errors="replace").splitlines():
                if line.strip():
                    log.warning("%s: %s", name, line.strip().removeprefix("tempfile.tif: "))


def quiet_pillow_log() -> None:
    """Pillow logs some failures itself before raising them, naming no file; every one of them
    reaches the user as mangaclean's own error naming the file, so its log stays quiet."""
    logging.getLogger("PIL").setLevel(logging.CRITICAL)


def error_reason(exc: BaseException) -> str:
    """``Type: message`` of an exception, for error lines."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _page_from_pil(image: Image.Image, name: str) -> Page:
    page = pixels_from_pil(image, name)
    return replace(page, source_mode=image.mode, source_format=image.format, info=_metadata(image, page))


def pixels_from_pil(image: Image.Image, name: str) -> Page:
    mode = image.mode
    if mode == "P":
        has_alpha = "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        if _palette_is_gray(image):
            image = image.convert("LA" if has_alpha else "L")
        mode = image.mode
    if mode in ("1", "L"):
        return Page(_array(image, "L"))
    if mode == "LA":
        return Page(_array(image.getchannel("L"), "L"), alpha=_array(image.getchannel("A"), "L"))
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        deep = np.asarray(image, dtype=np.int64)
        if deep.max(initial=0) > 65535 or deep.min(initial=0) < 0:
            raise UnsupportedImageError(f"{name}: 32-bit integer pixels are not supported")
        deep = deep.astype(np.uint16)
        return Page(to_8bit(deep), deep=deep)
    if mode in ("RGB", "CMYK", "YCbCr", "LAB", "HSV"):
        return Page(_array(image, "RGB"))
    if mode in ("RGBA", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        return Page(_array(rgba, "RGB"), alpha=_array(rgba.getchannel("A"), "L"))
    raise UnsupportedImageError(f"{name}: image mode {mode!r} is not supported")


def _metadata(image: Image.Image, page: Page) -> dict:
    """What can be written back without lying about the pixels: a finite DPI, an ICC profile
    whose colour space is the page's (a CMYK or Lab profile on RGB pixels would recolour them),
    descriptive EXIF with the orientation already applied."""
    info = {}
    dpi = image.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2 and all(_positive_finite(v) for v in dpi):
        info["dpi"] = dpi
    profile = image.info.get("icc_profile")
    declared = profile[16:20] if isinstance(profile, bytes) and profile[36:40] == b"acsp" else None
    if profile and declared in (None, b"GRAY" if page.is_gray else b"RGB "):
        info["icc_profile"] = profile
    source = image.getexif()
    kept = Image.Exif()
    for tag in _EXIF_KEPT:
        if tag in source:
            kept[tag] = source.get_ifd(tag) if tag in _EXIF_SUB_IFDS else source[tag]
    if len(kept):
        kept[0x0112] = 1
        info["exif"] = kept.tobytes()
    return info


def _positive_finite(value) -> bool:
    try:
        return math.isfinite(float(value)) and float(value) > 0
    except (TypeError, ValueError):
        return False


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


def to_8bit(deep: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint16 -> uint8 by rounding (65535 -> 255)."""
    return ((deep.astype(np.uint32) + 128) // 257).astype(np.uint8)


def read_mask(
    path: str | os.PathLike, shape: tuple[int, int] | None = None, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Read a mask file as ``(H, W)`` bool (``> 127`` = text, and opaque where it has alpha, as an
    editor exports a mask layer); check its size against ``shape``."""
    page = read_image(path, max_pixels)
    mask = page.pixels if page.is_gray else page.pixels.max(axis=2)
    if page.alpha is not None:
        mask = np.where(page.alpha > 127, mask, 0)
    if shape is not None and mask.shape != tuple(shape):
        raise ImageReadError(
            f"{path}: mask is {mask.shape[1]}x{mask.shape[0]}, page is {shape[1]}x{shape[0]}"
        )
    return mask > 127


def check_pixels(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` if it is an ``(H, W)`` or ``(H, W, 3)`` uint8 array, else a ValueError."""
    if (
        not isinstance(pixels, np.ndarray)
        or pixels.dtype != np.uint8
        or not (pixels.ndim == 2 or pixels.ndim == 3 and pixels.shape[2] == 3)
    ):
        shape = getattr(pixels, "shape", None)
        raise ValueError(f"expected an (H, W) or (H, W, 3) uint8 array, got {type(pixels).__name__} {shape}")
    return pixels


def as_rgb(pixels: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W, 3)`` uint8."""
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels


def as_gray(pixels: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 (ITU-R 601 luma)."""
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)  # fixed-point: no float copy of the page
