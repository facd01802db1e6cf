"""Learning-rate schedules as pure functions of the step, so a resumed run continues exactly."""

from __future__ import annotations

import math

import torch

from mangaclean.train.config import TrainConfig


def lr_at(step: int, config: TrainConfig, spent: float | None = None) -> float:
    """The learning rate at ``step``.

    sgd: the original design's cyclical (triangular) rate between ``lr_min`` and ``lr``, period
    ``cycle_steps``; for a run with a time budget, one cycle over the budget (``spent``: the share
    of the budget used, 0-1), so that a slow network is not stopped before its rate has risen.
    adamw: linear warm-up over ``warmup_steps`` then cosine decay to ``lr_min`` at ``steps``, or,
    for a run with a time budget, as ``spent`` reaches 1.
    """
    if config.optimizer == "sgd":
        if spent is None:
            position = (step % config.cycle_steps) / config.cycle_steps  # 0 -> 1 over a cycle
        else:
            position = min(1.0, spent)
        triangle = 1.0 - abs(2.0 * position - 1.0)
        return config.lr_min + (config.lr - config.lr_min) * triangle
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if spent is None:
        spent = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    progress = min(1.0, spent)
    return config.lr_min + 0.5 * (config.lr - config.lr_min) * (1.0 + math.cos(math.pi * progress))


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD with Nesterov momentum, or AdamW; no weight decay on norms and biases."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (no_decay if parameter.ndim <= 1 or name.endswith(".bias") else decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=0.9, nesterov=True)
    return torch.optim.AdamW(groups, lr=config.lr)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
