"""Regression of the shipped default segmenter (``auto``: the int8 network) on pages the project
renders itself: the network, its quantisation and the refinement together must keep finding the
lettering. Pixel F1 summed over a few synthetic pages of the training distribution (fixed rng;
sound effects neither right nor wrong), against a floor set well under what it scores, and well
over what the classical fallback scores on the same pages, so that a broken default shows."""

from __future__ import annotations

import numpy as np
import pytest

from mangaclean.backends import load_models, shipped_model
from mangaclean.data.synth import SFX_CODE, TEXT_CODE, SynthConfig, render_page, sample_rng
from mangaclean.errors import FontNotFoundError
from mangaclean.eval.metrics import MaskCounts, score_mask
from mangaclean.pipeline import text_mask

# Well under the shipped network's score on these pages and well over the classical fallback's
# (the failure message shows both): the pages depend on the installed fonts, hence the margin.
F1_FLOOR = 0.55
PAGES = SynthConfig(page_size=(827, 1170), degrade=False)
STREAM, COUNT = 2026, 4


@pytest.fixture(scope="module")
def pages() -> list:
    try:
        return [render_page(PAGES, sample_rng(STREAM, index)) for index in range(COUNT)]
    except FontNotFoundError as exc:
        pytest.skip(f"synthetic pages need a CJK-capable font (see scripts/font-packages.txt): {exc}")


def _f1(pages: list, segmenter: str) -> float:
    models = load_models(segmenter, "white", threads=1)
    counts = MaskCounts()
    for sample in pages:
        predicted = text_mask(sample.raw, models) & (sample.mask != SFX_CODE)
        counts = counts + score_mask(predicted, sample.mask == TEXT_CODE)
    return counts.f1


@pytest.mark.slow
def test_shipped_default_segmenter_finds_the_lettering(pages):
    if shipped_model("segmenter") is None:
        pytest.skip("this build ships no segmenter network")
    assert "int8" in load_models("auto", "white").segmenter.name
    f1, classical = _f1(pages, "auto"), _f1(pages, "classical")
    assert f1 >= F1_FLOOR and f1 > classical + 0.1, f"F1 {f1:.3f} (classical {classical:.3f})"


def test_pages_are_the_same_every_run(pages):
    again = render_page(PAGES, sample_rng(STREAM, 0))
    assert np.array_equal(again.raw, pages[0].raw) and np.array_equal(again.mask, pages[0].mask)
