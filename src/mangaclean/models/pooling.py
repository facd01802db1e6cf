"""Context pooling on the deepest features: Receptive Field Block (the original design's) and ASPP."""

from __future__ import annotations

import torch
from torch import nn

from mangaclean.models.layers import ConvBNAct, SeparableConv

POOLINGS = ("rfb", "aspp")


class RFB(nn.Module):
    """Receptive Field Block (Liu et al. 2018), separable version.

    One branch per ``(kernel, rate)``: 1x1 reduce -> separable ``kernel x kernel`` conv ->
    separable 3x3 conv at dilation ``rate``. The branches are concatenated, fused by a 1x1 conv
    and added to a 1x1 shortcut of the input. ``(B, in_ch, h, w) -> (B, out_ch, h, w)``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernels: tuple[int, ...] = (3, 5, 7),
        rates: tuple[int, ...] = (3, 5, 7),
    ):
        super().__init__()
        if len(kernels) != len(rates):
            raise ValueError("RFB needs one atrous rate per kernel size")
        mid = max(out_ch // 4, 8)
        self.branches = nn.ModuleList(
            nn.Sequential(
                ConvBNAct(in_ch, mid, 1),
                SeparableConv(mid, mid, k),
                SeparableConv(mid, mid, 3, dilation=r),
            )
            for k, r in zip(kernels, rates, strict=True)
        )
        self.fuse = nn.Sequential(
            nn.Conv2d(mid * len(kernels), out_ch, 1, bias=False), nn.BatchNorm2d(out_ch)
        )
        self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.BatchNorm2d(out_ch))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fuse(torch.cat([branch(x) for branch in self.branches], dim=1))
        return self.act(y + self.shortcut(x))


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling (DeepLabV3), with separable atrous branches.

    Branches: 1x1 conv, separable 3x3 convs at each rate, and global average pooling (1x1 conv +
    ReLU, no BN so that batch 1 trains), concatenated and projected by a 1x1 conv.
    ``(B, in_ch, h, w) -> (B, out_ch, h, w)``.
    """

    def __init__(self, in_ch: int, out_ch: int, rates: tuple[int, ...] = (6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([ConvBNAct(in_ch, out_ch, 1)])
        self.branches.extend(SeparableConv(in_ch, out_ch, 3, dilation=r) for r in rates)
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_ch, out_ch, 1), nn.ReLU(inplace=True)
        )
        self.project = ConvBNAct(out_ch * (len(rates) + 2), out_ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [branch(x) for branch in self.branches]
        parts.append(self.image_pool(x).expand_as(parts[0]))
        return self.project(torch.cat(parts, dim=1))


def build_pooling(
    name: str, in_ch: int, out_ch: int, output_stride: int, rates: tuple[int, ...] = ()
) -> nn.Module:
    """RFB (rates default 3-5-7) or ASPP (rates default 6-12-18 at output stride 16, doubled at 8)."""
    if name == "rfb":
        return RFB(in_ch, out_ch, rates=rates or (3, 5, 7))
    if name == "aspp":
        scale = 16 // output_stride if output_stride <= 16 else 1
        return ASPP(in_ch, out_ch, rates=rates or tuple(r * scale for r in (6, 12, 18)))
    raise ValueError(f"unknown pooling {name!r}; choose one of {POOLINGS}")
