"""Training checkpoints: everything needed to resume exactly, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from mangaclean.train.config import TrainConfig


def save_training_state(
    path: Path, model, optimizer, step: int, config: TrainConfig, best: dict, seconds: float = 0.0
) -> None:
    """Model, optimiser, step, RNG state, config, best-so-far and training ``seconds`` so far, via
    a temporary file + rename."""
    state = {
        "model": unwrap(model).state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": step,
        "config": config.to_dict(),
        "best": best,
        "seconds": seconds,
        "torch_rng": torch.get_rng_state(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_training_state(path: Path, model, optimizer) -> tuple[int, dict, float]:
    """Restore a run saved by ``save_training_state``; returns ``(step, best, seconds)``."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    unwrap(model).load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    return int(state["step"]), dict(state["best"]), float(state.get("seconds", 0.0))


def unwrap(model):
    return model.module if hasattr(model, "module") else model
