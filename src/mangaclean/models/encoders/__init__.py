"""Segmentation encoders. Each returns ``(low, high)``: 1/4-scale and output-stride features."""

from __future__ import annotations

from torch import nn

from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config, MobileNetV2Encoder
from mangaclean.models.encoders.tiny import TinyConfig, TinyEncoder
from mangaclean.models.encoders.xception import XceptionConfig, XceptionEncoder

EncoderConfig = MobileNetV2Config | XceptionConfig | TinyConfig

# encoder name -> (config class, module class); the name is stored in checkpoints.
ENCODERS: dict[str, tuple[type, type[nn.Module]]] = {
    "mobilenet_v2": (MobileNetV2Config, MobileNetV2Encoder),
    "xception": (XceptionConfig, XceptionEncoder),
    "tiny": (TinyConfig, TinyEncoder),
}


def build_encoder(name: str, config: EncoderConfig) -> nn.Module:
    """The encoder ``name`` built from ``config`` (which must be that encoder's config class)."""
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r}; choose one of {sorted(ENCODERS)}")
    config_cls, module_cls = ENCODERS[name]
    if not isinstance(config, config_cls):
        raise TypeError(f"encoder {name!r} needs a {config_cls.__name__}, got {type(config)}")
    return module_cls(config)


__all__ = ["ENCODERS", "EncoderConfig", "build_encoder"]
