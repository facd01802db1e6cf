"""Slim Xception encoder (the original design's alternative to MobileNetV2).

Every separable convolution is depthwise -> BN -> pointwise -> BN (-> ReLU). Entry flow: two
plain convolutions and three strided residual blocks (1/4, 1/8, 1/16; the last one dilated
instead of strided for output stride 8). Middle flow: one residual block per atrous rate
(2-4-2-1 by default). Exit flow: a residual block and three separable convolutions, again at
rates 2-4-2-1. The rates are multiplied by ``16 / output_stride`` so that the receptive field in
page pixels does not depend on the output stride.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from mangaclean.models.layers import ConvBNAct, SeparableConv


@dataclass(frozen=True)
class XceptionConfig:
    """entry: channels of the stem conv, second conv and the three entry blocks;
    middle: channels of the middle flow; exit: channels of the exit block and final convs."""

    in_channels: int = 1
    output_stride: int = 16
    entry: tuple[int, ...] = (32, 64, 128, 256, 384)
    middle: int = 384
    exit: tuple[int, int] = (512, 512)
    atrous_rates: tuple[int, ...] = (2, 4, 2, 1)


class XceptionBlock(nn.Module):
    """Three separable convs (ReLU first, as in Xception) plus a shortcut.

    The shortcut is a strided 1x1 conv + BN when channels or size change, identity otherwise.
    ``(B, in_ch, H, W) -> (B, out_ch, H / stride, W / stride)``.
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(),
            SeparableConv(in_ch, out_ch, 3, 1, dilation, act="relu"),
            SeparableConv(out_ch, out_ch, 3, 1, dilation, act="relu"),
            SeparableConv(out_ch, out_ch, 3, stride, dilation, act="identity"),
        )
        if stride == 1 and in_ch == out_ch:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class XceptionEncoder(nn.Module):
    """``(B, in_channels, H, W) -> (low (B, entry[2], H/4, W/4), high (B, exit[1],
    H/output_stride, W/output_stride))`` (sizes rounded up for odd inputs)."""

    def __init__(self, config: XceptionConfig):
        super().__init__()
        if config.output_stride not in (8, 16):
            raise ValueError(f"output_stride must be 8 or 16, got {config.output_stride}")
        if len(config.entry) != 5:
            raise ValueError("entry needs 5 channel counts (stem, conv2, three blocks)")
        self.config = config
        self.output_stride = config.output_stride
        c = config.entry
        scale = 16 // config.output_stride
        rates = [r * scale for r in config.atrous_rates]
        self.stem = nn.Sequential(
            ConvBNAct(config.in_channels, c[0], 3, stride=2),
            ConvBNAct(c[0], c[1], 3),
            XceptionBlock(c[1], c[2], stride=2),
        )
        last_stride = 2 if config.output_stride == 16 else 1
        self.entry = nn.Sequential(
            XceptionBlock(c[2], c[3], stride=2),
            XceptionBlock(c[3], c[4], stride=last_stride, dilation=1),
        )
        mid = [
            XceptionBlock(c[4] if i == 0 else config.middle, config.middle, 1, r) for i, r in enumerate(rates)
        ]
        self.middle = nn.Sequential(*mid)
        e0, e1 = config.exit
        exit_rates = rates + [1] * max(0, 4 - len(rates))
        self.exit = nn.Sequential(
            XceptionBlock(config.middle, e0, 1, exit_rates[0]),
            SeparableConv(e0, e1, 3, 1, exit_rates[1]),
            SeparableConv(e1, e1, 3, 1, exit_rates[2]),
            SeparableConv(e1, e1, 3, 1, exit_rates[3]),
        )
        self.low_channels = c[2]
        self.high_channels = e1

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        low = self.stem(x)
        x = self.exit(self.middle(self.entry(low)))
        return low, x
