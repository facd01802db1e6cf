"""MobileNetV2 encoder (Sandler et al. 2018) with a width multiplier, scSE and dilation.

The original design: width 2.0, an scSE block after every inverted-residual block, and the
strides of the output-stride-16 and -32 stages replaced by dilated convolutions so the deepest
features stay at 1/8 (or 1/16). The final 1x1 "1280" convolution and the classifier are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from mangaclean.models.layers import SCSE, ConvBNAct

# (expansion t, channels c, repeats n, stride s) of the ImageNet network.
STAGES: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
LOW_LEVEL_STAGE = 1  # the 24-channel stage ends at 1/4 scale


@dataclass(frozen=True)
class MobileNetV2Config:
    """width: channel multiplier (1.0, 1.4, 2.0, ...); output_stride: 8 or 16 (or 32: no dilation);
    scse_reduction: 0 turns the scSE blocks off."""

    in_channels: int = 1
    width: float = 1.0
    output_stride: int = 16
    scse_reduction: int = 16


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of ``divisor`` without losing more than 10% (as torchvision)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class InvertedResidual(nn.Module):
    """1x1 expand -> 3x3 depthwise (stride or dilation) -> 1x1 linear projection (+ residual).

    ``(B, in_ch, H, W) -> (B, out_ch, H / stride, W / stride)``.
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int, expand: int, dilation: int = 1):
        super().__init__()
        hidden = in_ch * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(ConvBNAct(in_ch, hidden, 1, act="relu6"))
        layers += [
            ConvBNAct(hidden, hidden, 3, stride, dilation, groups=hidden, act="relu6"),
            nn.Conv2d(hidden, out_ch, 1, bias=False),
            nn.BatchNorm2d(out_ch),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2Encoder(nn.Module):
    """``(B, in_channels, H, W) -> (low (B, low_channels, H/4, W/4), high (B, high_channels,
    H/output_stride, W/output_stride))`` (sizes rounded up for odd inputs)."""

    def __init__(self, config: MobileNetV2Config):
        super().__init__()
        if config.output_stride not in (8, 16, 32):
            raise ValueError(f"output_stride must be 8, 16 or 32, got {config.output_stride}")
        self.config = config
        self.output_stride = config.output_stride
        stem_ch = make_divisible(32 * config.width)
        self.stem = ConvBNAct(config.in_channels, stem_ch, 3, stride=2, act="relu6")
        stride, dilation, in_ch = 2, 1, stem_ch
        self.low_stages, self.high_stages = nn.ModuleList(), nn.ModuleList()
        for index, (t, c, n, s) in enumerate(STAGES):
            out_ch = make_divisible(c * config.width)
            if stride * s > config.output_stride:
                first_dilation, dilation, s = dilation, dilation * s, 1
            else:
                first_dilation, stride = dilation, stride * s
            blocks: list[nn.Module] = []
            for i in range(n):
                d = first_dilation if i == 0 else dilation
                blocks.append(InvertedResidual(in_ch, out_ch, s if i == 0 else 1, t, d))
                if config.scse_reduction:
                    blocks.append(SCSE(out_ch, config.scse_reduction))
                in_ch = out_ch
            target = self.low_stages if index <= LOW_LEVEL_STAGE else self.high_stages
            target.append(nn.Sequential(*blocks))
            if index == LOW_LEVEL_STAGE:
                self.low_channels = out_ch
        self.high_channels = in_ch

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.stem(x)
        for stage in self.low_stages:
            x = stage(x)
        low = x
        for stage in self.high_stages:
            x = stage(x)
        return low, x
