"""The synthetic engine: mask/clean consistency, vertical layout, determinism, fonts, files."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from mangaclean.data.synth import (
    SFX_CODE,
    TEXT_CODE,
    SynthConfig,
    render_crop,
    render_page,
    sample_rng,
)
from mangaclean.errors import FontNotFoundError, ImageReadError

KINDS = {"dialogue", "narration", "furigana", "sfx"}


@pytest.fixture
def library(cjk_fonts):
    return cjk_fonts  # skips where no Japanese font is installed (conftest)


SMALL_PAGE = SynthConfig(page_size=(360, 500), degrade=False)


def _max_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return d.max(axis=2) if d.ndim == 3 else d


@pytest.mark.parametrize("index", range(6))
def test_text_lies_inside_the_mask_before_degradation(library, index):
    """Drawing the masked raw pixels onto clean reproduces raw within JPEG tolerance."""
    rng = sample_rng(21, index)
    if index % 2:
        sample = render_crop(320, rng, replace(SMALL_PAGE, text_density=2.0))
    else:
        sample = render_page(replace(SMALL_PAGE, text_density=2.0), rng)
    assert sample.raw.shape == sample.clean.shape
    assert sample.mask.shape == sample.raw.shape[:2] and sample.mask.dtype == np.uint8
    assert set(np.unique(sample.mask)) <= {0, SFX_CODE, TEXT_CODE}
    text = sample.mask > 0
    diff = _max_diff(sample.raw, sample.clean)
    ring = cv2.dilate(text.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    outside = diff[~ring]
    assert (outside > 32).mean() < 1e-4 and outside.max() <= 64
    assert diff[ring & ~text].max(initial=0) <= 130  # anti-aliased edges: under half coverage
    if text.any():
        assert diff[text].sum() / diff.sum() > 0.8  # the mask holds most of the ink
        assert (diff[text] > 32).mean() > 0.3  # and is ink, not background


def test_degraded_samples_keep_shapes_and_codes(library):
    for i in range(4):
        s = render_crop(256, sample_rng(5, i), SynthConfig())
        assert s.raw.dtype == s.clean.dtype == np.uint8
        assert s.raw.shape[:2] == (256, 256) == s.mask.shape
        assert set(np.unique(s.mask)) <= {0, SFX_CODE, TEXT_CODE}


def test_blocks_are_inside_the_page_and_cover_their_text(library):
    config = replace(SMALL_PAGE, text_density=2.0, furigana_share=1.0, sfx_rate=3.0)
    kinds = set()
    for i in range(4):
        s = render_page(config, sample_rng(8, i))
        h, w = s.mask.shape
        for b in s.blocks:
            x, y, bw, bh = b.box
            assert b.kind in KINDS and 0 <= x < x + bw <= w and 0 <= y < y + bh <= h
            kinds.add(b.kind)
        boxed = np.zeros_like(s.mask, bool)
        for b in s.blocks:
            x, y, bw, bh = b.box
            boxed[y : y + bh, x : x + bw] = True
        assert not (s.mask > 0)[~boxed].any()
    assert {"dialogue", "furigana", "sfx"} <= kinds


def test_sound_effects_have_their_own_class(library):
    config = replace(SMALL_PAGE, sfx_rate=4.0)
    masks = [render_page(config, sample_rng(3, i)).mask for i in range(3)]
    assert any((m == SFX_CODE).any() for m in masks)


def test_same_seed_same_sample_other_index_other_sample(library):
    a = render_crop(192, sample_rng(7, 3), SynthConfig())
    b = render_crop(192, sample_rng(7, 3), SynthConfig())
    c = render_crop(192, sample_rng(7, 4), SynthConfig())
    for x, y in ((a.raw, b.raw), (a.clean, b.clean), (a.mask, b.mask)):
        assert np.array_equal(x, y)
    assert a.blocks == b.blocks
    assert a.raw.shape != c.raw.shape or not np.array_equal(a.raw, c.raw)


def test_grey_and_colour_pages(library):
    grey = render_crop(
        128, sample_rng(1, 0), replace(SMALL_PAGE, grayscale_share=1.0, scanned_colour_share=0)
    )
    colour = render_crop(128, sample_rng(1, 0), replace(SMALL_PAGE, grayscale_share=0.0))
    assert grey.raw.ndim == 2 and colour.raw.ndim == 3 and colour.raw.shape[2] == 3


def test_no_cjk_font_is_a_clear_error(tmp_path):
    (tmp_path / "not-a-font.ttf").write_bytes(b"nothing here")
    config = SynthConfig(font_dirs=(str(tmp_path),), system_fonts=False)
    with pytest.raises(FontNotFoundError, match="apt-get install fonts-"):
        render_page(config, sample_rng(0, 0))
    with pytest.raises(FontNotFoundError):
        render_crop(64, sample_rng(0, 0), config)


def test_synth_command_without_fonts_exits_2(tmp_path, monkeypatch, capsys):
    from mangaclean.cli import main
    from mangaclean.data.synth import fonts

    monkeypatch.setattr(fonts, "default_font_dirs", lambda: ())
    fonts.discover_fonts.cache_clear()
    try:
        code = main(["synth", "-o", str(tmp_path / "o"), "-n", "1", "--font-dir", str(tmp_path)])
    finally:
        fonts.discover_fonts.cache_clear()
    assert code == 2
    assert "no font able to draw Japanese" in capsys.readouterr().err


def test_synth_command_files_identical_whatever_jobs(library, tmp_path):
    from mangaclean.cli import main

    base = ["synth", "-n", "3", "--seed", "4", "--size", "160x160", "--crop", "-q"]
    assert main([*base, "-o", str(tmp_path / "a"), "--jobs", "1"]) == 0
    assert main([*base, "-o", str(tmp_path / "b"), "--jobs", "2"]) == 0
    for folder in ("raw", "clean", "mask", "blocks"):
        names = sorted(p.name for p in (tmp_path / "a" / folder).iterdir())
        assert len(names) == 3 and names[0].startswith("000000")
        for name in names:
            a = (tmp_path / "a" / folder / name).read_bytes()
            assert a == (tmp_path / "b" / folder / name).read_bytes()
    meta = json.loads((tmp_path / "a" / "blocks" / "000000.json").read_text("utf-8"))
    assert meta["width"] == 160 and all(b["kind"] in KINDS for b in meta["blocks"])


def test_preview_contact_sheet(library, tmp_path):
    from PIL import Image

    from mangaclean.cli import main

    out = tmp_path / "p"
    assert main(["synth", "-o", str(out), "-n", "3", "--size", "128x128", "--crop", "--preview", "-q"]) == 0
    sheet = Image.open(out / "contact_sheet.png")
    assert sheet.mode in ("RGB", "P") and sheet.size[0] > sheet.size[1]
    assert not (out / "raw").exists()


def test_store_round_trip(library, tmp_path):
    from mangaclean.data.synth.store import read_sample, write_sample

    s = render_crop(96, sample_rng(2, 2), SynthConfig())
    write_sample(s, tmp_path, 12)
    back = read_sample(tmp_path, 12)
    assert np.array_equal(back.raw, s.raw) and np.array_equal(back.mask, s.mask)
    assert back.blocks == s.blocks


def test_user_art_folder(library, tmp_path):
    from PIL import Image

    art = tmp_path / "art"
    art.mkdir()
    stripes = np.zeros((90, 120, 3), np.uint8)
    stripes[:, ::3] = (0, 255, 0)  # pure green: no generated fill is that saturated
    Image.fromarray(stripes).save(art / "stripes.png")
    config = replace(SMALL_PAGE, art_dir=str(art), grayscale_share=0.0)
    pages = [render_page(config, sample_rng(4, i)).clean for i in range(3)]
    green = [((p[..., 1].astype(int) - p[..., 0] > 220) & (p[..., 1] > 240)).mean() for p in pages]
    assert max(green) > 0.002  # the user's image shows up as panel art
    with pytest.raises(ImageReadError):
        render_page(replace(SMALL_PAGE, art_dir=str(tmp_path / "missing")), sample_rng(4, 0))


@pytest.mark.parametrize("colour", [False, True])
def test_hard_negatives_draw_ink_anywhere_without_text(colour):
    """Eyes, paws, cats and dark shading (art a segmenter takes for text) draw dark marks on grey
    and colour canvases, also when they fall across the edge, at any size the engine picks."""
    from mangaclean.data.synth import art, figures

    for seed in range(12):
        rng = np.random.default_rng(seed)
        pal = art.page_palette(rng, colour)
        for draw in (figures.eye_pair, figures.paw, figures.cat, art.dark_shading):
            canvas = np.full((120, 160, 3) if colour else (120, 160), 255, np.uint8)
            draw(canvas, rng, 1.0, pal)
            assert (canvas < 128).any(), draw.__name__
        canvas = np.full((120, 160, 3) if colour else (120, 160), 255, np.uint8)
        figures.eye(canvas, rng, -3.0, 60.0, 12.0, 16.0, 1.0, pal, 1)  # half off the left edge
        assert (canvas[:, :12] < 128).any() and not (canvas[:, 30:] < 128).any()


def test_short_utterances_are_lettered_alone(library):
    """A share of dialogue blocks is one short utterance ("?", "ほら"), drawn as real glyphs."""
    from mangaclean.data.synth import corpus, lettering

    strings = []
    for seed in range(12):
        block = lettering.dialogue(
            np.random.default_rng(seed), library, 1.0, latin_share=0.0, short_share=1.0
        )
        strings.append(block.string)
        assert "\n" not in block.string and 1 <= len(block.string) <= 4
        assert (block.text > 0).any()
    assert any(s in corpus.SHORT_UTTERANCES for s in strings)  # listed ones and random kana
    assert any(s not in corpus.SHORT_UTTERANCES for s in strings)


def test_titles_are_display_sized_and_short(library):
    """A title block is lettered at display size (40-100 px at scale 1) in one or two short lines."""
    from mangaclean.data.synth import lettering

    for seed in range(5):
        block = lettering.dialogue(
            np.random.default_rng(seed), library, 1.0, kind="title", latin_share=0.0, short_share=0.0
        )
        assert 40 <= block.size <= 100 and (block.text > 0).any()
        assert len(block.string.split("\n")) <= 2 and block.kind == "dialogue"


@pytest.mark.parametrize("colour", [False, True])
def test_blush_and_buttons_are_separate_glyph_sized_marks(colour):
    """Blush ("///") and a column of buttons (art read as a slash run or an ellipsis) draw several
    separate marks no larger than the size they are given (60 px here), also on a colour page."""
    import cv2

    from mangaclean.data.synth import art, figures

    for seed in range(8):
        rng = np.random.default_rng(seed)
        pal = art.page_palette(rng, colour)
        for draw in (figures._blush, figures._buttons):
            canvas = np.full((200, 200, 3) if colour else (200, 200), 255, np.uint8)
            draw(canvas, rng, 100.0, 40.0, 60.0, 1.0, pal)
            ink = (canvas if canvas.ndim == 2 else canvas.min(axis=2)) < 160
            count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8))
            assert count - 1 >= 2, draw.__name__
            assert stats[1:, cv2.CC_STAT_HEIGHT].max() <= 60, draw.__name__
