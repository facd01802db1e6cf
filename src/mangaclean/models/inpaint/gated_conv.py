"""Gated convolution (Yu et al. 2019, DeepFill v2) and the original design's mask-attention convolution.

Both share ``PartialConv2d``'s interface, ``forward(x, valid) -> (y, valid')`` with ``valid``
``(B, 1, H, W)``, 1 = valid, so that one U-Net serves every family. ``valid'`` shrinks the hole
like a partial convolution would (an output pixel is valid if any input under its window is).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mangaclean.models.layers import make_act


def shrink_hole(valid: torch.Tensor, kernel: int, stride: int, dilation: int) -> torch.Tensor:
    """``(B, 1, H, W) -> (B, 1, H', W')``: 1 where any pixel under the window is valid."""
    padding = dilation * (kernel - 1) // 2
    return F.max_pool2d(valid, kernel, stride, padding, dilation)


class GatedConv2d(nn.Module):
    """``act(conv_f(x)) * sigmoid(conv_g(x))`` with one convolution split in two halves.

    ``x (B, in_ch, H, W) -> (B, out_ch, ceil(H / stride), ceil(W / stride))``; ``valid`` is only
    carried along (the gates learn where the holes are from the input).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int = 1,
        dilation: int = 1,
        act: str = "elu",
    ):
        super().__init__()
        padding = dilation * (kernel - 1) // 2
        self.conv = nn.Conv2d(in_ch, 2 * out_ch, kernel, stride, padding, dilation)
        self.act = make_act(act, inplace=False)
        self.out_ch, self.kernel, self.stride, self.dilation = out_ch, kernel, stride, dilation

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feature, gate = self.conv(x).split(self.out_ch, dim=1)
        y = self.act(feature) * torch.sigmoid(gate)
        return y, shrink_hole(valid, self.kernel, self.stride, self.dilation)


class MaskAttentionConv2d(nn.Module):
    """The original design's proposal: ``conv_x(x) * tanh(conv_m(hole))``.

    Separate convolutions on the image features and on the binary hole mask (1 = hole); the
    tanh of the mask branch weights the image features, an attention map that can act on and
    around the holes. ``x (B, in_ch, H, W), valid (B, 1, H, W) -> (B, out_ch, H', W')``.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        padding = dilation * (kernel - 1) // 2
        self.image = nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation)
        self.mask = nn.Conv2d(1, out_ch, kernel, stride, padding, dilation)
        self.kernel, self.stride, self.dilation = kernel, stride, dilation

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        attention = torch.tanh(self.mask(1.0 - valid))
        y = self.image(x) * attention
        return y, shrink_hole(valid, self.kernel, self.stride, self.dilation)
