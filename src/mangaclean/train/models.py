"""The network a run trains, and its best weights written as a shippable checkpoint."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from mangaclean.backends.checkpoint import load_checkpoint, save_checkpoint
from mangaclean.models.registry import build_model
from mangaclean.train.config import TrainConfig


def build_for_training(config: TrainConfig) -> nn.Module:
    """A fresh model of ``config.model``, or weights from ``config.init``: a ``.safetensors`` of an
    earlier run, or a shipped fp32 ``.onnx`` (rebuilt by ``export.from_onnx``)."""
    if not config.init:
        return build_model(config.model)
    if str(config.init).endswith(".onnx"):
        from mangaclean.export.from_onnx import model_from_onnx

        model, manifest = model_from_onnx(config.init)
    else:
        model, manifest = load_checkpoint(config.init)
    if manifest["variant"] != config.model:
        raise ValueError(f"{config.init} holds {manifest['variant']}, not {config.model}")
    return model.train()


def export_best(model: nn.Module, config: TrainConfig, metrics: dict, out: Path) -> Path:
    """Write ``out/best.safetensors`` + manifest with the training summary and validation metrics.

    model: the plain network (``checkpoints.unwrap`` of a DistributedDataParallel one)."""
    training = {
        "data": _data_summary(config),
        "steps": metrics.get("step"),
        "crop": config.crop,
        "batch_size": config.batch_size,
        "loss": config.loss if config.task == "seg" else "inpainting mix",
    }
    validation = {k: v for k, v in metrics.items() if k != "step"}
    summary = {"training": training, "synthetic_validation": validation}
    return save_checkpoint(model, out / "best.safetensors", summary)


def _data_summary(config: TrainConfig) -> str:
    parts = [f"mangaclean synthetic pages (seed {config.seed})"]
    if config.pairs:
        parts.append(f"user pairs {config.pairs[0]}")
    if config.mask_folders:
        parts.append(f"user masks {config.mask_folders[1]}")
    return "; ".join(parts)
