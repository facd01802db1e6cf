"""``mangaclean eval ...`` run for real on generated pages in tmp_path (no real data needed)."""

import importlib.util
import json

import numpy as np
import pytest
from pages import manga_page
from PIL import Image

from mangaclean.cli import main
from mangaclean.eval import data_paths, holes
from mangaclean.io import read_mask


def _run(*argv) -> int:
    return main([str(a) for a in argv])


@pytest.fixture
def textmasks(tmp_path):
    """A folder shaped like real-dev/manga109-textmasks: images/*.jpg and masks/*.png."""
    root = tmp_path / "data" / data_paths.TEXTMASKS
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for seed in range(4):
        page, truth = manga_page(seed)
        page = np.pad(page, ((0, 0), (0, 120)), constant_values=255)  # plain paper for the inpaint test
        truth = np.pad(truth, ((0, 0), (0, 120)))
        Image.fromarray(page).save(root / "images" / f"Title_{seed:03d}.jpg", quality=95)
        mask = Image.fromarray(np.where(truth, 255, 0).astype(np.uint8))
        mask.save(root / "masks" / f"Title_{seed:03d}.png")
    return root


def test_eval_masks_side_by_side(textmasks, tmp_path, capsys):
    out = tmp_path / "report.json"
    code = _run("eval", "masks", "--data-root", tmp_path / "data", "--segmenter", "classical,auto",
                "--json", out, "--overlays", tmp_path / "overlays", "--limit", 3)  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    assert "| classical | 3 |" in table and "| auto (" in table  # auto = the shipped network
    record = json.loads(out.read_text())
    assert record["command"].startswith("mangaclean eval masks") and "cores" in record["machine"]
    first, second = record["masks"]
    assert first["pages"] == second["pages"] == 3 and 0.0 < first["recall"] <= 1.0
    assert first["tolerant_f1"] >= first["f1"]
    assert len(list((tmp_path / "overlays" / "classical").glob("*.png"))) == 3


def test_eval_masks_scores_prediction_files(textmasks, tmp_path, capsys):
    predictions = tmp_path / "pred"
    predictions.mkdir()
    for mask in sorted((textmasks / "masks").glob("*.png"))[:2]:  # two perfect, two missing
        (predictions / mask.name).write_bytes(mask.read_bytes())
    out = tmp_path / "report.json"
    assert _run("eval", "masks", "--images", textmasks / "images", "--masks", textmasks / "masks",
                "--predictions", predictions, "--json", out) == 0  # fmt: skip
    result = json.loads(out.read_text())["masks"][0]
    assert result["pages"] == 4 and result["precision"] == 1.0
    assert 0.3 < result["recall"] < 0.7 and result["median_page_f1"] == 0.5


def test_eval_boxes(textmasks, tmp_path, capsys):
    images = textmasks / "images"
    books = [{"book_title": "demo", "pages": []}]
    for page in sorted(images.glob("*.jpg")):
        truth = read_mask(textmasks / "masks" / f"{page.stem}.png")
        ys, xs = np.nonzero(truth[:, : truth.shape[1] // 2])  # the left balloon's text
        x, y, w, h = int(xs.min()) - 3, int(ys.min()) - 3, int(np.ptp(xs)) + 7, int(np.ptp(ys)) + 7
        box = {"x": x, "y": y, "w": w, "h": h}
        books[0]["pages"].append({"image_paths": {"ja": f"images/{page.name}"}, "text": [box]})
    annotation = textmasks / "annotation.json"
    annotation.write_text(json.dumps(books))
    out = tmp_path / "boxes.json"
    assert _run("eval", "boxes", "--annotations", annotation, "--segmenter", "classical", "--json", out,
                "--overlays", tmp_path / "overlays") == 0  # fmt: skip
    result = json.loads(out.read_text())["boxes"][0]
    assert result["boxes"] == 4 and result["pages"] == 4
    assert 0.0 <= result["box_recall"] <= 1.0 and set(result["box_recall_by_title"]) == {"demo"}
    assert len(list((tmp_path / "overlays").rglob("*.png"))) == 4


def test_eval_inpaint_is_reproducible(textmasks, tmp_path, capsys):
    runs = []
    for name in ("a.json", "b.json"):
        assert _run("eval", "inpaint", "--images", textmasks / "images", "--masks", textmasks / "masks",
                    "--n", 3, "--n-plain", 1, "--seed", 5, "--inpainters", "white,telea,fsr,patchmatch",
                    "--json", tmp_path / name) == 0  # fmt: skip
        runs.append(json.loads((tmp_path / name).read_text()))
    first, second = runs[0]["inpaint"], runs[1]["inpaint"]
    assert first["holes"] == second["holes"]
    assert sorted(h["kind"] for h in first["holes"]) == ["plain", "textured", "textured", "textured"]
    summary = first["summary"]
    for kind in ("textured", "plain"):
        white, telea = summary["white"][kind], summary["telea"][kind]
        assert white["holes"] == telea["holes"] > 0 and 0 < telea["ssim"] <= 1
    table = capsys.readouterr().out
    if not hasattr(__import__("cv2"), "xphoto"):
        assert "fsr: skipped" in table
    if importlib.util.find_spec("patchmatch_cython") is None:
        assert "patchmatch: skipped" in table


def test_glyph_groups_are_grown_holes():
    _, truth = manga_page(0)
    groups = holes.glyph_groups(truth)
    assert groups and all(g.dtype == bool and g.any() for g in groups)
    assert sum(int(g.sum()) for g in groups) > truth.sum()  # grown by the removal margin


def test_background_kind():
    around = np.ones((20, 20), dtype=bool)
    assert holes.background_kind(np.full((20, 20), 250, np.uint8), around) == "plain"
    assert holes.background_kind(np.full((20, 20), 10, np.uint8), around) is None
    tone = np.where((np.indices((20, 20)).sum(0) % 2) == 0, 0, 255).astype(np.uint8)
    assert holes.background_kind(tone, around) == "textured"


def test_data_root_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(data_paths.ENV_VAR, str(tmp_path))
    assert data_paths.default_data_root() == tmp_path


def test_missing_data_is_a_usage_error(tmp_path, capsys):
    assert _run("eval", "masks", "--data-root", tmp_path / "nowhere", "--segmenter", "classical") == 2
    assert "not found" in capsys.readouterr().err


def test_eval_balloons_scores_flat_blocks(textmasks, tmp_path, capsys):
    out = tmp_path / "balloons.json"
    code = _run("eval", "balloons", "--data-root", tmp_path / "data", "--segmenter", "classical",
                "--json", out, "--overlays", tmp_path / "ghosts")  # fmt: skip
    assert code == 0
    assert "ring MAD" in capsys.readouterr().out
    summary = json.loads(out.read_text())["balloons"]
    assert summary["pages"] == 4 and summary["flat_blocks"] > 0
    assert summary["fill_mad_mean"] == 0.0  # a flat block is painted with exactly its ring colour
    assert summary["ghost_share"] == summary["ghost_blocks"] / summary["flat_blocks"]
