"""Training configuration: one frozen dataclass, read from a recipe YAML, dumped with every checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from mangaclean.errors import UsageError

TASKS = ("seg", "inpaint")
SEG_LOSSES = ("bce", "focal", "dice", "logdice")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; nothing else is read from globals.

    Data: the synthetic stream always (``synth_share`` of each batch when other sources are
    given); ``pairs`` = (raw_dir, clean_dir) of a user's page pairs; ``mask_folders`` =
    (images_dir, masks_dir); ``art_dir`` = text-free art for the synthetic engine.
    Validation: fixed synthetic crops, or with ``val_mask_folders`` fixed crops of those pages.
    Length: ``steps``, or ``minutes`` of training time when set (the learning-rate schedule then
    follows the share of the time spent, and the run stops when it is spent).
    Segmentation loss: a ``+``-joined mix of ``bce``, ``focal``, ``dice``, ``logdice``.
    Optimiser: ``sgd`` (Nesterov, cyclical LR between ``lr_min`` and ``lr``) or ``adamw`` (cosine).
    """

    task: str = "seg"
    model: str = "seg_mnv2_light"
    out_dir: str = "runs/seg"
    steps: int = 20000
    minutes: float | None = None
    batch_size: int = 8
    crop: int = 384
    seed: int = 0
    # data
    workers: int = 2
    pairs: tuple[str, str] | None = None
    mask_folders: tuple[str, str] | None = None
    art_dir: str | None = None
    short_share: float | None = None  # of the training stream; None: the engine's default (validation's)
    synth_share: float = 1.0
    # optimisation
    optimizer: str = "adamw"
    lr: float = 2e-3
    lr_min: float = 1e-4
    cycle_steps: int = 2000
    warmup_steps: int = 200
    weight_decay: float = 1e-4
    grad_clip: float = 5.0
    freeze_encoder_steps: int = 0
    init: str | None = None  # a best.safetensors of an earlier run, or an fp32 .onnx (freeze_bn)
    freeze_bn: bool = False  # BatchNorms keep their statistics (eval mode) while training
    # segmentation loss
    loss: str = "bce+logdice"
    pos_weight: float = 1.0
    focal_gamma: float = 2.0
    # inpainting loss weights
    w_hole: float = 6.0
    w_hole_mse: float = 0.0
    w_valid: float = 1.0
    w_tv: float = 0.05
    w_grad: float = 1.0
    w_freq: float = 0.1
    # validation and checkpoints
    val_every: int = 500
    val_mask_folders: tuple[str, str] | None = None
    val_size: int = 64
    val_seed: int = 1_000_000
    checkpoint_every: int = 500
    log_every: int = 20
    # hardware
    device: str = "cpu"
    bf16: bool = True
    threads: int | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise UsageError(f"task must be one of {TASKS}, not {self.task!r}")
        if self.init and str(self.init).endswith(".onnx") and not self.freeze_bn:
            raise UsageError(
                f"{self.init}: weights rebuilt from an ONNX file have their BatchNorms folded into the "
                "convolutions; pass --freeze-bn so that training keeps them in eval mode"
            )
        unknown = [part for part in self.loss.split("+") if part not in SEG_LOSSES]
        if self.task == "seg" and unknown:
            raise UsageError(f"unknown segmentation loss {unknown}; use {'+'.join(SEG_LOSSES)} parts")
        if self.minutes is not None and self.minutes <= 0:
            raise UsageError(f"minutes must be positive, not {self.minutes}")
        if self.optimizer not in ("sgd", "adamw"):
            raise UsageError(f"optimizer must be sgd or adamw, not {self.optimizer!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise UsageError(f"unknown training settings: {', '.join(unknown)}")
        for key in ("pairs", "mask_folders", "val_mask_folders"):
            if values.get(key) is not None:
                values = {**values, key: tuple(values[key])}
        return cls(**values)


def load_config(path: str | Path | None, overrides: dict | None = None) -> TrainConfig:
    """Read a recipe YAML (or defaults when ``path`` is None) and apply command-line overrides."""
    values: dict = {}
    if path is not None:
        import yaml

        try:
            values = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"{path}: cannot read the recipe ({exc})") from exc
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return TrainConfig.from_dict(values)
