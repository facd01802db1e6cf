"""The tests every network family passes on its ``*_tiny`` variant (in the style of smp's
``BaseModelTester``), and the one list of those variants, read from the registry.

A test class subclasses ``ModelTester`` and sets ``variants``; ``conftest.pytest_generate_tests``
runs each test once per variant (the ``variant`` argument).
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from mangaclean.models.registry import build_model, list_variants  # noqa: E402

TINY_SEGMENTERS = [name for name in list_variants("segmenter") if name.endswith("_tiny")]
TINY_INPAINTERS = [name for name in list_variants("inpainter") if name.endswith("_tiny")]
TINY = TINY_SEGMENTERS + TINY_INPAINTERS


def model_inputs(kind: str, generator: torch.Generator, batch: int, h: int, w: int) -> list[torch.Tensor]:
    """A model's inputs: a segmenter's normalised page ``(B, 1, h, w)``; an inpainter's image in
    [0, 1] and hole mask ``(B, 1, h, w)`` (1 = hole, about 30% of the pixels)."""
    if kind == "segmenter":
        return [torch.rand(batch, 1, h, w, generator=generator) * 2.0 - 1.0]
    image = torch.rand(batch, 1, h, w, generator=generator)
    return [image, (torch.rand(batch, 1, h, w, generator=generator) < 0.3).float()]


class ModelTester:
    """Output shapes at odd sizes, a gradient for every parameter, deterministic eval, state-dict
    round trip and ONNX Runtime matching eager PyTorch, for each name in ``variants``."""

    variants: list[str] = []

    def check_output(self, model, inputs: list[torch.Tensor], output: torch.Tensor) -> None:
        """Family-specific checks of an eval-mode output at an odd size (override)."""

    def test_shapes_at_odd_sizes(self, variant: str) -> None:
        model = build_model(variant).eval()
        inputs = model_inputs(model.kind, torch.Generator().manual_seed(0), 2, 97, 161)
        with torch.no_grad():
            output = model(*inputs)
        assert output.shape == (2, 1, 97, 161)
        self.check_output(model, inputs, output)

    def test_every_parameter_gets_a_gradient(self, variant: str) -> None:
        model = build_model(variant).train()
        inputs = model_inputs(model.kind, torch.Generator().manual_seed(1), 2, 48, 64)
        model(*inputs).square().mean().backward()
        assert [n for n, p in model.named_parameters() if p.grad is None] == []
        assert all(torch.isfinite(p.grad).all() for p in model.parameters())

    def test_eval_is_deterministic_and_state_dict_round_trips(self, variant: str) -> None:
        model = build_model(variant).eval()
        inputs = model_inputs(model.kind, torch.Generator().manual_seed(2), 1, 40, 56)
        with torch.no_grad():
            first, second = model(*inputs), model(*inputs)
        assert torch.equal(first, second)
        clone = build_model(variant).eval()  # other random weights, until the state dict is loaded
        clone.load_state_dict(model.state_dict())
        with torch.no_grad():
            assert torch.equal(clone(*inputs), first)

    def test_onnx_matches_eager_at_several_sizes(self, variant: str, tmp_path: Path) -> None:
        pytest.importorskip("onnx")
        pytest.importorskip("onnxruntime")
        from mangaclean.backends.manifest import read_manifest
        from mangaclean.export.onnx import check_parity, export_with_manifest, onnx_session

        model = build_model(variant).eval()
        path = tmp_path / f"{variant}.onnx"
        export_with_manifest(model, path, dynamo=False)
        assert check_parity(model, path, sizes=((3, 5), (2, 7), (5, 2))) <= 1e-4
        session = onnx_session(path)
        names = [i.name for i in session.get_inputs()], [o.name for o in session.get_outputs()]
        expected = (
            (["image"], ["logits"]) if model.kind == "segmenter" else (["image", "hole"], ["inpainted"])
        )
        assert names == expected
        assert read_manifest(path)["variant"] == variant
