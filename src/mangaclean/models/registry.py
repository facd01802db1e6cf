"""Named model variants: name -> kind + frozen config -> ``nn.Module``.

The names are stable: they are written into checkpoints and weight manifests, and a model is
rebuilt from ``(kind, config dict)`` alone (``build_from_config``). Every family has a
``*_tiny`` variant for tests; the tiny segmenters deliberately differ in pooling and
upsampling so that the tests cover every option.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from torch import nn

from mangaclean.models.encoders import ENCODERS
from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config
from mangaclean.models.encoders.tiny import TinyConfig
from mangaclean.models.encoders.xception import XceptionConfig
from mangaclean.models.inpaint.unet import Inpainter, InpainterConfig
from mangaclean.models.segmenter import Segmenter, SegmenterConfig

KINDS = ("segmenter", "inpainter")
ModelConfig = SegmenterConfig | InpainterConfig

_PAPER_KERNELS = (7, 5, 5, 3, 3, 3, 3, 3)
_GATED_SMALL = InpainterConfig(
    family="gated",
    channels=(12, 24, 48, 96, 176, 176),
    kernels=(5, 3, 3, 3, 3, 3),
    norm="none",
    encoder_act="elu",
    decoder_act="elu",
)
_GATED_TINY = InpainterConfig(
    family="gated", channels=(8, 16, 16), kernels=(5, 3, 3), norm="none", encoder_act="elu"
)

VARIANTS: dict[str, ModelConfig] = {
    # The original design: MobileNetV2 x2, output stride 8, scSE, RFB, 256-ch decoder.
    "seg_mnv2_x2_original": SegmenterConfig(
        encoder_config=MobileNetV2Config(width=2.0, output_stride=8, scse_reduction=11),
    ),
    # For CPU speed: width 1, output stride 16, narrow separable decoder.
    "seg_mnv2_light": SegmenterConfig(
        encoder_config=MobileNetV2Config(width=1.0, output_stride=16),
        pool_channels=128,
        low_level_channels=32,
        decoder_channels=128,
        decoder_separable=True,
    ),
    "seg_xception_slim": SegmenterConfig(encoder="xception", encoder_config=XceptionConfig()),
    "seg_mnv2_tiny": SegmenterConfig(
        encoder_config=MobileNetV2Config(width=0.25, output_stride=8, scse_reduction=4),
        pool_channels=16,
        low_level_channels=8,
        decoder_channels=16,
        upsample="transposed",
    ),
    "seg_xception_tiny": SegmenterConfig(
        encoder="xception",
        encoder_config=XceptionConfig(entry=(8, 8, 16, 16, 24), middle=24, exit=(32, 32)),
        pooling="aspp",
        pool_channels=16,
        low_level_channels=8,
        decoder_channels=16,
        decoder_separable=True,
        upsample="pixel_shuffle",
    ),
    "seg_tiny": SegmenterConfig(
        encoder="tiny",
        encoder_config=TinyConfig(),
        pool_channels=16,
        low_level_channels=8,
        decoder_channels=16,
    ),
    # Liu et al. 2018: one partial conv per level, 64-128-256-512 x5, BN.
    "inpaint_pconv_paper": InpainterConfig(
        channels=(64, 128, 256, 512, 512, 512, 512, 512),
        kernels=_PAPER_KERNELS,
        residual_blocks=False,
    ),
    # The original design's block (two convs + residual) in encoder and decoder, 512 cut to 256.
    "inpaint_pconv_deep": InpainterConfig(
        channels=(64, 128, 256, 256, 256, 256, 256, 256),
        kernels=_PAPER_KERNELS,
        decoder_convs=2,
    ),
    # Chosen by measurement (docs/results/networks.md): narrow at full resolution, where the
    # time goes, 256 channels deep down, where parameters are cheap.
    "inpaint_pconv_small": InpainterConfig(
        channels=(16, 32, 64, 128, 256, 256),
        kernels=(5, 3, 3, 3, 3, 3),
    ),
    "inpaint_gated_small": _GATED_SMALL,
    # Gated convolutions correcting a push-pull fill of the holes (it starts as that fill).
    "inpaint_gated_fill": dataclasses.replace(
        _GATED_SMALL, channels=(16, 32, 48, 96, 160, 160), prefill=True
    ),
    "inpaint_mask_attention": InpainterConfig(
        family="attention",
        channels=(16, 32, 64, 128, 256, 256),
        kernels=(5, 3, 3, 3, 3, 3),
    ),
    "inpaint_pconv_tiny": InpainterConfig(channels=(8, 16, 16), kernels=(5, 3, 3)),
    "inpaint_gated_tiny": _GATED_TINY,
    "inpaint_gated_fill_tiny": dataclasses.replace(_GATED_TINY, prefill=True),
    "inpaint_mask_attention_tiny": InpainterConfig(
        family="attention", channels=(8, 16, 16), kernels=(5, 3, 3)
    ),
}


def kind_of(config: ModelConfig) -> str:
    return "segmenter" if isinstance(config, SegmenterConfig) else "inpainter"


def list_variants(kind: str | None = None) -> list[str]:
    """Variant names, optionally of one kind ("segmenter" or "inpainter"), in registry order."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    return [name for name, cfg in VARIANTS.items() if kind is None or kind_of(cfg) == kind]


def model_config(name: str) -> ModelConfig:
    """The frozen config of variant ``name``."""
    if name not in VARIANTS:
        raise KeyError(f"unknown model variant {name!r}; choose one of {list(VARIANTS)}")
    return VARIANTS[name]


def build(config: ModelConfig, variant: str = "custom") -> nn.Module:
    """A freshly initialised model for ``config`` (random weights, torch's default init)."""
    if isinstance(config, SegmenterConfig):
        return Segmenter(config, variant)
    return Inpainter(config, variant)


def build_model(name: str) -> nn.Module:
    """A freshly initialised model of variant ``name``."""
    return build(model_config(name), name)


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """A JSON-ready dict of ``config`` (nested encoder configs included)."""
    return dataclasses.asdict(config)


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a flat frozen dataclass, turning JSON lists back into tuples."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no fields {sorted(unknown)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def config_from_dict(kind: str, data: dict[str, Any]) -> ModelConfig:
    """The inverse of ``config_to_dict`` for a model of ``kind``."""
    if kind == "inpainter":
        return _from_dict(InpainterConfig, data)
    if kind != "segmenter":
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    data = dict(data)
    encoder = data.get("encoder", "mobilenet_v2")
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}; choose one of {sorted(ENCODERS)}")
    data["encoder_config"] = _from_dict(ENCODERS[encoder][0], data.get("encoder_config", {}))
    return _from_dict(SegmenterConfig, data)


def build_from_config(kind: str, data: dict[str, Any], variant: str = "custom") -> nn.Module:
    """A freshly initialised model from a manifest's ``kind`` and ``config`` alone."""
    return build(config_from_dict(kind, data), variant)


def describe(model: nn.Module) -> dict[str, Any]:
    """What a manifest records about ``model``: variant, kind, config and input spec."""
    config = typing.cast(ModelConfig, model.config)
    return {
        "variant": model.variant,
        "kind": model.kind,
        "config": config_to_dict(config),
        "input": {
            "channels": model.in_channels,
            "mean": config.mean,
            "std": config.std,
            "pad_multiple": model.pad_multiple,
        },
    }
