"""Partial convolution (Liu et al. 2018): convolve valid pixels only, renormalise, update the mask.

Mask convention here: ``valid`` is ``(B, 1, H, W)``, 1 = valid pixel, 0 = hole; one mask is
shared by all channels. For each output pixel with ``count`` valid inputs under the kernel
window of ``k * k`` taps (zero padding counts as hole):

    out = conv(x * valid) * (k * k / count) + bias   if count > 0
    out = 0                                           otherwise
    valid' = (count > 0)

so a hole shrinks by the kernel's reach at every layer. The renormalisation is done in place
with ``masked_fill_`` (the original design's choice); ``use_where=True`` computes the same thing with
``torch.where`` on full tensors, kept so that the two can be measured against each other.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def valid_count(valid: torch.Tensor, kernel: int, stride: int, padding: int, dilation: int) -> torch.Tensor:
    """Number of valid pixels under each kernel window: ``(B, 1, H, W) -> (B, 1, H', W')``."""
    ones = valid.new_ones(1, 1, kernel, kernel)
    return F.conv2d(valid, ones, None, stride, padding, dilation)


class PartialConv2d(nn.Conv2d):
    """A ``Conv2d`` over valid pixels only; ``forward(x, valid) -> (y, valid')``.

    ``x (B, in_ch, H, W), valid (B, 1, H, W) -> y (B, out_ch, H', W'), valid' (B, 1, H', W')``
    with 'same' padding, ``H' = ceil(H / stride)``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        use_where: bool = False,
    ):
        padding = dilation * (kernel - 1) // 2
        super().__init__(in_ch, out_ch, kernel, stride, padding, dilation, groups, bias)
        self.use_where = use_where
        self.window = float(kernel * kernel)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k, s, p, d = self.kernel_size[0], self.stride, self.padding, self.dilation
        with torch.no_grad():
            count = valid_count(valid, k, s[0], p[0], d[0])
        raw = F.conv2d(x * valid, self.weight, None, s, p, d, self.groups)
        if self.use_where:
            return self._renormalise_where(raw, count)
        return self._renormalise_inplace(raw, count)

    def _renormalise_inplace(
        self, raw: torch.Tensor, count: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            hole = count == 0
            scale = (self.window / count.clamp(min=1.0)).masked_fill_(hole, 0.0)
        out = raw.mul_(scale)
        if self.bias is not None:
            out = out.add_(self.bias.view(1, -1, 1, 1)).masked_fill_(hole, 0.0)
        return out, (~hole).to(raw.dtype)

    def _renormalise_where(self, raw: torch.Tensor, count: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        has_valid = count > 0
        zero = torch.zeros((), dtype=raw.dtype, device=raw.device)
        scale = torch.where(has_valid, self.window / count, zero)
        out = raw * scale
        if self.bias is not None:
            out = torch.where(has_valid, out + self.bias.view(1, -1, 1, 1), zero)
        return out, has_valid.to(raw.dtype)


class SeparablePartialConv2d(nn.Module):
    """Depthwise partial conv (renormalised, mask updated) followed by a 1x1 conv.

    Holes stay exactly 0 after the pointwise bias. Same signature and shapes as ``PartialConv2d``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int = 1,
        dilation: int = 1,
        bias: bool = True,
        use_where: bool = False,
    ):
        super().__init__()
        self.depthwise = PartialConv2d(
            in_ch, in_ch, kernel, stride, dilation, groups=in_ch, bias=False, use_where=use_where
        )
        self.pointwise = nn.Conv2d(in_ch, out_ch, 1, bias=bias)
        self.use_where = use_where

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, valid = self.depthwise(x, valid)
        y = self.pointwise(y)
        if self.pointwise.bias is None:
            return y, valid
        if self.use_where:
            return torch.where(valid > 0, y, torch.zeros((), dtype=y.dtype)), valid
        return y.masked_fill_(valid == 0, 0.0), valid
