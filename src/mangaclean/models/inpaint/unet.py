"""Inpainting U-Net shared by the partial-conv, gated-conv and mask-attention families.

``Inpainter.forward(image, hole) -> image``: ``image (B, C, H, W)`` in [0, 1] (hole pixels may
hold anything: they are zeroed before any convolution sees them), ``hole (B, 1, H, W)``,
1 = hole; the output ``(B, C, H, W)`` is in [0, 1]. The caller composites: only hole pixels
should be taken from the output.

Encoder level l: conv (stride 2, kernel ``kernels[l]``) -> norm -> act, and with
``residual_blocks`` (the original design's block) a second conv (stride 1) -> norm -> act added back.
Decoder (Liu et al.): nearest x2 of features and mask, concatenated with the encoder's skip
(the last one with the input image), conv 3x3 -> norm -> leaky ReLU (the original design's block again
with ``decoder_convs=2``); the last conv maps to C channels, then a sigmoid.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from mangaclean.models.inpaint.gated_conv import GatedConv2d, MaskAttentionConv2d
from mangaclean.models.inpaint.partial_conv import PartialConv2d, SeparablePartialConv2d
from mangaclean.models.layers import crop_to, make_act

FAMILIES = ("pconv", "gated", "attention")


@dataclass(frozen=True)
class InpainterConfig:
    """family: "pconv" | "gated" | "attention"; channels/kernels: one entry per level (depth).

    separable: depthwise-separable partial convolutions (pconv only).
    use_where: partial-conv renormalisation with torch.where instead of masked_fill_.
    norm: "batch" or "none"; mean/std: input normalisation (the network takes [0, 1]).
    prefill: the holes are first filled by a push-pull pyramid (``pyramid_fill``); the network
    sees that fill (not zeros) and outputs a correction added to it, so even an untrained
    network returns a smooth fill. Meant for the gated family, whose convolutions see hole pixels.
    """

    family: str = "pconv"
    in_channels: int = 1
    channels: tuple[int, ...] = (32, 64, 128, 128, 128)
    kernels: tuple[int, ...] = (5, 3, 3, 3, 3)
    residual_blocks: bool = True
    decoder_convs: int = 1
    separable: bool = False
    use_where: bool = False
    norm: str = "batch"
    encoder_act: str = "relu"
    decoder_act: str = "leaky_relu"
    mean: float = 0.0
    std: float = 1.0
    prefill: bool = False


def pyramid_fill(image: torch.Tensor, valid: torch.Tensor, levels: int) -> torch.Tensor:
    """Push-pull hole filling: ``image (B, C, H, W)``, ``valid (B, 1, H, W)`` -> ``(B, C, H, W)``.

    Valid pixels are kept; each hole pixel takes the bilinear upsampling of the masked mean of
    the next coarser level (filled the same way, ``levels`` deep; a mid-grey 0.5 below that).
    Exact halvings need H and W to be multiples of ``2 ** levels`` (the network's pad multiple);
    other sizes work, a fraction of a pixel off.
    """
    if levels <= 0:
        return image * valid + 0.5 * (1.0 - valid)
    weight = F.avg_pool2d(valid, 2, ceil_mode=True)
    coarse = F.avg_pool2d(image * valid, 2, ceil_mode=True) / weight.clamp(min=1e-6)
    coarse = pyramid_fill(coarse, (weight > 0).to(image.dtype), levels - 1)
    up = F.interpolate(coarse, size=image.shape[2:], mode="bilinear", align_corners=False)
    return image * valid + up * (1.0 - valid)


def make_masked_conv(
    config: InpainterConfig, in_ch: int, out_ch: int, kernel: int, stride: int, act: str = "elu"
) -> nn.Module:
    """One layer of the family: ``forward(x, valid) -> (y, valid')``; ``act`` is for gated convs,
    which activate their feature half themselves."""
    if config.family == "pconv":
        cls = SeparablePartialConv2d if config.separable else PartialConv2d
        bias = config.norm == "none"
        return cls(in_ch, out_ch, kernel, stride, bias=bias, use_where=config.use_where)
    if config.family == "gated":
        return GatedConv2d(in_ch, out_ch, kernel, stride, act=act)
    if config.family == "attention":
        return MaskAttentionConv2d(in_ch, out_ch, kernel, stride)
    raise ValueError(f"unknown inpainter family {config.family!r}; choose one of {FAMILIES}")


class PlainConv(nn.Conv2d):
    """A 3x3 ``Conv2d`` with bias and the masked-layer signature (the mask is passed through)."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__(in_ch, out_ch, 3, padding=1)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return super().forward(x), valid


def make_last_conv(config: InpainterConfig, in_ch: int, out_ch: int) -> nn.Module:
    """The output layer, no norm or activation: a biased partial conv, else a plain conv."""
    if config.family == "pconv":
        return PartialConv2d(in_ch, out_ch, 3, bias=True, use_where=config.use_where)
    return PlainConv(in_ch, out_ch)


class MaskedBlock(nn.Module):
    """conv (stride) -> norm -> act [-> conv (stride 1) -> norm -> act, added back].

    Gated convs apply ``act`` inside (to their feature half), so the block adds none.
    ``x (B, in_ch, H, W), valid (B, 1, H, W) -> (B, out_ch, H/stride, W/stride), valid'``.
    """

    def __init__(
        self,
        config: InpainterConfig,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int,
        act: str,
        residual: bool,
    ):
        super().__init__()
        block_act = "identity" if config.family == "gated" else act
        batch_norm = config.norm == "batch"
        self.conv1 = make_masked_conv(config, in_ch, out_ch, kernel, stride, act)
        self.norm1 = nn.BatchNorm2d(out_ch) if batch_norm else nn.Identity()
        self.act1 = make_act(block_act)
        self.conv2 = make_masked_conv(config, out_ch, out_ch, kernel, 1, act) if residual else None
        self.norm2 = nn.BatchNorm2d(out_ch) if batch_norm and residual else nn.Identity()
        self.act2 = make_act(block_act)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, valid = self.conv1(x, valid)
        y = self.act1(self.norm1(y))
        if self.conv2 is None:
            return y, valid
        z, valid = self.conv2(y, valid)
        z = self.act2(self.norm2(z))
        return y + z, valid


def upsample_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Nearest x2, cropped to ``like``'s size: ``(B, C, h, w) -> (B, C, H, W)``."""
    return crop_to(F.interpolate(x, scale_factor=2.0, mode="nearest"), like.shape[2], like.shape[3])


class Inpainter(nn.Module):
    """``image (B, C, H, W) in [0, 1], hole (B, 1, H, W) (1 = hole) -> (B, C, H, W) in [0, 1]``."""

    kind = "inpainter"

    def __init__(self, config: InpainterConfig, variant: str = "custom"):
        super().__init__()
        if len(config.channels) != len(config.kernels):
            raise ValueError("InpainterConfig needs one kernel size per channel entry")
        if config.prefill and config.family == "pconv":
            raise ValueError("prefill needs convolutions that see hole pixels (gated, attention)")
        self.config, self.variant = config, variant
        c = config
        widths = (c.in_channels, *c.channels)
        self.input_extra = 1 if c.family == "gated" else 0  # gated convs also see the hole mask
        first_in = c.in_channels + self.input_extra
        res = c.residual_blocks
        self.down = nn.ModuleList(
            MaskedBlock(c, widths[i] if i else first_in, widths[i + 1], k, 2, c.encoder_act, res)
            for i, k in enumerate(c.kernels)
        )
        self.up = nn.ModuleList(
            MaskedBlock(c, widths[i + 1] + widths[i], widths[i], 3, 1, c.decoder_act, c.decoder_convs == 2)
            for i in range(1, len(c.channels))
        )
        self.last = make_last_conv(c, widths[1] + first_in, c.in_channels)
        if c.prefill:  # start as the plain pyramid fill
            nn.init.zeros_(self.last.weight)
            nn.init.zeros_(self.last.bias)

    @property
    def in_channels(self) -> int:
        return self.config.in_channels

    @property
    def pad_multiple(self) -> int:
        """H and W must be multiples of this for the skips to align exactly (2 ** depth)."""
        return 2 ** len(self.config.channels)

    def forward(self, image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        valid = (hole < 0.5).to(image.dtype)
        if self.config.prefill:
            base = pyramid_fill(image, valid, len(self.config.channels))
            x = base * 2.0 - 1.0
        else:
            x = (image * 2.0 - 1.0) * valid
        if self.input_extra:
            x = torch.cat([x, 1.0 - valid], dim=1)
        skips = [(x, valid)]
        y, m = x, valid
        for block in self.down:
            y, m = block(y, m)
            skips.append((y, m))
        skips.pop()
        for block in reversed(self.up):
            skip, skip_valid = skips.pop()
            y = torch.cat([upsample_to(y, skip), skip], dim=1)
            m = torch.maximum(upsample_to(m, skip), skip_valid)
            y, m = block(y, m)
        skip, skip_valid = skips.pop()
        y = torch.cat([upsample_to(y, skip), skip], dim=1)
        m = torch.maximum(upsample_to(m, skip), skip_valid)
        y, _ = self.last(y, m)
        if self.config.prefill:  # clamped only for use: in training a clamp would stop gradients
            return base + y if self.training else (base + y).clamp(0.0, 1.0)
        return torch.sigmoid(y)
