"""The evaluation commands on the real pages in ../shared/data (skipped when the folder is absent).

Quick runs only (a few pages): the full numbers live in docs/results/eval_*.json (docs/RESULTS.md).
"""

import json

import pytest

from mangaclean.cli import main
from mangaclean.eval.data_paths import OPENMANTRA, TEXTMASKS, default_data_root

ROOT = default_data_root()

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        ROOT is None or not (ROOT / TEXTMASKS).is_dir() or not (ROOT / OPENMANTRA).is_dir(),
        reason="real evaluation data (../shared/data or $MANGACLEAN_DATA) is absent",
    ),
]


def _run(*argv) -> int:
    return main([str(a) for a in argv])


def test_eval_masks_on_real_pages(tmp_path, capsys):
    out = tmp_path / "masks.json"
    assert _run("eval", "masks", "--limit", 3, "--segmenter", "classical", "--json", out) == 0
    result = json.loads(out.read_text())["masks"][0]
    assert result["pages"] == 3 and 0.0 < result["f1"] <= 1.0 and result["failures"] == []


def test_eval_boxes_on_real_pages(tmp_path, capsys):
    out = tmp_path / "boxes.json"
    assert _run("eval", "boxes", "--limit", 2, "--segmenter", "classical", "--json", out) == 0
    result = json.loads(out.read_text())["boxes"][0]
    assert result["pages"] == 2 and result["boxes"] > 0 and 0.0 <= result["box_recall"] <= 1.0


def test_eval_inpaint_on_real_pages(tmp_path, capsys):
    out = tmp_path / "inpaint.json"
    code = _run("eval", "inpaint", "--limit", 20, "--n", 2, "--n-plain", 1, "--inpainters", "white,telea",
                "--json", out)  # fmt: skip
    assert code == 0
    summary = json.loads(out.read_text())["inpaint"]["summary"]
    assert summary["telea"]["textured"]["holes"] == 2
