"""Layered PSD and OpenRaster files, read back with independent readers (psd-tools; zipfile + Pillow):
layer count, order, names, sizes, visibility, locks, grey mode, DPI, and the visible layers
composing to the cleaned page byte for byte."""

from __future__ import annotations

import importlib.util
import io
import sys
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from pages import colour_page, manga_page
from PIL import Image, ImageCms

from mangaclean.errors import BackendUnavailableError
from mangaclean.io import Page
from mangaclean.io.layered import layer_stack, layered_ora, layered_psd

NAMES = ["Original", "Cleaned", "Removal mask"]  # bottom to top
VISIBLE = [True, True, False]
needs_psd_tools = pytest.mark.skipif(
    importlib.util.find_spec("psd_tools") is None,
    reason="psd-tools is not installed (pip install 'mangaclean[layers]')",
)


def _case(kind: str, alpha: bool = False) -> tuple[Page, np.ndarray, np.ndarray]:
    """A page, its cleaned version and the removal mask: the glyphs, grown by one pixel, filled
    with a flat value (grey 250, colour (250, 240, 230))."""
    pixels, glyphs = manga_page(seed=3) if kind == "grey" else colour_page(seed=3)
    mask = glyphs.copy()
    mask[1:] |= glyphs[:-1]
    mask[:, 1:] |= glyphs[:, :-1]
    cleaned = pixels.copy()
    cleaned[mask] = 250 if kind == "grey" else (250, 240, 230)
    page_alpha = None
    if alpha:  # transparent margin (0), a translucent band clear of the mask, opaque elsewhere
        page_alpha = np.full(mask.shape, 255, dtype=np.uint8)
        page_alpha[:, :12] = 0
        page_alpha[-10:, :] = 128
        page_alpha[mask & (page_alpha == 128)] = 255
    return Page(pixels, alpha=page_alpha, info={"dpi": (300.0, 300.0)}), cleaned, mask


def _compose(layers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Straight-alpha "over" of ``(colour (H, W, C), alpha (H, W))`` uint8 layers, bottom first,
    on a transparent backdrop; returns uint8 colour and alpha (exact where alphas are 0 or 255)."""
    colour = np.zeros(layers[0][0].shape, dtype=np.float64)
    alpha = np.zeros(layers[0][1].shape, dtype=np.float64)
    for layer_colour, layer_alpha in layers:
        a = layer_alpha[..., None] / 255.0
        out_alpha = a + alpha[..., None] * (1 - a)
        mixed = layer_colour * a + colour * alpha[..., None] * (1 - a)
        colour = np.where(out_alpha > 0, mixed / np.maximum(out_alpha, 1e-12), 0)
        alpha = out_alpha[..., 0]
    return np.rint(colour).astype(np.uint8), np.rint(alpha * 255).astype(np.uint8)


def _split(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W, C+1)`` uint8 -> colour ``(H, W, C)``, alpha ``(H, W)``."""
    return array[..., :-1], array[..., -1]


def _channels(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., None] if pixels.ndim == 2 else pixels


# --- PSD -----------------------------------------------------------------------------------


def _open_psd(data: bytes):
    from psd_tools import PSDImage

    return PSDImage.open(io.BytesIO(data))


@needs_psd_tools
@pytest.mark.parametrize("kind", ["grey", "colour"])
def test_psd_layers_names_sizes_mode_dpi(kind):
    from psd_tools.constants import ColorMode, Resource, Tag

    page, cleaned, mask = _case(kind)
    psd = _open_psd(layered_psd(page, cleaned, mask))
    height, width = mask.shape
    assert psd.color_mode == (ColorMode.GRAYSCALE if kind == "grey" else ColorMode.RGB)
    assert (psd.depth, psd.channels) == (8, 1 if kind == "grey" else 3)
    assert (psd.width, psd.height) == (width, height)
    assert [layer.name for layer in psd] == NAMES
    assert all(Tag.UNICODE_LAYER_NAME in layer.tagged_blocks for layer in psd)
    assert [layer.visible for layer in psd] == VISIBLE
    assert all(layer.kind == "pixel" and layer.bbox == (0, 0, width, height) for layer in psd)
    original, cleaned_layer, mask_layer = list(psd)
    assert original.locks is not None and original.locks.transparency and original.locks.composite
    assert original.locks.position
    assert cleaned_layer.locks is None and mask_layer.locks is None
    resolution = psd.image_resources.get_data(Resource.RESOLUTION_INFO)
    assert (resolution.horizontal / 65536, resolution.vertical / 65536) == (300.0, 300.0)
    assert (resolution.horizontal_unit, resolution.vertical_unit) == (1, 1)  # pixels per inch


@needs_psd_tools
@pytest.mark.parametrize("kind", ["grey", "colour"])
def test_psd_visible_layers_compose_to_the_cleaned_page(kind):
    page, cleaned, mask = _case(kind)
    psd = _open_psd(layered_psd(page, cleaned, mask))
    layers = [_split(np.asarray(layer.topil(apply_icc=False))) for layer in psd]
    assert all(colour.shape[:2] == mask.shape for colour, _ in layers)
    (original, original_alpha), (changed, changed_alpha), (marks, marks_alpha) = layers
    assert np.array_equal(original, _channels(page.pixels)) and (original_alpha == 255).all()
    assert np.array_equal(changed_alpha, np.where(mask, 255, 0))
    assert np.array_equal(changed[mask], _channels(cleaned)[mask])
    assert np.array_equal(marks_alpha, np.where(mask, 255, 0))
    expected_marks = 255 if kind == "grey" else (255, 0, 0)
    assert (marks[mask] == expected_marks).all() and (marks[~mask] == 0).all()
    visible = [layer for layer, shown in zip(layers, VISIBLE, strict=True) if shown]
    colour, alpha = _compose(visible)
    assert np.array_equal(colour, _channels(cleaned)) and (alpha == 255).all()
    # The flattened image stored in the file, as psd-tools reads and composites it.
    assert np.array_equal(np.asarray(psd.topil(apply_icc=False)), cleaned)
    assert np.array_equal(np.asarray(psd.composite(apply_icc=False)), cleaned)


@needs_psd_tools
@pytest.mark.parametrize("kind", ["grey", "colour"])
def test_psd_keeps_the_page_alpha(kind):
    page, cleaned, mask = _case(kind, alpha=True)
    psd = _open_psd(layered_psd(page, cleaned, mask))
    assert psd.channels == (2 if kind == "grey" else 4)
    layers = [_split(np.asarray(layer.topil(apply_icc=False))) for layer in psd]
    assert np.array_equal(layers[0][1], page.alpha)
    assert np.array_equal(layers[1][1], np.where(mask, page.alpha, 0))
    colour, alpha = _compose([layers[0], layers[1]])
    assert np.array_equal(alpha, page.alpha)
    shown = page.alpha > 0
    assert np.array_equal(colour[shown], _channels(cleaned)[shown])
    merged_colour, merged_alpha = _split(_channels(np.asarray(psd.topil(apply_icc=False))))
    assert np.array_equal(merged_alpha, page.alpha)
    exact = (page.alpha == 0) | (page.alpha == 255)  # un-matting from white rounds in between
    assert np.array_equal(merged_colour[exact], _channels(cleaned)[exact])
    assert np.abs(merged_colour.astype(int) - _channels(cleaned)).max() <= 2


@needs_psd_tools
@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("scipy", "aggdraw")),
    reason="psd-tools' renderer needs its composite extra (scipy, aggdraw)",
)
@pytest.mark.parametrize("kind", ["grey", "colour"])
@pytest.mark.parametrize("alpha", [False, True])
def test_psd_tools_renders_the_layers_to_the_cleaned_page(kind, alpha):
    """psd-tools' own compositor, from the layers rather than the stored flattened image."""
    page, cleaned, mask = _case(kind, alpha=alpha)
    psd = _open_psd(layered_psd(page, cleaned, mask))
    rendered = psd.composite(ignore_preview=True, apply_icc=False, color=0.0, alpha=0.0)
    colour, rendered_alpha = _split(np.asarray(rendered))
    page_alpha = np.full(mask.shape, 255, np.uint8) if page.alpha is None else page.alpha
    assert np.array_equal(rendered_alpha, page_alpha)
    shown = page_alpha > 0
    assert np.array_equal(colour[shown], _channels(cleaned)[shown])


@needs_psd_tools
def test_psd_carries_the_icc_profile():
    from psd_tools.constants import Resource

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    page, cleaned, mask = _case("colour")
    page = Page(page.pixels, info={"icc_profile": profile})
    psd = _open_psd(layered_psd(page, cleaned, mask))
    assert psd.image_resources.get_data(Resource.ICC_PROFILE) == profile
    assert Resource.RESOLUTION_INFO not in psd.image_resources  # no DPI on the page, none made up


def test_psd_without_psd_tools_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psd_tools", None)  # makes `import psd_tools` fail
    page, cleaned, mask = _case("grey")
    with pytest.raises(BackendUnavailableError, match=r"pip install 'mangaclean\[layers\]'"):
        layered_psd(page, cleaned, mask)


# --- OpenRaster ----------------------------------------------------------------------------------


def _read_ora(data: bytes) -> tuple[zipfile.ZipFile, ET.Element]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, ET.fromstring(archive.read("stack.xml"))


def _png(archive: zipfile.ZipFile, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(archive.read(name)), formats=["PNG"])
    image.load()
    return image


@pytest.mark.parametrize("kind", ["grey", "colour"])
def test_ora_structure_names_and_attributes(kind):
    page, cleaned, mask = _case(kind)
    archive, root = _read_ora(layered_ora(page, cleaned, mask))
    first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert archive.read("mimetype") == b"image/openraster"
    height, width = mask.shape
    assert (root.tag, root.get("w"), root.get("h")) == ("image", str(width), str(height))
    assert (root.get("xres"), root.get("yres")) == ("300", "300")
    layers = root.findall("./stack/layer")
    assert [layer.get("name") for layer in layers] == NAMES[::-1]  # stack.xml lists the top first
    visibility = [layer.get("visibility") for layer in layers[::-1]]
    assert visibility == ["visible" if shown else "hidden" for shown in VISIBLE]
    assert [layer.get("edit-locked") for layer in layers[::-1]] == ["true", None, None]
    mode = "LA" if kind == "grey" else "RGBA"
    for layer in layers:
        image = _png(archive, layer.get("src"))
        assert (image.mode, image.size) == (mode, (width, height))
        assert (layer.get("x"), layer.get("y")) == ("0", "0")
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    thumbnail = _png(archive, "Thumbnails/thumbnail.png")
    assert max(thumbnail.size) <= 256


@pytest.mark.parametrize("kind", ["grey", "colour"])
@pytest.mark.parametrize("alpha", [False, True])
def test_ora_visible_layers_and_merged_image_equal_the_cleaned_page(kind, alpha):
    page, cleaned, mask = _case(kind, alpha=alpha)
    archive, root = _read_ora(layered_ora(page, cleaned, mask))
    bottom_first = root.findall("./stack/layer")[::-1]
    layers = [_split(np.asarray(_png(archive, layer.get("src")))) for layer in bottom_first]
    shown_layers = [layer.get("visibility") == "visible" for layer in bottom_first]
    visible = [pair for pair, shown in zip(layers, shown_layers, strict=True) if shown]
    colour, composite_alpha = _compose(visible)
    page_alpha = np.full(mask.shape, 255, np.uint8) if page.alpha is None else page.alpha
    assert np.array_equal(composite_alpha, page_alpha)
    shown = page_alpha > 0
    assert np.array_equal(colour[shown], _channels(cleaned)[shown])
    merged = _png(archive, "mergedimage.png")
    assert merged.mode == ("L" if kind == "grey" else "RGB") + ("A" if alpha else "")
    merged_colour = np.asarray(merged)
    if alpha:
        merged_colour, merged_alpha = _split(merged_colour)
        assert np.array_equal(merged_alpha, page.alpha)
    assert np.array_equal(merged_colour.reshape(cleaned.shape), cleaned)


def test_ora_carries_the_icc_profile():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    page, cleaned, mask = _case("colour")
    archive, root = _read_ora(layered_ora(Page(page.pixels, info={"icc_profile": profile}), cleaned, mask))
    assert root.get("xres") is None  # no DPI on the page, none made up
    assert _png(archive, "mergedimage.png").info["icc_profile"] == profile


# --- both ----------------------------------------------------------------------------------------


def test_the_removal_mask_layer_reads_as_a_mask_file():
    """Saved on its own, the mask layer's colour is a mask file: > 127 where pixels changed."""
    for kind in ("grey", "colour"):
        page, cleaned, mask = _case(kind)
        removal = layer_stack(page, cleaned, mask)[2]
        marks, alpha = removal.pixels, removal.alpha
        brightest = marks if marks.ndim == 2 else marks.max(axis=2)
        assert np.array_equal(brightest > 127, mask) and np.array_equal(alpha > 0, mask)


def test_same_page_same_bytes():
    page, cleaned, mask = _case("colour")
    assert layered_ora(page, cleaned, mask) == layered_ora(page, cleaned, mask)
    if importlib.util.find_spec("psd_tools") is not None:
        assert layered_psd(page, cleaned, mask) == layered_psd(page, cleaned, mask)


@pytest.mark.parametrize(
    "change",
    [
        lambda p, c, m: (p, c[:-1], m),  # cleaned page of another size
        lambda p, c, m: (p, c, m[:, :-1]),  # mask of another size
        lambda p, c, m: (p, c, m.astype(np.uint8)),  # mask not bool
        lambda p, c, m: (p, c.astype(np.uint16), m),  # cleaned not uint8
    ],
)
def test_mismatched_arrays_are_refused(change):
    page, cleaned, mask = change(*_case("grey"))
    with pytest.raises(ValueError):
        layered_ora(page, cleaned, mask)


@needs_psd_tools
def test_clean_writes_layered_files_beside_pages_and_archives(tmp_path):
    from psd_tools import PSDImage

    from mangaclean.cli import main

    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(manga_page(seed=1)[0]).save(src / "grey.png")
    Image.fromarray(colour_page(seed=2)[0]).save(src / "colour.png")
    with zipfile.ZipFile(src / "vol.cbz", "w") as archive:
        archive.write(src / "grey.png", "p1.png")
    out = tmp_path / "out"
    args = ["clean", str(src), "-o", str(out), "--segmenter", "classical", "-q"]
    assert main([*args, "--layers", "psd"]) == 0
    for name, mode in (("grey", "L"), ("colour", "RGB")):
        psd = PSDImage.open(out / f"{name}.psd")
        assert [layer.name for layer in psd] == NAMES and psd.pil_mode == mode
        assert np.array_equal(np.asarray(psd.topil()), np.asarray(Image.open(out / f"{name}.png")))
    assert (out / "vol" / "p1.psd").is_file()  # beside the rebuilt archive, not inside it
    with zipfile.ZipFile(out / "vol.cbz") as archive:
        assert archive.namelist() == ["p1.png"]
    assert main([*args, "--layers", "ora", "--skip-existing"]) == 0  # pages exist: nothing redone
    assert main([*args, "--layers", "ora", "--overwrite"]) == 0
    with zipfile.ZipFile(out / "grey.ora") as ora:
        assert ora.read("mimetype") == b"image/openraster"
