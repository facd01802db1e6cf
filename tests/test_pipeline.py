"""The pipeline: only mask pixels change, text is found and removed, options behave."""

import cv2
import numpy as np
import pytest
from pages import colour_page, manga_page

from mangaclean import Cleaner, CleanOptions, clean_page, maskops, regions, remove, text_mask
from mangaclean.backends import load_models
from mangaclean.masks import refine_text_mask


@pytest.fixture(scope="module")
def models():
    return load_models("classical", "telea")


def _check_untouched(page, result):
    outside = ~result.mask
    assert result.page.dtype == np.uint8 and result.page.shape == page.shape
    assert np.array_equal(result.page[outside], page[outside])


@pytest.mark.parametrize("fill", ["auto", "white", "inpaint"])
def test_outside_mask_byte_identical_gray(models, fill):
    page, _ = manga_page(3)
    result = clean_page(page, models, CleanOptions(fill=fill))
    assert result.mask.any()
    _check_untouched(page, result)


def test_outside_mask_byte_identical_colour(models):
    page, _ = colour_page(4)
    result = clean_page(page, models, CleanOptions(fill="inpaint"))
    assert result.page.ndim == 3 and result.mask.any()
    _check_untouched(page, result)


def test_a_grey_page_stored_as_rgb_comes_back_rgb_cleaned_as_the_grey_page(models):
    page, _ = manga_page(3)
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    grey, stored = clean_page(page, models), clean_page(rgb, models)
    assert stored.page.shape == rgb.shape and np.array_equal(stored.mask, grey.mask)
    assert np.array_equal(stored.page, cv2.cvtColor(grey.page, cv2.COLOR_GRAY2RGB))
    _check_untouched(rgb, stored)


def test_balloon_text_removed_to_paper(models):
    page, truth = manga_page(5)
    result = clean_page(page, models)
    found = result.text_mask & truth
    assert found.sum() > 0.6 * truth.sum()
    flat = [r for r in result.regions if r.background == "flat"]
    assert flat and all(r.fill == (255,) for r in flat)
    # every erased balloon pixel is pure paper white: no grey ghost
    for r in flat:
        x, y, w, h = r.box
        assert (result.page[y : y + h, x : x + w][r.mask] == 255).all()


def test_removal_margin_covers_anti_aliased_edges(models):
    page, truth = manga_page(6)
    result = clean_page(page, models)
    assert (result.mask | ~result.text_mask).all()  # glyphs are inside the removal mask
    assert result.mask.sum() > result.text_mask.sum()


def test_dilate_offset_grows_and_shrinks(models):
    page, _ = manga_page(7)
    sizes = [clean_page(page, models, CleanOptions(dilate=d)).mask.sum() for d in (-1, 0, 2)]
    assert sizes[0] < sizes[1] < sizes[2]


def test_empty_page_is_unchanged(models):
    page = np.full((120, 90), 255, np.uint8)
    result = clean_page(page, models)
    assert not result.mask.any() and np.array_equal(result.page, page)


def test_refine_snaps_a_loose_prediction_to_glyph_pixels():
    page = np.full((60, 60), 250, np.uint8)
    page[20:40, 28:31] = 10  # a vertical stroke
    loose = np.zeros((60, 60), np.uint8)
    loose[16:44, 22:37] = 255  # a blob several px wider than the stroke
    tight = refine_text_mask(page, loose)
    assert tight[20:40, 28:31].all()
    assert tight.sum() == 20 * 3


def test_refine_handles_white_text_on_black():
    page = np.full((60, 60), 15, np.uint8)
    page[20:40, 28:31] = 245
    loose = np.zeros((60, 60), np.uint8)
    loose[18:42, 25:34] = 255
    assert refine_text_mask(page, loose).sum() == 20 * 3


def test_text_mask_matches_mask_command_contract(models):
    page, truth = manga_page(8)
    mask = text_mask(page, models)
    assert mask.dtype == bool and mask.shape == page.shape
    assert not (mask & ~maskops.grow(truth, 1)).any()  # glyph pixels only, no margin
    assert (mask & truth).sum() >= 0.4 * truth.sum()  # the balloons' glyphs (classical misses tone)


def test_cleaner_api_accepts_paths_and_arrays(tmp_path):
    from PIL import Image

    page, _ = manga_page(9)
    Image.fromarray(page).save(tmp_path / "p.png")
    cleaner = Cleaner(segmenter="classical", inpainter="telea")
    from_path, from_array = cleaner.clean(tmp_path / "p.png"), cleaner.clean(page)
    assert np.array_equal(from_path.page, from_array.page)
    with pytest.raises(ValueError):
        cleaner.clean(page.astype(np.float32))


def test_import_does_not_need_torch():
    import subprocess
    import sys

    code = (
        "import sys, mangaclean, mangaclean.backends; from mangaclean.cli import build_parser; "
        "build_parser(); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_refine_never_grows_into_a_balloon_outline():
    page = np.full((60, 60), 250, np.uint8)
    page[:, 10:13] = 5  # a balloon outline running down the crop
    page[20:40, 20:23] = 10  # a glyph stroke beside it
    loose = np.zeros((60, 60), np.uint8)
    loose[16:44, 12:27] = 255  # the prediction spills one column onto the outline
    tight = refine_text_mask(page, loose)
    assert tight[20:40, 20:23].all()
    assert tight[:, 10:13].sum() == 28  # only the predicted outline pixels, not the rest of the line


def test_block_masks_cover_exactly_the_removal_mask(models):
    page, _ = manga_page(10)
    result = clean_page(page, models)
    owned = np.zeros(page.shape, int)
    for region in result.regions:
        x, y, w, h = region.box
        assert region.mask.shape == (h, w)
        owned[y : y + h, x : x + w] += region.mask
    assert np.array_equal(owned > 0, result.mask)  # (margins of close blocks may overlap)


def test_components_match_connected_components_including_nested_ones():
    mask = np.zeros((80, 90), bool)
    mask[10:60, 10:70] = True
    mask[20:50, 20:60] = False  # a ring...
    mask[30:40, 30:40] = True  # ...with a component inside its hole
    mask[70:75, 5:6] = True
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    found = maskops.components(mask)
    assert sorted(box for box, _ in found) == sorted(tuple(int(v) for v in s[:4]) for s in stats[1:count])
    assert all(mask[py, px] for _, (px, py) in found)
    assert maskops.components(np.zeros((5, 5), bool)) == []


class _CountingInpainter:
    """Telea, counting the hole pixels it is handed."""

    name = "counting"

    def __init__(self):
        self.holes, self.calls = 0, 0

    def inpaint(self, image, hole):
        self.holes += int(hole.sum())
        self.calls += 1
        return cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)


def _textured_regions(page):
    gray = page if page.ndim == 2 else page[..., 0]
    tight = np.zeros(gray.shape, bool)
    for i in range(8):  # a column of separate glyph-like bars whose context windows overlap
        tight[20 + 20 * i : 26 + 20 * i, 40:70] = True
    regions_, removal = regions.find_regions(page, gray, tight)
    return regions_, removal


def test_overlapping_blocks_are_inpainted_once_and_only_their_pixels_change():
    rng = np.random.default_rng(0)
    page = rng.integers(60, 200, (200, 120), dtype=np.uint8)  # textured: nothing is flat
    blocks, removal = _textured_regions(page)
    assert len(blocks) > 1
    inpainter, edited = _CountingInpainter(), page.copy()
    remove.inpaint_blocks(edited, blocks, inpainter)
    assert inpainter.calls == 1 and inpainter.holes == int(removal.sum())
    assert np.array_equal(edited[~removal], page[~removal])


def test_large_crops_are_inpainted_in_tiles(monkeypatch):
    rng = np.random.default_rng(1)
    page = rng.integers(60, 200, (200, 120, 3), dtype=np.uint8)
    blocks, removal = _textured_regions(page)
    monkeypatch.setattr(remove, "MAX_CROP", 64)
    monkeypatch.setattr(remove, "TILE_OVERLAP", 8)
    inpainter, edited = _CountingInpainter(), page.copy()
    remove.inpaint_blocks(edited, blocks, inpainter)
    assert inpainter.calls > 1
    assert np.array_equal(edited[~removal], page[~removal])
    assert (np.abs(edited.astype(int) - page)[removal].sum(axis=1) > 0).mean() > 0.9  # holes were filled


def _column_of_glyphs(background: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four cross-shaped glyphs in a column with an unpredicted long-vowel bar between them."""
    page = background.copy()
    predicted = np.zeros(page.shape, np.uint8)
    for top in (10, 34, 82, 106):
        page[top + 8 : top + 11, 20:40] = 0
        page[top : top + 19, 28:31] = 0
        predicted[top - 1 : top + 20, 19:41] = 255
    page[59:77, 29:31] = 0  # the bar: between glyphs, not predicted
    bar = np.zeros(page.shape, bool)
    bar[59:77, 29:31] = True
    return page, predicted, bar


def test_refine_keeps_an_unpredicted_mark_enclosed_in_a_balloon():
    page, predicted, bar = _column_of_glyphs(np.full((140, 60), 250, np.uint8))
    assert refine_text_mask(page, predicted)[bar].all()


def test_refine_takes_a_partly_predicted_glyph_whole_on_paper():
    """A bold glyph the network covers only in part is lettering to its end on paper (its rest
    would be a ghost beside the erased text); over art only the part near the prediction is."""
    page, predicted, _ = _column_of_glyphs(np.full((140, 60), 250, np.uint8))
    predicted[119:127] = 0  # the last glyph's stroke (rows 106-124) is predicted down to row 118
    glyph = page[100:130] < 128
    assert refine_text_mask(page, predicted)[100:130][glyph].all()
    art = page.copy()
    art[:, 13:17] = art[:, 43:47] = 0  # dark art along both sides: the ring is not paper
    assert not refine_text_mask(art, predicted)[121:125, 28:31].any()


def test_refine_keeps_an_unpredicted_long_dash_in_a_balloon():
    """A "――" over two glyphs long in a column beside a full one is lettering on paper."""
    page = np.full((180, 90), 250, np.uint8)
    predicted = np.zeros(page.shape, np.uint8)
    for left, tops in ((50, (10, 34, 58, 82, 106, 130)), (20, (10,))):
        for top in tops:
            page[top + 8 : top + 11, left : left + 20] = 0
            page[top : top + 19, left + 8 : left + 11] = 0
            predicted[top - 1 : top + 20, left - 1 : left + 21] = 255
    page[40:92, 29:31] = 0  # the dash: 52 px, not predicted
    assert refine_text_mask(page, predicted)[40:92, 29:31].all()


def test_refine_leaves_screentone_around_glyphs_alone():
    tone = np.full((140, 60), 235, np.uint8)
    tone[1::4, 1::4] = 40  # a dot screen: many small enclosed marks, not lettering
    page, predicted, _ = _column_of_glyphs(tone)
    tight = refine_text_mask(page, predicted)
    dots = (tone < 128) & (predicted == 0) & (page < 128)
    assert not tight[dots].any()


@pytest.mark.parametrize("outlined", [True, False])
def test_refine_takes_the_strokes_of_outlined_lettering(outlined):
    """Over dark art, dark glyphs in a white border are lettering, border and strokes alike; plain
    white text keeps its dark counters out."""
    page = np.full((80, 260), 20, np.uint8)  # a dark background
    text = np.zeros_like(page)
    cv2.putText(text, "MANGA WORD", (10, 55), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 255, 3, cv2.LINE_AA)
    strokes = text > 127
    if outlined:
        page[maskops.grow(strokes, 3)] = 245
        page[strokes] = 10
    else:
        page[strokes] = 245
    loose = np.zeros_like(page)
    loose[20:66, 6:250] = 255  # the network's line-level blob
    tight = refine_text_mask(page, loose)
    assert tight[page > 127].mean() > 0.95  # the light side is taken either way
    if outlined:
        assert tight[strokes].mean() > 0.95
    else:
        outside = (~strokes).astype(np.uint8)
        cv2.floodFill(outside, None, (0, 0), 2)
        counters = (outside == 1) & ~maskops.grow(strokes, 1)  # inside "A", "G", "O", "R", "D"
        assert counters.sum() > 20 and not tight[counters].any()


def test_flat_blocks_repaint_the_noisy_paper_around_them_but_no_ink():
    """JPEG ringing around erased glyphs (paper a few levels off) is repainted with the fill, so
    no faint outline of the text stays; a balloon outline just beside it is never touched."""
    page = np.full((80, 80), 250, np.uint8)
    glyph = np.zeros(page.shape, bool)
    glyph[30:50, 38:42] = True  # a glyph stroke
    ringing = maskops.grow(glyph, 10) & ~glyph
    page[ringing] = 250 - np.random.default_rng(0).integers(0, 12, int(ringing.sum()))
    page[glyph] = 10
    page[:, 52:54] = 0  # a balloon outline 10 px from the stroke
    blocks, removal = regions.find_regions(page, page, glyph)
    (block,) = blocks
    assert block.fill is not None and abs(block.fill[0] - 245) <= 6
    margin_only = maskops.grow(glyph, block.margin)
    assert removal.sum() > margin_only.sum()  # the halo took paper beyond the margin
    assert not removal[:, 52:54].any()
    assert removal[margin_only].all() and not removal[~maskops.grow(glyph, block.margin + regions.HALO)].any()


@pytest.mark.parametrize("mass", [True, False])
def test_text_lettered_onto_a_dark_mass_is_inpainted_there_not_painted_white(mass):
    """A column of text on paper whose end runs onto black hair: its pixels over the hair go to
    the inpainter, the rest is painted with the paper colour; a balloon outline is no mass."""
    page = np.full((170, 60), 250, np.uint8)
    if mass:
        page[144:, :] = 5  # black hair under the end of the column
    else:
        page[143:145, :] = 5  # a balloon outline across it
    glyphs = np.zeros(page.shape, bool)
    for top in (10, 34, 58, 82, 106, 130):
        glyphs[top : top + 19, 28:31] = True
        glyphs[top + 8 : top + 11, 20:40] = True
    page[glyphs] = np.where(page[glyphs] > 128, 10, 245)  # dark on paper, light on the hair
    blocks, removal = regions.find_regions(page, page, glyphs)
    painted = np.zeros(page.shape, bool)
    for block in blocks:
        x, y, w, h = block.box
        if block.fill is not None:
            painted[y : y + h, x : x + w] |= block.mask
    rows = np.arange(170)[:, None]
    assert painted[glyphs & (rows < 125)].all()
    over_hair = glyphs & (rows >= 145)
    assert not painted[over_hair].any() if mass else painted[over_hair].all()


def test_the_white_border_of_lettering_over_a_dark_mass_is_inpainted_with_it():
    """Dark glyphs in a white border (fuchi) where the column runs onto black hair: the border
    beyond the removal margin is lettering too and goes to the inpainter, not left as a rim."""
    page = np.full((170, 60), 250, np.uint8)
    page[144:, :] = 5
    glyphs = np.zeros(page.shape, bool)
    for top in (10, 34, 58, 82, 106, 130):
        glyphs[top : top + 19, 28:31] = True
        glyphs[top + 8 : top + 11, 20:40] = True
    border = maskops.grow(glyphs, 6) & ~glyphs
    page[border] = 250
    page[glyphs] = 10
    blocks, removal = regions.find_regions(page, page, glyphs)
    inpainted = np.zeros(page.shape, bool)
    for block in blocks:
        x, y, w, h = block.box
        if block.fill is None:
            inpainted[y : y + h, x : x + w] |= block.mask
    rows = np.arange(170)[:, None]
    assert inpainted[border & (rows >= 146)].all()
    assert removal[border & (rows >= 146)].all() and not removal[:140, :12].any()


def test_the_readme_python_api_runs_as_written(tmp_path, monkeypatch):
    """The README's Python API block, run as written on a drawn page (shipped models)."""
    import re
    from pathlib import Path

    from PIL import Image

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"## Python API\n\n```python\n(.*?)```", readme, re.S).group(1)
    page, _ = manga_page(3)
    Image.fromarray(page).save(tmp_path / "page.png", dpi=(300, 300))
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    cleaned = Image.open(tmp_path / "page_clean.png")
    assert cleaned.mode == "L" and round(cleaned.info["dpi"][0]) == 300
    assert np.array_equal(np.asarray(cleaned), np.asarray(Image.open(tmp_path / "pixels_only.png")))
    assert Image.open(tmp_path / "page_mask.png").size == (300, 400)


def test_region_repr_leaves_out_its_mask():
    region = regions.TextRegion((3, 4, 500, 400), np.ones((400, 500), bool), "flat", (255,), 2.0, 3, True)
    text = repr(region)
    assert "box=(3, 4, 500, 400)" in text and "mask" not in text and len(text) < 200


def test_inpaint_crops_merge_overlapping_boxes_in_x_y_w_h():
    merged = remove._crops([(0, 0, 10, 10), (5, 5, 10, 10), (50, 50, 4, 4)], (64, 64))
    assert sorted(merged) == [(0, 0, 15, 15), (50, 50, 4, 4)]
    assert remove._context((40, 10, 8, 4), (64, 64)) == (8, 0, 56, 46)


def test_a_block_that_fills_its_window_has_a_finite_stroke():
    """A mask covering every pixel (a random-weights network's output) once made the stroke
    width infinite and the margin overflow."""
    from mangaclean import maskops

    stroke = maskops.stroke_width(np.ones((20, 30), bool))
    assert 0 < stroke < 30 and 2 <= maskops.margin_for(stroke) <= 8


@pytest.mark.parametrize("channels", [1, 3])
def test_composite_in_bands_keeps_only_removal_pixels(monkeypatch, channels):
    rng = np.random.default_rng(5)
    shape = (37, 23) if channels == 1 else (37, 23, 3)
    original, edited = rng.integers(0, 256, shape, np.uint8), rng.integers(0, 256, shape, np.uint8)
    removal = rng.random((37, 23)) < 0.3
    wanted = np.where(removal if channels == 1 else removal[..., None], edited, original)
    monkeypatch.setattr(remove, "COMPOSITE_PIXELS", 23 * 4 + 5)  # bands of 4 rows, the last short
    assert np.array_equal(remove.composite(original, edited, removal), wanted)
