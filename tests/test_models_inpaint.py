"""Inpainting networks: the partial convolution on hand-made masks, tiny U-Nets on CPU."""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from model_tester import TINY_INPAINTERS, ModelTester  # noqa: E402

from mangaclean.models.inpaint.partial_conv import (  # noqa: E402
    PartialConv2d,
    SeparablePartialConv2d,
)
from mangaclean.models.inpaint.unet import pyramid_fill  # noqa: E402
from mangaclean.models.registry import build, build_model, model_config  # noqa: E402


class TestTinyInpainters(ModelTester):
    variants = TINY_INPAINTERS

    def check_output(self, model, inputs, output) -> None:
        image, hole = inputs
        assert 0.0 <= float(output.min()) and float(output.max()) <= 1.0
        garbage = torch.where(
            hole > 0, torch.rand(image.shape, generator=torch.Generator().manual_seed(3)) * 9.0, image
        )
        with torch.no_grad():
            assert torch.equal(model(garbage, hole), output)  # hole content is ignored


def _hole_8x8() -> torch.Tensor:
    """``(1, 1, 8, 8)`` valid mask with a 4x4 hole at rows/cols 2..5."""
    valid = torch.ones(1, 1, 8, 8)
    valid[:, :, 2:6, 2:6] = 0.0
    return valid


@pytest.mark.parametrize("use_where", [False, True])
def test_partial_conv_hole_shrinks_by_the_kernel_reach(use_where: bool) -> None:
    conv = PartialConv2d(3, 3, 3, use_where=use_where)
    x = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    valid = _hole_8x8()
    y1, valid1 = conv(x, valid)
    expected1 = torch.ones(1, 1, 8, 8)
    expected1[:, :, 3:5, 3:5] = 0.0  # 3x3 reaches one pixel: the 4x4 hole becomes 2x2
    assert torch.equal(valid1, expected1)
    assert torch.equal(y1[:, :, 3:5, 3:5], torch.zeros(1, 3, 2, 2))  # holes output exactly 0
    _, valid2 = conv(y1, valid1)
    assert torch.equal(valid2, torch.ones(1, 1, 8, 8))


def test_partial_conv_stride_two_mask() -> None:
    conv = PartialConv2d(1, 1, 3, stride=2)
    valid = torch.ones(1, 1, 8, 8)
    valid[:, :, 0:5, 0:5] = 0.0
    _, out = conv(torch.randn(1, 1, 8, 8), valid)
    # output pixel (i, j) sees input rows 2i-1..2i+1: all-hole for i, j <= 1
    expected = torch.ones(1, 1, 4, 4)
    expected[:, :, 0:2, 0:2] = 0.0
    assert torch.equal(out, expected)


def test_partial_conv_ignores_hole_content_and_renormalises() -> None:
    conv = PartialConv2d(1, 1, 3, bias=False)
    torch.nn.init.constant_(conv.weight, 1.0)
    x = torch.full((1, 1, 8, 8), 2.0)
    valid = _hole_8x8()
    x_garbage = torch.where(valid > 0, x, torch.tensor(1e6))
    y, _ = conv(x_garbage, valid)
    # a sum over the valid taps renormalised by 9 / count: the mean (2) times 9, wherever defined
    assert torch.allclose(y[valid.expand_as(y) > 0], torch.tensor(18.0))


def test_fully_valid_partial_conv_equals_an_ordinary_conv() -> None:
    conv = PartialConv2d(2, 4, 3)
    x = torch.randn(1, 2, 8, 8, generator=torch.Generator().manual_seed(1))
    y, valid = conv(x, torch.ones(1, 1, 8, 8))
    plain = F.conv2d(x, conv.weight, conv.bias, padding=1)
    assert torch.equal(valid, torch.ones(1, 1, 8, 8))
    assert torch.allclose(y[:, :, 1:-1, 1:-1], plain[:, :, 1:-1, 1:-1], atol=1e-6)
    # zero padding counts as hole (Liu et al.): the border is renormalised by 9 / count
    count = F.conv2d(torch.ones(1, 1, 8, 8), torch.ones(1, 1, 3, 3), padding=1)
    bias = conv.bias.view(1, -1, 1, 1)
    assert torch.allclose(y, (plain - bias) * 9.0 / count + bias, atol=1e-5)


def test_masked_fill_and_where_agree_with_gradients() -> None:
    x = torch.randn(2, 3, 11, 13, generator=torch.Generator().manual_seed(2))
    valid = (torch.rand(2, 1, 11, 13, generator=torch.Generator().manual_seed(3)) > 0.4).float()
    for cls in (PartialConv2d, SeparablePartialConv2d):
        torch.manual_seed(0)
        inplace = cls(3, 5, 3, stride=2)
        torch.manual_seed(0)
        where = cls(3, 5, 3, stride=2, use_where=True)
        y1, m1 = inplace(x, valid)
        y2, m2 = where(x, valid)
        assert torch.equal(m1, m2)
        assert torch.allclose(y1, y2, atol=1e-6)
        y1.square().sum().backward()
        y2.square().sum().backward()
        for p1, p2 in zip(inplace.parameters(), where.parameters(), strict=True):
            assert torch.allclose(p1.grad, p2.grad, atol=1e-5)
        assert torch.equal(y1 * (1 - m1), torch.zeros_like(y1))  # holes exactly 0


def test_colour_and_separable_options_build_and_run() -> None:
    config = dataclasses.replace(model_config("inpaint_pconv_tiny"), in_channels=3, separable=True)
    model = build(config).eval()
    with torch.no_grad():
        out = model(torch.rand(1, 3, 33, 47), torch.zeros(1, 1, 33, 47))
    assert out.shape == (1, 3, 33, 47)


def test_variant_sizes() -> None:
    """pconv_paper keeps the paper's > 30M parameters; pconv_deep is about 18M."""

    def count(name: str) -> int:
        with torch.device("meta"):
            return sum(p.numel() for p in build_model(name).parameters())

    assert count("inpaint_pconv_paper") > 30e6
    assert 17e6 < count("inpaint_pconv_deep") < 19.5e6
    small = count("inpaint_pconv_small")
    for name in ("inpaint_gated_small", "inpaint_mask_attention"):
        assert 0.8 < count(name) / small < 1.25  # "of similar size"


def test_pyramid_fill_keeps_valid_pixels_and_interpolates_holes() -> None:
    valid = torch.ones(1, 1, 32, 48)
    valid[..., 10:22, 12:30] = 0.0
    flat = pyramid_fill(torch.full((1, 1, 32, 48), 0.3), valid, 5)
    assert torch.allclose(flat, torch.full_like(flat, 0.3))
    ramp = torch.linspace(0, 1, 48).expand(1, 1, 32, 48).clone()
    filled = pyramid_fill(ramp * valid + 7.0 * (1 - valid), valid, 5)  # hole content must not matter
    assert torch.equal(filled * valid, ramp * valid)
    inside = filled[0, 0, 10:22, 12:30]
    assert float(inside.min()) >= float(ramp[0, 0, 0, 8]) and float(inside.max()) <= float(ramp[0, 0, 0, 34])
    assert float(inside[:, -1].mean()) > float(inside[:, 0].mean())  # the ramp carries on across


def test_prefill_model_starts_as_the_fill_and_learns_a_correction() -> None:
    model = build_model("inpaint_gated_fill_tiny").eval()
    g = torch.Generator().manual_seed(7)
    image = torch.rand(1, 1, 40, 56, generator=g)
    hole = torch.zeros(1, 1, 40, 56)
    hole[..., 8:24, 10:40] = 1.0
    with torch.no_grad():
        start = model(torch.where(hole > 0, torch.full_like(image, 5.0), image), hole)
    fill = pyramid_fill(image, 1 - hole, len(model.config.channels)).clamp(0, 1)
    assert torch.allclose(start, fill)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(2):  # the zero last layer moves first, then the layers before it get gradients
        model.train()
        optimizer.zero_grad()
        (hole * (model(image, hole) - image)).square().mean().backward()
        optimizer.step()
    assert float(model.down[0].conv1.conv.weight.grad.abs().sum()) > 0
    with torch.no_grad():
        moved = model.eval()(image, hole)
    assert not torch.allclose(moved[hole > 0], fill[hole > 0])


def test_prefill_needs_convolutions_that_see_the_holes() -> None:
    with pytest.raises(ValueError, match="prefill"):
        build(dataclasses.replace(model_config("inpaint_pconv_tiny"), prefill=True))
