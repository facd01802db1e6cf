"""Text segmentation network: encoder -> RFB (or ASPP) pooling -> DeepLabV3+ decoder.

Input: a normalised page ``x = (pixel / 255 - mean) / std``, ``(B, C, H, W)`` with C = 1
(grayscale) or 3. Output: text-vs-background logits ``(B, 1, H, W)`` at input resolution.
Any H, W work; multiples of ``pad_multiple`` (the output stride) align the decoder exactly,
which ``predict`` ensures by padding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from mangaclean.models.encoders import EncoderConfig, build_encoder
from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config
from mangaclean.models.layers import ConvBNAct, SeparableConv, Upsample, crop_to
from mangaclean.models.pooling import build_pooling


@dataclass(frozen=True)
class SegmenterConfig:
    """encoder: a name from ``models.encoders.ENCODERS``, configured by ``encoder_config``.

    pooling: "rfb" or "aspp" (``pool_rates`` empty = that block's defaults).
    upsample: "bilinear", "transposed" or "pixel_shuffle", used for both decoder upsamplings.
    decoder_separable: separable 3x3 refinement convs (cheaper) instead of dense ones.
    mean, std: the input normalisation the network expects (same for every channel).
    """

    encoder: str = "mobilenet_v2"
    encoder_config: EncoderConfig = field(default_factory=MobileNetV2Config)
    pooling: str = "rfb"
    pool_channels: int = 256
    pool_rates: tuple[int, ...] = ()
    low_level_channels: int = 48
    decoder_channels: int = 256
    decoder_separable: bool = False
    upsample: str = "bilinear"
    mean: float = 0.5
    std: float = 0.5


class DeepLabV3PlusDecoder(nn.Module):
    """Pooled features upsampled to 1/4, concatenated with the projected 1/4-scale encoder
    features and refined by two 3x3 convs.

    ``pooled (B, pool_ch, H/os, W/os), low (B, low_ch, H/4, W/4) -> (B, decoder_channels, H/4, W/4)``.
    """

    def __init__(self, config: SegmenterConfig, low_ch: int, output_stride: int):
        super().__init__()
        c = config
        self.project = ConvBNAct(low_ch, c.low_level_channels, 1)
        factor = output_stride // 4
        self.up = Upsample(c.upsample, c.pool_channels, c.pool_channels, factor)
        in_ch = c.pool_channels + c.low_level_channels
        if c.decoder_separable:
            self.refine = nn.Sequential(
                SeparableConv(in_ch, c.decoder_channels),
                SeparableConv(c.decoder_channels, c.decoder_channels),
            )
        else:
            self.refine = nn.Sequential(
                ConvBNAct(in_ch, c.decoder_channels, 3),
                ConvBNAct(c.decoder_channels, c.decoder_channels, 3),
            )

    def forward(self, pooled: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        up = crop_to(self.up(pooled), low.shape[2], low.shape[3])
        return self.refine(torch.cat([up, self.project(low)], dim=1))


class Segmenter(nn.Module):
    """``(B, C, H, W)`` normalised page -> ``(B, 1, H, W)`` text logits."""

    kind = "segmenter"

    def __init__(self, config: SegmenterConfig, variant: str = "custom"):
        super().__init__()
        self.config, self.variant = config, variant
        self.encoder = build_encoder(config.encoder, config.encoder_config)
        stride = self.encoder.output_stride
        self.pool = build_pooling(
            config.pooling, self.encoder.high_channels, config.pool_channels, stride, config.pool_rates
        )
        self.decoder = DeepLabV3PlusDecoder(config, self.encoder.low_channels, stride)
        self.head = Upsample(config.upsample, config.decoder_channels, 1, factor=4)

    @property
    def in_channels(self) -> int:
        return self.config.encoder_config.in_channels

    @property
    def pad_multiple(self) -> int:
        """H and W multiples at which the decoder aligns exactly (the encoder's output stride)."""
        return self.encoder.output_stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low, high = self.encoder(x)
        y = self.decoder(self.pool(high), low)
        return crop_to(self.head(y), x.shape[2], x.shape[3])

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Text probability of a normalised page, padded internally to ``pad_multiple``.

        The padding (bottom and right) is white paper, ``(1 - mean) / std``, as in the ONNX
        runtime. ``(B, C, H, W) -> (B, 1, H, W)`` in [0, 1]. Runs without gradients in the
        module's current mode: call ``eval()`` first for inference.
        """
        h, w = x.shape[2], x.shape[3]
        m = self.pad_multiple
        white = (1.0 - self.config.mean) / self.config.std
        padded = F.pad(x, (0, (-w) % m, 0, (-h) % m), value=white)
        with torch.no_grad():
            logits = self(padded)
        return torch.sigmoid(crop_to(logits, h, w))
