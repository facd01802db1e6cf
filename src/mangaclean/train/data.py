"""Training and validation data for a run: the synthetic stream, plus users' pairs or masks.

Item ``i`` of the training set is a pure function of ``(seed, i)``, which is what lets the
loop resume exactly. Segmentation items carry ``input`` (normalised as the network expects)
and ``mask``; inpainting items carry ``clean`` and ``hole``.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset

from mangaclean.data.datasets import (
    Augment,
    MaskFolderDataset,
    PairsDataset,
    SynthInpaintDataset,
    SynthSegDataset,
    validation_set,
)
from mangaclean.data.synth.page import SynthConfig
from mangaclean.models.registry import model_config
from mangaclean.train.config import TrainConfig


def _channels(config: TrainConfig) -> int:
    model = model_config(config.model)
    encoder = getattr(model, "encoder_config", None)
    return int(getattr(encoder, "in_channels", getattr(model, "in_channels", 1)))


class _Prepared(Dataset):
    """Adds the normalised network ``input`` to segmentation items; indexes wrap around."""

    def __init__(self, base: Dataset, config: TrainConfig):
        self.base, self.task = base, config.task
        spec = model_config(config.model)
        self.mean, self.std = getattr(spec, "mean", 0.5), getattr(spec, "std", 0.5)

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = self.base[index % len(self.base)]
        if self.task == "seg":
            return {"input": (item["image"] - self.mean) / self.std, "mask": item["mask"]}
        return {"clean": item["clean"], "hole": item["hole"]}


class _Interleaved(Dataset):
    """Item ``i`` comes from the synthetic stream, or (a ``1 - share`` fraction) from a user's set;
    the two alternate finely (a golden-ratio sequence), so every batch mixes them."""

    def __init__(self, synth: Dataset, other: Dataset, share: float):
        self.synth, self.other, self.share = synth, other, share

    def __len__(self) -> int:
        return len(self.synth)

    def __getitem__(self, index: int):
        if (index * 0.6180339887498949) % 1.0 < self.share:
            return self.synth[index]
        return self.other[index % len(self.other)]


def training_dataset(config: TrainConfig) -> Dataset:
    """Every sample the run may draw (indexed by global sample number)."""
    total = config.steps * config.batch_size * 64  # room for any world size
    synth_config = SynthConfig(art_dir=config.art_dir)
    if config.short_share is not None:
        synth_config = replace(synth_config, short_share=config.short_share)
    channels = _channels(config)
    cls = SynthSegDataset if config.task == "seg" else SynthInpaintDataset
    data: Dataset = cls(total, config.seed, config.crop, synth_config, channels)
    extra = []
    augment = Augment(crop=config.crop)
    if config.pairs:
        extra.append(PairsDataset(*config.pairs, augment_with=augment, seed=config.seed, channels=channels))
    if config.mask_folders and config.task == "seg":
        extra.append(MaskFolderDataset(*config.mask_folders, augment, seed=config.seed, channels=channels))
    for pages in extra:
        pages.crops_per_page = max(1, total // len(pages))  # a new crop at every visit
    if extra:
        data = _Interleaved(data, ConcatDataset(extra), config.synth_share)
    return _Prepared(data, config)


def validation_batches(config: TrainConfig) -> list[dict[str, torch.Tensor]]:
    """The fixed validation set, kept in memory as batches: ``val_size`` synthetic crops, or about
    as many crops of the pages of ``val_mask_folders`` (the same crops at every validation)."""
    if config.val_mask_folders:
        fixed = Augment(crop=config.crop, scale_range=(1.0, 1.0), hflip=False)
        base = MaskFolderDataset(
            *config.val_mask_folders, fixed, seed=config.val_seed, channels=_channels(config)
        )
        base.crops_per_page = -(-config.val_size // len(base))  # about val_size crops in all
    else:
        base = validation_set(
            config.val_size,
            config.seed,
            config.crop,
            SynthConfig(art_dir=config.art_dir),
            _channels(config),
            inpaint=config.task == "inpaint",
        )
    loader = DataLoader(_Prepared(base, config), batch_size=config.batch_size, num_workers=config.workers)
    return list(loader)
