"""PyTorch networks (training and export only; inference uses the ONNX runtime).

Imports nothing from the rest of mangaclean. Start from ``registry``: ``build_model(name)``,
``model_config(name)``, ``list_variants(kind)``.
"""

from mangaclean.models.registry import build_model, list_variants, model_config

__all__ = ["build_model", "list_variants", "model_config"]
