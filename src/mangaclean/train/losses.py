"""Training losses. Segmentation: weighted BCE, focal, Dice, -log(Dice). Inpainting: L1 on holes
and valid pixels, squared error on holes (what PSNR scores), total variation, a gradient (edge)
loss, and a frequency loss for screentone."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bce(logits: torch.Tensor, target: torch.Tensor, pos_weight: float = 1.0) -> torch.Tensor:
    """logits, target: ``(B, 1, H, W)``; ``pos_weight`` weighs text pixels against background."""
    weight = torch.tensor(pos_weight, device=logits.device, dtype=logits.dtype)
    return F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)


def focal(logits: torch.Tensor, target: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    """Focal loss (Lin et al. 2017): BCE down-weighted by ``(1 - p_t) ** gamma`` on easy pixels."""
    per_pixel = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_t = torch.exp(-per_pixel)
    return ((1.0 - p_t) ** gamma * per_pixel).mean()


def soft_dice(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """Soft Dice coefficient over the whole batch (a scalar in (0, 1])."""
    probability = torch.sigmoid(logits)
    overlap = (probability * target).sum()
    return (2.0 * overlap + eps) / (probability.sum() + target.sum() + eps)


def segmentation_loss(logits, target, parts: str, pos_weight: float = 1.0, gamma: float = 2.0):
    """Sum of the ``+``-joined parts, e.g. ``bce+logdice``. Returns the scalar loss."""
    total = logits.new_zeros(())
    for part in parts.split("+"):
        if part == "bce":
            total = total + bce(logits, target, pos_weight)
        elif part == "focal":
            total = total + focal(logits, target, gamma)
        elif part == "dice":
            total = total + 1.0 - soft_dice(logits, target)
        elif part == "logdice":
            total = total - torch.log(soft_dice(logits, target))
        else:
            raise ValueError(f"unknown loss part {part!r}")
    return total


def total_variation(image: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Mean absolute neighbour difference of ``image`` ``(B, C, H, W)`` where ``region`` ``(B, 1, H, W)``."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).abs() * region[..., :, 1:]
    dy = (image[..., 1:, :] - image[..., :-1, :]).abs() * region[..., 1:, :]
    return dx.mean() + dy.mean()


def gradient_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between horizontal and vertical differences: keeps edges and line art sharp."""
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]  # noqa: E731
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]  # noqa: E731
    return F.l1_loss(dx(output), dx(target)) + F.l1_loss(dy(output), dy(target))


def frequency_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between log-amplitude spectra: rewards keeping screentone's periodic pattern."""
    spectrum = lambda t: torch.log1p(torch.fft.rfft2(t.float(), norm="ortho").abs())  # noqa: E731
    return F.l1_loss(spectrum(output), spectrum(target))


def inpainting_loss(output, target, hole, weights: dict[str, float]) -> tuple[torch.Tensor, dict]:
    """output, target: ``(B, C, H, W)`` in [0, 1]; hole: ``(B, 1, H, W)`` (1 = hole).

    weights: ``hole``, ``hole_mse``, ``valid``, ``tv``, ``grad``, ``freq``. Returns the loss and
    its parts. L1 favours sharp guesses, squared error the mean of what could be under the hole.
    """
    valid = 1.0 - hole
    composed = output * hole + target * valid
    n_hole = hole.sum().clamp(min=1.0) * output.shape[1]
    n_valid = valid.sum().clamp(min=1.0) * output.shape[1]
    parts = {
        "hole": (hole * (output - target).abs()).sum() / n_hole,
        "hole_mse": (hole * (output - target) ** 2).sum() / n_hole,
        "valid": (valid * (output - target).abs()).sum() / n_valid,
        "tv": total_variation(composed, F.max_pool2d(hole, 3, 1, 1)),
        "grad": gradient_loss(composed, target),
        "freq": frequency_loss(composed, target),
    }
    total = sum(weights[name] * value for name, value in parts.items())
    return total, {name: float(value.detach()) for name, value in parts.items()}
