"""``mangaclean learn`` end to end on a tiny network and a few drawn page pairs (no fonts needed).

The pages are grey paper with lines (the "art") and Hershey-font words (the "lettering"); the
clean page is the same page without the words. The tiny network starts from an fp32 ONNX file
exported here, the way the shipped one does from its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="learn needs the train extra (PyTorch)")
pytest.importorskip("onnxscript", reason="learn exports with torch's dynamo exporter (onnxscript)")

from mangaclean.errors import UsageError  # noqa: E402
from mangaclean.train.learn import LearnOptions, learn  # noqa: E402

pytestmark = pytest.mark.slow


def _pair(seed: int, size=(192, 160)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h, w = size
    clean = np.full((h, w), 235, np.uint8)
    for _ in range(6):
        p, q = rng.integers(0, [w, h], size=(2, 2))
        cv2.line(clean, tuple(map(int, p)), tuple(map(int, q)), 60, 2)
    raw = clean.copy()
    for line in range(3):
        x, y = int(rng.integers(5, 40)), 40 + 45 * line
        cv2.putText(raw, "TEXT" if line % 2 else "word", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 10, 2)
    return raw, clean


def _write(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    from mangaclean.export.onnx import export_with_manifest
    from mangaclean.models.registry import build_model

    path = tmp_path_factory.mktemp("base") / "seg_tiny.onnx"
    torch.manual_seed(0)
    export_with_manifest(build_model("seg_tiny").eval(), path)
    return path


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pairs")
    for i in range(6):
        raw, clean = _pair(i)
        _write(root / "raw" / f"p{i}.png", raw)
        _write(root / "clean" / f"p{i}.png", clean)
    blank = _pair(8)[1]
    _write(root / "raw" / "blank.png", blank)  # a page without text: nothing to erase, still worth learning
    _write(root / "clean" / "blank.png", blank)
    _write(root / "raw" / "alone.png", _pair(9)[0])  # no cleaned page
    _write(root / "raw" / "wrong.png", _pair(10)[0])
    _write(root / "clean" / "wrong.png", np.full((90, 300), 235, np.uint8))  # another size
    return root / "raw", root / "clean"


def _options(base: Path, **changes) -> LearnOptions:
    values = dict(
        minutes=0.05, holdout=0.34, synth_share=0.0, base=str(base), crop=64, batch_size=2, workers=0
    )
    return LearnOptions(**(values | changes))


@pytest.fixture(scope="module")
def learned(tiny_base, pairs, tmp_path_factory):
    """One learn run shared by the tests below: (model_dir, report, progress reports, inputs' digest)."""
    raw, clean = pairs
    before = _digest(raw.parent)
    model_dir = tmp_path_factory.mktemp("learned") / "model"
    seen: list[dict] = []
    report = learn((str(raw), str(clean)), None, model_dir, _options(tiny_base), progress=seen.append)
    return model_dir, report, seen, before


def test_learn_writes_a_usable_model_and_leaves_the_inputs_alone(learned, pairs, tmp_path):
    model_dir, report, seen, before = learned
    raw, _ = pairs
    assert _digest(raw.parent) == before
    assert report["pages"] == {"train": 5, "heldout": 2, "refused": 2}
    lines = (model_dir / "pages.csv").read_text().splitlines()
    assert lines[0] == "name,source,status,split,text_share,message"
    by_name = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert by_name["alone"][2:4] == ["unmatched", "refused"]
    assert by_name["wrong"][2:4] == ["size_mismatch", "refused"]
    assert (
        sorted(row[3] for name, row in by_name.items() if name.startswith("p"))
        == ["heldout"] * 2 + ["train"] * 4
    )
    # the loop reported its progress, and the best checkpoint was chosen on held-out crops
    assert seen and seen[-1]["budget"] == pytest.approx(3.0) and seen[-1]["step"] >= 1
    assert set(report["heldout_crops_before"]) >= {"f1", "precision", "recall"}
    assert report["heldout_crops_after"]["f1"] >= report["heldout_crops_before"]["f1"]
    # a model folder: fp32 + int8 with manifests that say what was learned, listed in defaults.json
    listing = json.loads((model_dir / "defaults.json").read_text())
    assert listing == {
        "segmenter": {"fp32": "segmenter.onnx", "int8": "segmenter.int8.onnx", "default": "int8"}
    }
    for name in ("segmenter.json", "segmenter.int8.json"):
        manifest = json.loads((model_dir / name).read_text())
        assert manifest["variant"] == "seg_tiny"
        assert manifest["learned"]["pages"]["train"] == 5
    rows = report["side_by_side"]
    assert [row["model"] for row in rows] == ["before", "after"]
    assert all(row["pages"] == 2 and 0 <= row["f1"] <= 1 for row in rows)
    assert json.loads((model_dir / "learn.json").read_text())["side_by_side"] == rows

    # the folder is a segmenter for clean (and the API)
    from mangaclean.backends import load_segmenter
    from mangaclean.cli import main

    assert load_segmenter(str(model_dir)).name.startswith("seg_tiny")
    out = tmp_path / "out"
    assert main(["clean", str(raw / "p0.png"), "-o", str(out), "--segmenter", str(model_dir), "-q"]) == 0
    assert (out / "p0.png").is_file()


def test_learn_resumes_and_refuses_to_mix_runs(learned, tiny_base, pairs):
    model_dir, first, _, _ = learned
    raw, clean = pairs
    steps = torch.load(model_dir / "work" / "run" / "last.pt", weights_only=False)["step"]
    again = learn((str(raw), str(clean)), None, model_dir, _options(tiny_base))  # budget spent: no training
    assert torch.load(model_dir / "work" / "run" / "last.pt", weights_only=False)["step"] == steps
    assert again["steps"] == first["steps"] == steps and first["best_step"] <= steps
    with pytest.raises(UsageError, match="other inputs or settings"):
        learn((str(raw), str(clean)), None, model_dir, _options(tiny_base, lr=1e-3))


def test_pages_with_hand_masks_and_bad_requests(tiny_base, pairs, tmp_path):
    from mangaclean.train.learn import _pages

    raw, _ = pairs
    masks = tmp_path / "masks"
    for path in sorted(raw.glob("p*.png")):
        page = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        _write(masks / path.name, np.where(page < 100, 255, 0).astype(np.uint8))
    _write(masks / "wrong.png", np.zeros((20, 20), np.uint8))
    lines, usable = _pages(None, (str(raw), str(masks)), tmp_path / "derived", workers=0)
    assert [page.name for page in usable] == [f"mask/p{i}" for i in range(6)]
    status = {line.name: line.status for line in lines}
    assert status["wrong"] == "size_mismatch" and status["alone"] == status["blank"] == "unmatched"
    with pytest.raises(UsageError, match="inside or around"):
        learn(None, (str(raw), str(masks)), raw / "model", _options(tiny_base))
    with pytest.raises(UsageError, match="not a folder"):
        learn(None, (str(raw / "nowhere"), str(masks)), tmp_path / "m2", _options(tiny_base))
    one = tmp_path / "one"
    _write(one / "p0.png", cv2.imread(str(raw / "p0.png")))
    with pytest.raises(UsageError, match="at least 2"):
        learn(None, (str(one), str(masks)), tmp_path / "m3", _options(tiny_base))
