"""Segmentation networks: tiny variants on CPU (``ModelTester``), structural checks of the original
design, the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from model_tester import TINY, TINY_SEGMENTERS, ModelTester  # noqa: E402

from mangaclean.models.encoders.mobilenet_v2 import (  # noqa: E402
    MobileNetV2Config,
    MobileNetV2Encoder,
)
from mangaclean.models.layers import SCSE  # noqa: E402
from mangaclean.models.registry import (  # noqa: E402
    build_model,
    config_from_dict,
    config_to_dict,
    kind_of,
    list_variants,
    model_config,
)


class TestTinySegmenters(ModelTester):
    variants = TINY_SEGMENTERS

    def check_output(self, model, inputs, output) -> None:
        probability = model.predict(inputs[0])
        assert probability.shape == output.shape
        assert 0.0 <= float(probability.min()) and float(probability.max()) <= 1.0


def _page(generator: torch.Generator, batch: int = 1, h: int = 97, w: int = 161) -> torch.Tensor:
    return torch.rand(batch, 1, h, w, generator=generator) * 2.0 - 1.0


def test_predict_pads_to_the_stride_like_the_runtime() -> None:
    model = build_model("seg_tiny").eval()
    x = _page(torch.Generator().manual_seed(3), h=50, w=70)
    white = (1.0 - model.config.mean) / model.config.std
    padded = torch.nn.functional.pad(x, (0, 10, 0, 14), value=white)
    assert padded.shape[2] % model.pad_multiple == 0 and padded.shape[3] % model.pad_multiple == 0
    with torch.no_grad():
        expected = torch.sigmoid(model(padded))[:, :, :50, :70]
    assert torch.allclose(model.predict(x), expected)


def test_original_design_matches_its_published_size() -> None:
    """Width 2: ~7.0M convolution parameters; the scSE blocks ~0.17M; output stride 8."""
    encoder = build_model("seg_mnv2_x2_original").encoder
    scse = sum(p.numel() for m in encoder.modules() if isinstance(m, SCSE) for p in m.parameters())
    convs = sum(
        m.weight.numel()
        for n, m in encoder.named_modules()
        if isinstance(m, torch.nn.Conv2d) and ".channel." not in n and ".spatial." not in n
    )
    assert abs(convs - 7.0e6) < 0.1e6
    assert abs(scse - 0.17e6) < 0.01e6
    assert encoder.output_stride == 8


@pytest.mark.parametrize("width", [1.0, 1.4, 2.0])
@pytest.mark.parametrize("stride", [8, 16])
def test_mobilenet_widths_and_output_strides(width: float, stride: int) -> None:
    config = MobileNetV2Config(in_channels=3, width=width, output_stride=stride)
    with torch.device("meta"):
        encoder = MobileNetV2Encoder(config)
        low, high = encoder(torch.zeros(1, 3, 64, 96))
    assert low.shape[2:] == (16, 24)
    assert high.shape[2:] == (64 // stride, 96 // stride)
    assert high.shape[1] == encoder.high_channels


def test_registry_names_kinds_and_config_round_trip() -> None:
    segmenters, inpainters = list_variants("segmenter"), list_variants("inpainter")
    for name in ["seg_mnv2_x2_original", "seg_mnv2_light", "seg_xception_slim", *TINY_SEGMENTERS]:
        assert name in segmenters
    assert set(segmenters).isdisjoint(inpainters)
    for name in list_variants():
        config = model_config(name)
        data = json.loads(json.dumps(config_to_dict(config)))
        assert config_from_dict(kind_of(config), data) == config
    with pytest.raises(KeyError):
        model_config("no_such_variant")


def test_every_family_has_a_tiny_variant_and_shipped_weights_use_registry_names() -> None:
    def family(name: str) -> str:
        config = model_config(name)
        return config.encoder if kind_of(config) == "segmenter" else config.family

    assert {family(n) for n in list_variants()} == {family(n) for n in TINY}
    weights = Path(__file__).parents[1] / "src" / "mangaclean" / "weights"
    for manifest in weights.glob("*.json"):
        if manifest.name != "defaults.json":
            entry = json.loads(manifest.read_text())
            if entry["kind"] == "detector":  # a third party's network, shipped as it is
                assert entry["source"] and (weights / "LICENSE-PP-OCR.txt").is_file()
                continue
            assert entry["variant"] in list_variants()
