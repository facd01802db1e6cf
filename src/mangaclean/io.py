"""Reading and writing pages without losing anything.

The only module that knows PIL modes and file formats. Pages come out as ``(H, W)`` grayscale or
``(H, W, 3)`` RGB uint8 arrays; alpha, DPI, ICC profile and EXIF are kept aside in ``Page`` and
written back where the output format allows. Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import contextlib
import functools
import io as _bytesio
import logging
import math
import os
import stat
import tempfile
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
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
    ImageWriteError,
    MangacleanError,
    UnsupportedImageError,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 100_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")
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
# EXIF tags carried to the output: descriptive ones only. A TIFF's EXIF is its whole first IFD,
# whose structure tags (PhotometricInterpretation, BitsPerSample, ...) describe the source's pixel
# layout: copied onto converted pixels they make the output unreadable or miscoloured.
_EXIF_KEPT = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298, 0x8769, 0x8825)
_EXIF_SUB_IFDS = (0x8769, 0x8825)
_PIL_LIMIT_LOCK = threading.Lock()
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
_SOURCE_FORMAT_BY_SUFFIX = {**_FORMAT_BY_SUFFIX, ".gif": "GIF"}
_ALPHA_FORMATS = ("PNG", "WEBP", "TIFF")
VERIFY_MAX_PIXELS = 25_000_000
# A lossy output may differ pixel by pixel (WebP halves the colour resolution), but not in its
# mean colour: a colour-space mix-up moves a channel's mean by tens of levels.
_LOSSY_MEAN_SHIFT = 4.0
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


def max_file_bytes(max_pixels: int) -> int:
    """The largest page file read: room for ``max_pixels`` of uncompressed 16-bit RGB, plus
    headers. A guard against files (or archive members) that would fill the memory."""
    return max_pixels * 6 + (16 << 20)


def sniff_format(head: bytes) -> str | None:
    """The accepted format (PIL name) that the first bytes of a file announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for magic, fmt in _MAGIC if head.startswith(magic)), None)


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
            raise ImageReadError(f"{name}: truncated or corrupt image data ({_reason(exc)})") from exc
    for warning in caught:
        log.warning("%s: %s", name, warning.message)
    return page


def _decode(data: bytes, name: str, max_pixels: int) -> Page:
    try:
        with _PIL_LIMIT_LOCK:  # Pillow's own bomb guard follows ours (it is a module global)
            limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
            try:
                image = Image.open(_bytesio.BytesIO(data), formats=ACCEPTED_FORMATS)
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


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _page_from_pil(image: Image.Image, name: str) -> Page:
    page = _pixels_from_pil(image, name)
    return replace(page, source_mode=image.mode, source_format=image.format, info=_metadata(image, page))


def _pixels_from_pil(image: Image.Image, name: str) -> Page:
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
        return Page(_to_8bit(deep), deep=deep)
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


def _to_8bit(deep: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint16 -> uint8 by rounding (65535 -> 255)."""
    return ((deep.astype(np.uint32) + 128) // 257).astype(np.uint8)


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
    if page.alpha is not None and fmt in _ALPHA_FORMATS:
        image.putalpha(Image.fromarray(page.alpha, "L"))
    return image


def check_encoded(data: bytes, page: Page, fmt: str, name: str) -> None:
    """Re-open an encoded page and check that it holds what was meant, so no unreadable or
    recoloured file is ever reported as done: same size and kind (grey or colour); the same
    pixels for lossless formats, within a small error for JPEG/WebP. Pages over
    ``VERIFY_MAX_PIXELS`` get the header check only (a full decode would double their memory)."""
    height, width = page.pixels.shape[:2]
    try:
        with Image.open(_bytesio.BytesIO(data), formats=(fmt,)) as image:
            problem = _encoded_problem(image, page, fmt, width * height <= VERIFY_MAX_PIXELS)
    except Exception as exc:  # whatever stops the file from reading back
        problem = f"it does not read back ({_reason(exc)})"
    if problem:
        raise ImageWriteError(f"{name}: not written: the encoded {fmt} file is wrong: {problem}")


def _encoded_problem(image: Image.Image, page: Page, fmt: str, full: bool) -> str | None:
    height, width = page.pixels.shape[:2]
    if image.size != (width, height):
        return f"size {image.size[0]}x{image.size[1]}, expected {width}x{height}"
    kinds = _GRAY_MODES if page.is_gray and fmt != "WEBP" else ("RGB", "RGBA") + _GRAY_MODES * page.is_gray
    if image.mode not in kinds:
        return f"mode {image.mode}"
    if not full or image.mode == "1":
        return None
    back = _pixels_from_pil(image, "").pixels
    back = as_gray(back) if page.is_gray else as_rgb(back)
    if fmt not in LOSSY_FORMATS:
        changed = np.count_nonzero(back != page.pixels)
        return f"{changed} pixel values differ from the cleaned page" if changed else None
    axes = (0, 1)
    shift = np.abs(back.mean(axis=axes) - page.pixels.mean(axis=axes)).max()
    return f"its mean colour is {shift:.1f} levels off" if shift > _LOSSY_MEAN_SHIFT else None


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    A new file gets the mode the umask gives (0644 under 022); a replaced file keeps its mode.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = new_file_mode(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ImageWriteError(f"{path}: cannot create output ({exc.strerror or exc})") from exc
    try:
        os.fchmod(fd, mode)
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


def new_file_mode(path: Path) -> int:
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


def write_image(path: str | os.PathLike, page: Page | np.ndarray, quality: int = 95) -> None:
    """Encode ``page`` (a ``Page``, or an ``(H, W)`` / ``(H, W, 3)`` uint8 array) in the format
    named by ``path``'s suffix and write it atomically."""
    if isinstance(page, np.ndarray):
        page = Page(check_pixels(page))
    write_bytes_atomic(path, encode_image(page, format_for(path), quality))


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
