"""Export: manifests, safetensors checkpoints, ONNX parity per family, int8, the CLI command."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from mangaclean.backends.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from mangaclean.backends.manifest import read_manifest, write_manifest  # noqa: E402
from mangaclean.commands import export as commands  # noqa: E402
from mangaclean.errors import ModelError  # noqa: E402
from mangaclean.export.onnx import check_parity, export_with_manifest, onnx_session  # noqa: E402
from mangaclean.export.quantize import (  # noqa: E402
    inpainter_feeds,
    quantize_with_manifest,
    segmenter_feeds,
)
from mangaclean.models.registry import build_model  # noqa: E402


def _pages(count: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    pages = []
    for _ in range(count):
        page = np.full((96, 128), 245, np.uint8)
        page[rng.integers(0, 80) :][:10, 20:90] = 10
        pages.append(page)
    return pages


def test_manifest_round_trip_and_sha256_check(tmp_path: Path) -> None:
    weights = tmp_path / "m.onnx"
    weights.write_bytes(b"weights")
    spec = {"channels": 1, "mean": 0.5, "std": 0.5, "pad_multiple": 16}
    path = write_manifest(
        weights, variant="v", kind="segmenter", config={"a": 1}, input_spec=spec, format="onnx"
    )
    assert path == tmp_path / "m.json"
    manifest = read_manifest(path)
    assert manifest["file"] == "m.onnx" and manifest["precision"] == "fp32"
    assert manifest["input"] == spec and read_manifest(weights) == manifest
    weights.write_bytes(b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        read_manifest(path)
    weights.unlink()
    with pytest.raises(ModelError, match="not found"):
        read_manifest(path)


def test_runtime_modules_do_not_import_torch() -> None:
    code = (
        "import sys, mangaclean.backends, mangaclean.backends.manifest, mangaclean.export.quantize; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["seg_xception_tiny", "inpaint_pconv_tiny"])
def test_checkpoint_rebuilds_the_model_from_its_manifest(tmp_path: Path, name: str) -> None:
    model = build_model(name).eval()
    manifest_path = save_checkpoint(model, tmp_path / f"{name}.safetensors", extra={"step": 7})
    manifest = json.loads(manifest_path.read_text())
    assert manifest["variant"] == name and manifest["format"] == "safetensors"
    assert manifest["step"] == 7 and manifest["input"]["pad_multiple"] == model.pad_multiple
    loaded, _ = load_checkpoint(manifest_path)
    args = [torch.rand(1, 1, 32, 48)]
    if model.kind == "inpainter":
        args.append((torch.rand(1, 1, 32, 48) < 0.3).float())
    with torch.no_grad():
        assert torch.equal(loaded(*args), model(*args))
    manifest_path.unlink()  # the safetensors header alone still rebuilds it
    header_only, spec = load_checkpoint(tmp_path / f"{name}.safetensors", verify=False)
    assert spec["config"] == manifest["config"]
    with pytest.raises(ModelError):
        load_checkpoint(tmp_path / f"{name}.safetensors")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["seg_tiny", "inpaint_pconv_tiny"])
def test_default_dynamo_exporter_matches_eager(tmp_path: Path, name: str) -> None:
    model = build_model(name).eval()
    path = tmp_path / f"{name}.onnx"
    export_with_manifest(model, path)
    assert check_parity(model, path, sizes=((3, 5), (6, 2))) <= 1e-4


@pytest.mark.parametrize("name", ["seg_tiny", "inpaint_pconv_tiny"])
def test_static_int8_stays_close_to_fp32(tmp_path: Path, name: str) -> None:
    torch.manual_seed(0)  # the check depends on the weights: make them the same every run
    model = build_model(name).eval()
    fp32 = tmp_path / f"{name}.onnx"
    export_with_manifest(model, fp32, dynamo=False)
    spec = read_manifest(fp32)["input"]
    rng = np.random.default_rng(1)
    make = segmenter_feeds if model.kind == "segmenter" else inpainter_feeds
    feeds = make(_pages(), spec, rng, size=64)
    int8 = tmp_path / f"{name}.int8.onnx"
    manifest = read_manifest(quantize_with_manifest(fp32, int8, feeds))
    assert manifest["precision"] == "int8" and manifest["variant"] == name
    a = onnx_session(fp32).run(None, feeds[0])[0]
    b = onnx_session(int8).run(None, feeds[0])[0]
    assert a.shape == b.shape
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.95


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands.add_arguments(parser)
    return parser.parse_args(argv)


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    for i, page in enumerate(_pages(2)):
        Image.fromarray(page).save(tmp_path / f"cal{i}.png")
    out = tmp_path / "out"
    argv = ["--variant", "seg_tiny", "--out", str(out), "--exporter", "torchscript", "--int8"]
    assert commands.run(_parse([*argv, "--calibration", str(tmp_path)])) == 0
    assert read_manifest(out / "seg_tiny.json")["format"] == "onnx"
    assert read_manifest(out / "seg_tiny.int8.json")["precision"] == "int8"
    with pytest.raises(ModelError, match="calibration"):
        commands.run(_parse(argv))
    with pytest.raises(ModelError):
        commands.run(_parse(["--variant", "nope", "--out", str(out)]))
    assert commands.run(_parse(["--list"])) == 0
    assert "seg_mnv2_x2_original" in capsys.readouterr().out


def test_the_shipped_segmenter_rebuilds_from_its_onnx():
    """The training checkpoint of the shipped segmenter is lost: its fp32 ONNX rebuilds it."""
    from mangaclean.export.from_onnx import model_from_onnx

    path = Path(__file__).parents[1] / "src" / "mangaclean" / "weights" / "seg_mnv2_light.onnx"
    model, manifest = model_from_onnx(path)
    assert manifest["variant"] == "seg_mnv2_light"
    image = torch.rand(1, 1, 96, 128, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        eager = torch.sigmoid(model(image)).numpy()
    session = onnx_session(path, threads=1)
    onnx_logits = session.run(None, {session.get_inputs()[0].name: image.numpy()})[0]
    assert np.abs(eager - 1 / (1 + np.exp(-onnx_logits))).max() < 1e-4
    with pytest.raises(ModelError):
        model_from_onnx(path.with_name("seg_mnv2_light.int8.onnx"))
