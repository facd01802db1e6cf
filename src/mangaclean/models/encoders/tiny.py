"""A plain strided-convolution encoder: the fastest segmenter family, for tests and smoke runs."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from mangaclean.models.layers import ConvBNAct


@dataclass(frozen=True)
class TinyConfig:
    """channels: after each stride-2 conv (1/2, 1/4, 1/8, 1/16); output_stride 8 dilates the last."""

    in_channels: int = 1
    output_stride: int = 16
    channels: tuple[int, int, int, int] = (8, 16, 24, 32)


class TinyEncoder(nn.Module):
    """``(B, in_channels, H, W) -> (low (B, channels[1], H/4, W/4), high (B, channels[3],
    H/output_stride, W/output_stride))``."""

    def __init__(self, config: TinyConfig):
        super().__init__()
        if config.output_stride not in (8, 16):
            raise ValueError(f"output_stride must be 8 or 16, got {config.output_stride}")
        self.config = config
        self.output_stride = config.output_stride
        c = config.channels
        last_stride, last_dilation = (2, 1) if config.output_stride == 16 else (1, 2)
        self.low = nn.Sequential(
            ConvBNAct(config.in_channels, c[0], 3, stride=2), ConvBNAct(c[0], c[1], 3, stride=2)
        )
        self.high = nn.Sequential(
            ConvBNAct(c[1], c[2], 3, stride=2),
            ConvBNAct(c[2], c[3], 3, stride=last_stride, dilation=last_dilation),
        )
        self.low_channels, self.high_channels = c[1], c[3]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        low = self.low(x)
        return low, self.high(low)
