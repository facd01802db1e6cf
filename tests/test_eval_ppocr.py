"""The PP-OCR peer (needs the eval extra: rapidocr-onnxruntime; skipped without it)."""

import cv2
import numpy as np
import pytest

pytest.importorskip("rapidocr_onnxruntime")

from mangaclean.backends import load_segmenter  # noqa: E402


@pytest.fixture(scope="module")
def segmenter():
    return load_segmenter("ppocr")


def _page(dark_text: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A white page with two lines of printed text, and the text's pixels."""
    text = np.zeros((300, 400), dtype=np.uint8)
    cv2.putText(text, "HELLO WORLD", (30, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 3)
    cv2.putText(text, "Text removal", (30, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 3)
    truth = text > 127
    page = np.where(truth, 20, 245).astype(np.uint8)
    return (page if dark_text else 255 - page), truth


@pytest.mark.parametrize("dark_text", [True, False])
def test_ppocr_finds_printed_text(segmenter, dark_text):
    page, truth = _page(dark_text)
    probability = segmenter.probability(page)
    assert segmenter.name == "ppocr" and probability.shape == page.shape and probability.dtype == np.uint8
    found = probability > 127
    assert (found & truth).sum() > 0.8 * truth.sum()
    assert (found & ~truth).sum() < 0.2 * found.sum()


def test_ppocr_takes_colour_and_large_pages(segmenter):
    page, truth = _page()
    big = cv2.resize(np.dstack([page] * 3), (2400, 1800), interpolation=cv2.INTER_NEAREST)
    probability = segmenter.probability(big)
    assert probability.shape == big.shape[:2]
    assert probability[cv2.resize(truth.astype(np.uint8), (2400, 1800)) > 0].mean() > 0.7 * 255


def test_ppocr_on_blank_page(segmenter):
    assert not segmenter.probability(np.full((64, 64), 255, np.uint8)).any()
