"""Layered page files for the editor a typesetter finishes in: PSD and OpenRaster (.ora).

Three layers, bottom to top, each the size of the page:

1. ``Original``: the page as read, locked (pixels, transparency and position).
2. ``Cleaned``: the cleaned pixels where the removal mask is set, transparent elsewhere, so
   erasing part of it in the editor brings the original back.
3. ``Removal mask``: hidden; opaque where pixels were changed, transparent elsewhere. White on a
   grey page, red on a colour one; the transparent pixels hold black. Saved on its own from an
   editor, the layer is then a mask file ``read_mask`` reads as is (``> 127`` = removed), and
   red shows over both black ink and white paper when the layer is switched on.

Visible, the stack composes to the cleaned page; the flattened image each format stores beside
the layers (PSD image data, ``mergedimage.png``) is the cleaned page itself, byte for byte.
Grey pages stay grey (PSD Grayscale mode, ``LA`` PNG layers); DPI and ICC profile are carried.

Alpha: the page's alpha is the ``Original`` layer's transparency and the ``Cleaned`` layer's on
the mask; the flattened image keeps it. Where the mask covers partly transparent pixels the
layers cannot compose exactly (one translucent pixel over another is more opaque than either);
wherever the alpha is 0 or 255 they do. Sixteen-bit pages are written with their 8-bit pixels.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from PIL import Image

from mangaclean.errors import BackendUnavailableError
from mangaclean.io.read import Page, check_pixels

ORIGINAL, CLEANED, REMOVAL_MASK = "Original", "Cleaned", "Removal mask"
ORA_MIMETYPE = b"image/openraster"
THUMBNAIL_SIZE = 256
_MASK_COLOUR_GRAY = 255
_MASK_COLOUR_RGB = (255, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed date: the same page gives the same bytes


@dataclass(frozen=True)
class Layer:
    """One full-page layer: ``pixels`` ``(H, W)`` or ``(H, W, 3)`` uint8, ``alpha`` ``(H, W)`` uint8."""

    name: str
    pixels: np.ndarray
    alpha: np.ndarray
    visible: bool = True
    locked: bool = False


def layer_stack(page: Page, cleaned: np.ndarray, mask: np.ndarray) -> tuple[Layer, Layer, Layer]:
    """The three layers, bottom to top (see the module docstring).

    page.pixels / cleaned: ``(H, W)`` or ``(H, W, 3)`` uint8, same shape; mask: ``(H, W)`` bool.
    Raises ValueError when the arrays do not fit together.
    """
    original = check_pixels(page.pixels)
    check_pixels(cleaned)
    if cleaned.shape != original.shape:
        raise ValueError(f"cleaned page is {cleaned.shape}, the original {original.shape}")
    if mask.dtype != bool or mask.shape != original.shape[:2]:
        raise ValueError(f"expected an {original.shape[:2]} bool mask, got {mask.dtype} {mask.shape}")
    page_alpha = _page_alpha(page)
    opaque = np.full(mask.shape, 255, dtype=np.uint8)
    colour = _MASK_COLOUR_GRAY if page.is_gray else _MASK_COLOUR_RGB
    marks = np.zeros_like(original)
    marks[mask] = colour
    return (
        Layer(ORIGINAL, original, opaque if page_alpha is None else page_alpha, locked=True),
        Layer(CLEANED, np.where(_expand(mask, cleaned), cleaned, 0).astype(np.uint8), _on(mask, page_alpha)),
        Layer(REMOVAL_MASK, marks, _on(mask, None), visible=False),
    )


def _page_alpha(page: Page) -> np.ndarray | None:
    alpha = page.alpha
    if alpha is not None and (alpha.dtype != np.uint8 or alpha.shape != page.pixels.shape[:2]):
        raise ValueError(f"expected an {page.pixels.shape[:2]} uint8 alpha, got {alpha.dtype} {alpha.shape}")
    return alpha


def _on(mask: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """``(H, W)`` uint8: ``alpha`` (or 255) where ``mask`` is set, 0 elsewhere."""
    return np.where(mask, 255 if alpha is None else alpha, 0).astype(np.uint8)


def _expand(mask: np.ndarray, like: np.ndarray) -> np.ndarray:
    return mask if like.ndim == 2 else mask[..., None]


def _with_alpha(pixels: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """``(H, W, C)`` uint8: ``pixels`` with ``alpha`` as one more channel (none if None)."""
    planes = pixels[..., None] if pixels.ndim == 2 else pixels
    return planes if alpha is None else np.concatenate([planes, alpha[..., None]], axis=2)


def _dpi(page: Page) -> tuple[float, float] | None:
    """The page's (x, y) DPI if it has a usable one (both in (0, 65536))."""
    dpi = page.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2 and all(0 < float(v) < 65536 for v in dpi):
        return float(dpi[0]), float(dpi[1])
    return None


# --- PSD -------------------------------------------------------------------------------------

_LOCK_ALL = 0x01 | 0x02 | 0x04  # lspf: transparency, pixels ("composite"), position


def require_psd_tools() -> None:
    """Raise ``BackendUnavailableError`` unless psd-tools (the ``layers`` extra) is installed."""
    try:
        import psd_tools  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailableError(
            "writing PSD files needs psd-tools: pip install 'mangaclean[layers]' "
            "(OpenRaster .ora needs nothing extra)"
        ) from exc


def layered_psd(page: Page, cleaned: np.ndarray, mask: np.ndarray) -> bytes:
    """The layered page as a PSD file (PSB past 30,000 px a side), Grayscale or RGB, 8-bit.

    page.pixels / cleaned: ``(H, W)`` or ``(H, W, 3)`` uint8; mask: ``(H, W)`` bool.
    Raises ``BackendUnavailableError`` without psd-tools, ValueError on mismatched arrays.
    """
    require_psd_tools()
    from psd_tools import PSDImage
    from psd_tools.api.layers import PixelLayer
    from psd_tools.constants import Compression, Tag
    from psd_tools.psd.image_data import ImageData

    layers = layer_stack(page, cleaned, mask)
    height, width = mask.shape
    mode = ("L" if page.is_gray else "RGB") + ("A" if page.alpha is not None else "")
    document = PSDImage.new(mode, (width, height))
    for layer in layers:
        added = PixelLayer.fromarray(_with_alpha(layer.pixels, layer.alpha), document, name=layer.name)
        added.name = layer.name  # again, through the API: adds the Unicode name block Photoshop writes
        added.visible = layer.visible
        if layer.locked:
            # Not Layer.lock(): in psd-tools 1.26 it stores 0 on a layer with no lock block yet.
            added.tagged_blocks.set_data(Tag.PROTECTED_SETTING, _LOCK_ALL)
            # The record's own flag too, as Photoshop sets it: GIMP 2.10 reads only this one.
            added._record.flags.transparency_protected = True
    _psd_resources(document.image_resources, page)
    # The documented low-level record: PSDImage.save() would re-render the flattened image
    # from the layers (with the optional composite extra, in floating point) or log a warning.
    record = document._record
    if page.alpha is not None:  # a negative count: the extra channel is the merged alpha
        record.layer_and_mask_information.layer_info.layer_count = -len(layers)
    record.image_data = ImageData(compression=Compression.RLE)
    record.image_data.set_data(_psd_merged_planes(cleaned, page.alpha), record.header)
    out = BytesIO()
    record.write(out)
    return out.getvalue()


def _psd_resources(resources, page: Page) -> None:
    """Add the resolution (resource 1005, pixels per inch) and ICC profile (1039) to ``resources``."""
    from psd_tools.constants import Resource
    from psd_tools.psd.image_resources import ImageResource, ResoulutionInfo

    dpi = _dpi(page)
    if dpi is not None:  # 16.16 fixed point; unit 1 = pixels per inch, display unit 1 = inches
        fixed = [round(v * 65536) for v in dpi]
        info = ResoulutionInfo(fixed[0], 1, 1, fixed[1], 1, 1)
        resources[Resource.RESOLUTION_INFO] = ImageResource(key=Resource.RESOLUTION_INFO, data=info)
    profile = page.info.get("icc_profile")
    if isinstance(profile, bytes) and profile:
        resources[Resource.ICC_PROFILE] = ImageResource(key=Resource.ICC_PROFILE, data=profile)


def _psd_merged_planes(cleaned: np.ndarray, alpha: np.ndarray | None) -> list[bytes]:
    """The flattened image, one plane per channel; with alpha, colour matted on white where
    0 < alpha (Photoshop's convention for the merged image, which readers undo)."""
    planes = _with_alpha(cleaned, None)
    if alpha is None:
        return [planes[..., i].tobytes() for i in range(planes.shape[2])]
    a = alpha[..., None].astype(np.uint16)
    matted = (planes * a + 255 * (255 - a) + 127) // 255
    planes = np.where(a > 0, matted, planes).astype(np.uint8)
    return [*(planes[..., i].tobytes() for i in range(planes.shape[2])), alpha.tobytes()]


# --- OpenRaster --------------------------------------------------------------------------------


def layered_ora(page: Page, cleaned: np.ndarray, mask: np.ndarray) -> bytes:
    """The layered page as an OpenRaster file (a zip: Krita, GIMP 3, MyPaint).

    page.pixels / cleaned: ``(H, W)`` or ``(H, W, 3)`` uint8; mask: ``(H, W)`` bool.
    ``mimetype`` comes first, stored; layers are PNGs under ``data/`` (``LA`` on grey pages,
    ``RGBA`` on colour ones); ``mergedimage.png`` is the cleaned page; the thumbnail fits 256 px.
    Raises ValueError on mismatched arrays.
    """
    layers = layer_stack(page, cleaned, mask)
    merged = _png_image(cleaned, page.alpha)
    thumbnail = merged.copy()
    thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    sources = [f"data/{i:02d}-{layer.name.lower().replace(' ', '-')}.png" for i, layer in enumerate(layers)]
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        _store(archive, "mimetype", ORA_MIMETYPE, zipfile.ZIP_STORED)
        _store(archive, "stack.xml", _stack_xml(page, layers, sources), zipfile.ZIP_DEFLATED)
        for layer, source in zip(layers, sources, strict=True):
            _store(archive, source, _png_bytes(_png_image(layer.pixels, layer.alpha), page))
        _store(archive, "mergedimage.png", _png_bytes(merged, page))
        _store(archive, "Thumbnails/thumbnail.png", _png_bytes(thumbnail, page))
    return out.getvalue()


def _store(archive: zipfile.ZipFile, name: str, data: bytes, compression: int = zipfile.ZIP_STORED) -> None:
    """Add ``data`` as ``name``; PNGs are compressed already, so they are stored as they are."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = compression
    archive.writestr(info, data)


def _stack_xml(page: Page, layers: tuple[Layer, ...], sources: list[str]) -> bytes:
    """``stack.xml``: the image size and resolution, the layers listed top first."""
    height, width = page.pixels.shape[:2]
    root = ET.Element("image", {"version": "0.0.5", "w": str(width), "h": str(height)})
    dpi = _dpi(page)
    if dpi is not None:
        root.set("xres", str(max(1, round(dpi[0]))))
        root.set("yres", str(max(1, round(dpi[1]))))
    stack = ET.SubElement(root, "stack")
    for layer, source in reversed(list(zip(layers, sources, strict=True))):
        attributes = {
            "name": layer.name,
            "src": source,
            "x": "0",
            "y": "0",
            "opacity": "1.0",
            "visibility": "visible" if layer.visible else "hidden",
            "composite-op": "svg:src-over",
        }
        if layer.locked:
            attributes["edit-locked"] = "true"
        ET.SubElement(stack, "layer", attributes)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _png_image(pixels: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    """``L``, ``LA``, ``RGB`` or ``RGBA`` image of ``pixels`` ``(H, W[, 3])`` and ``alpha`` ``(H, W)``."""
    array = _with_alpha(pixels, alpha)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[array.shape[2]]
    channels = [Image.fromarray(np.ascontiguousarray(array[..., i])) for i in range(array.shape[2])]
    return channels[0] if mode == "L" else Image.merge(mode, channels)


def _png_bytes(image: Image.Image, page: Page) -> bytes:
    """PNG bytes of ``image`` with the page's DPI and ICC profile."""
    options: dict = {}
    dpi = _dpi(page)
    if dpi is not None:
        options["dpi"] = dpi
    profile = page.info.get("icc_profile")
    if isinstance(profile, bytes) and profile:
        options["icc_profile"] = profile
    out = BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()
