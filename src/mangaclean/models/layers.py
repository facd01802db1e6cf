"""Small blocks shared by the segmenter and the inpainters.

Nothing here imports the rest of mangaclean. Tensors are ``(B, C, H, W)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

UPSAMPLE_METHODS = ("bilinear", "transposed", "pixel_shuffle")


def make_act(name: str, inplace: bool = True) -> nn.Module:
    """An activation by name: relu, relu6, leaky_relu (slope 0.2, as in Liu et al.), elu, identity."""
    if name == "relu":
        return nn.ReLU(inplace=inplace)
    if name == "relu6":
        return nn.ReLU6(inplace=inplace)
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2, inplace=inplace)
    if name == "elu":
        return nn.ELU(inplace=inplace)
    if name == "identity":
        return nn.Identity()
    raise ValueError(f"unknown activation {name!r}; use relu, relu6, leaky_relu, elu or identity")


class ConvBNAct(nn.Sequential):
    """conv -> batch norm -> activation, 'same' padding for odd kernels.

    ``(B, in_ch, H, W) -> (B, out_ch, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int = 3,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        act: str = "relu",
    ):
        padding = dilation * (kernel - 1) // 2
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation, groups, bias=False),
            nn.BatchNorm2d(out_ch),
            make_act(act),
        )


class SeparableConv(nn.Sequential):
    """Depthwise conv -> BN -> pointwise conv -> BN -> activation.

    The batch norm between the depthwise and pointwise convolutions is the original design's slim-Xception
    choice (no activation there). ``(B, in_ch, H, W) -> (B, out_ch, H / stride, W / stride)``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int = 3,
        stride: int = 1,
        dilation: int = 1,
        act: str = "relu",
    ):
        padding = dilation * (kernel - 1) // 2
        super().__init__(
            nn.Conv2d(in_ch, in_ch, kernel, stride, padding, dilation, groups=in_ch, bias=False),
            nn.BatchNorm2d(in_ch),
            nn.Conv2d(in_ch, out_ch, 1, bias=False),
            nn.BatchNorm2d(out_ch),
            make_act(act),
        )


class SCSE(nn.Module):
    """Concurrent spatial and channel squeeze & excitation (Roy et al. 2018).

    ``x * cSE(x) + x * sSE(x)``; cSE: global average -> 1x1 (C -> C/r) -> ReLU -> 1x1 -> sigmoid;
    sSE: 1x1 (C -> 1) -> sigmoid. ``(B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.channel = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )
        self.spatial = nn.Sequential(nn.Conv2d(channels, 1, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (self.channel(x) + self.spatial(x))


def crop_to(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Cut ``(B, C, H', W')`` down to ``(B, C, h, w)`` (top-left corner; ``H' >= h``, ``W' >= w``)."""
    return x[:, :, :h, :w]


class Upsample(nn.Module):
    """Upsample by an integer ``factor`` and change channels, with one of ``UPSAMPLE_METHODS``.

    - bilinear: 1x1 conv (when channels change) at the low resolution, then bilinear interpolation;
    - transposed: one transposed convolution, kernel ``2 * factor``, stride ``factor``;
    - pixel_shuffle: 1x1 conv to ``out_ch * factor**2`` channels, then pixel shuffle.

    ``(B, in_ch, h, w) -> (B, out_ch, h * factor, w * factor)``.
    """

    def __init__(self, method: str, in_ch: int, out_ch: int, factor: int, bias: bool = True):
        super().__init__()
        if method not in UPSAMPLE_METHODS:
            raise ValueError(f"unknown upsampling {method!r}; use one of {UPSAMPLE_METHODS}")
        if factor < 2 or factor % 2:
            raise ValueError(f"upsampling factor must be even and >= 2, got {factor}")
        self.method, self.factor = method, factor
        if method == "bilinear":
            same = in_ch == out_ch
            self.proj = nn.Identity() if same else nn.Conv2d(in_ch, out_ch, 1, bias=bias)
        elif method == "transposed":
            k, p = 2 * factor, factor // 2
            self.proj = nn.ConvTranspose2d(in_ch, out_ch, k, factor, p, bias=bias)
        else:
            self.proj = nn.Sequential(
                nn.Conv2d(in_ch, out_ch * factor * factor, 1, bias=bias), nn.PixelShuffle(factor)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.method == "bilinear":
            x = self.proj(x)
            return F.interpolate(x, scale_factor=float(self.factor), mode="bilinear")
        return self.proj(x)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
