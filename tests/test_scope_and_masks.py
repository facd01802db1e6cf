"""What to erase (``--scope``) and the editor round trip (``clean --mask-dir``, ``inpaint --grow``):
issue 21. Pages are drawn (tests/pages.py): two white balloons of text and one block of text
lettered straight over screentone."""

import numpy as np
import pytest
from pages import manga_page
from PIL import Image

from mangaclean.backends import load_models
from mangaclean.cli import main
from mangaclean.pipeline import CleanOptions, clean_page


@pytest.fixture(scope="module")
def models():
    return load_models("classical", "telea")


def _run(*argv) -> int:
    args = [str(a) for a in argv]
    if args[0] == "clean":
        args += ["--segmenter", "classical"]
    return main(args)


def test_balloons_scope_leaves_text_over_art_and_every_other_pixel_alone(models):
    page, truth = manga_page(4)
    everything = clean_page(page, models, tight=truth)
    balloons = clean_page(page, models, CleanOptions(scope="balloons"), tight=truth)
    flat = np.zeros_like(balloons.mask)
    for region in everything.regions:
        x, y, w, h = region.box
        if region.background == "flat":
            flat[y : y + h, x : x + w] |= region.mask
    over_art = truth.copy()
    over_art[: page.shape[0] - 80] = False  # the block lettered over the screentone
    assert np.array_equal(balloons.page[~balloons.mask], page[~balloons.mask])
    assert not (balloons.mask & over_art).any() and np.array_equal(balloons.page[over_art], page[over_art])
    assert (everything.mask & over_art).any()  # `all` does erase it
    assert balloons.mask.any() and (balloons.mask <= everything.mask).all()
    in_balloons = truth & ~over_art
    assert (balloons.page[in_balloons] > 200).all()  # the balloons' text is gone


def test_a_removal_mask_is_used_as_it_is(models):
    page, truth = manga_page(5)
    removal = np.zeros_like(truth)
    removal[300:360, 18:64] = True  # the block over the screentone, drawn as a box by a user
    result = clean_page(page, models, removal=removal)
    assert (result.mask == removal).all()  # over art: no margin, no halo added
    assert np.array_equal(result.page[~removal], page[~removal])


def test_the_editor_round_trip_through_clean_mask_dir(tmp_path):
    page, truth = manga_page(6)
    Image.fromarray(page).save(tmp_path / "p.png")
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run("clean", tmp_path / "p.png", "-o", first, "--save-mask", "-q") == 0
    mask = np.asarray(Image.open(first / "p_mask.png")).copy()
    keep = np.zeros_like(truth)
    keep[: page.shape[0] // 2 - 20] = True  # the user gives the upper balloon's text back
    mask[keep] = 0
    stroke = (slice(380, 386), slice(200, 260))  # and paints over a mark the cleaner left
    mask[stroke] = 255
    Image.fromarray(mask).save(first / "p_mask.png")
    assert _run("clean", tmp_path / "p.png", "-o", second, "--mask-dir", first, "-q") == 0
    redone, before = np.asarray(Image.open(second / "p.png")), np.asarray(Image.open(first / "p.png"))
    assert np.array_equal(redone[keep], page[keep])  # the upper balloon's text is back
    assert not np.array_equal(redone[stroke], page[stroke])
    rest = ~keep & (mask == 0)
    assert np.array_equal(redone[rest], page[rest])
    lower = ~keep & (np.asarray(Image.open(first / "p_mask.png")) > 0)
    lower[380:386] = False
    assert np.array_equal(redone[lower], before[lower])  # the other blocks as `clean` made them
    assert _run("clean", tmp_path / "p.png", "-o", first, "--mask-dir", first, "--save-mask") == 2
    assert np.array_equal(np.asarray(Image.open(first / "p_mask.png")), mask)  # the edit is safe


def test_a_tight_mask_edited_and_inpainted_with_grow_leaves_no_grey(tmp_path, models):
    page, truth = manga_page(7)
    Image.fromarray(page).save(tmp_path / "p.png")
    edited = truth.copy()
    upper = np.zeros_like(truth)
    upper[: page.shape[0] // 2 - 20] = True
    edited[upper] = False  # a block removed
    edited[380:383, 200:260] = True  # a stroke added
    Image.fromarray(np.where(edited, 255, 0).astype(np.uint8)).save(tmp_path / "m.png")
    out = tmp_path / "out.png"
    assert (
        main(
            ["inpaint", str(tmp_path / "p.png"), "--mask", str(tmp_path / "m.png"), "--grow", "-o", str(out)]
        )
        == 0
    )
    filled = np.asarray(Image.open(out))
    assert np.array_equal(filled[upper & truth], page[upper & truth])  # the removed block stays
    lower_balloon_text = truth & ~upper
    lower_balloon_text[page.shape[0] - 80 :] = False
    reference = clean_page(page, models, tight=truth).page
    assert (filled[lower_balloon_text] > 200).all()  # no grey glyph outline in the balloon
    assert np.array_equal(filled[lower_balloon_text], reference[lower_balloon_text])


def test_balloon_scope_keeps_a_neighbour_lettered_alike_and_nothing_else():
    from mangaclean.regions import TextRegion, balloon_text

    def block(index, x, y, background, stroke):
        return TextRegion((x, y, 10, 10), np.ones((10, 10), bool), background, None, stroke, 3, True, index)

    regions = [
        block(0, 50, 50, "flat", 3.0),  # balloon text
        block(1, 50, 62, "textured", 3.5),  # its last glyph, on the balloon's edge
        block(2, 150, 150, "textured", 3.0),  # far away: lettering on the art
        block(3, 62, 50, "textured", 9.0),  # next to it but bold: a sound effect
    ]
    kept, removal = balloon_text(regions, (200, 200))
    assert [r.block for r in kept] == [0, 1] and removal.sum() == 200
