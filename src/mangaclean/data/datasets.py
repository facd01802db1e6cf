"""PyTorch datasets for training: synthetic streams, raw/clean pairs, and image+mask folders.

Every item is a dict of tensors: ``image`` ``(C, H, W)`` float32 in ``[0, 1]``, ``mask``
``(1, H, W)`` float32 (1 = text to remove); inpainting items add ``clean`` ``(C, H, W)`` and
``hole`` ``(1, H, W)`` (1 = to fill). Synthetic items also carry ``sfx`` ``(1, H, W)``.

All randomness comes from ``numpy.random.default_rng([seed, epoch, index])`` (or the synthetic
stream's ``(seed, index)``), so items do not depend on worker processes; call ``set_epoch`` to
draw new crops each epoch. Augmentations keep text orientation: scale jitter, crops and
horizontal flips only (no transposes or quarter turns, which would turn vertical text
horizontal).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from mangaclean.data.pairs import IMAGE_SUFFIXES, PairOptions, mask_from_pair, read_page
from mangaclean.data.synth.page import SFX_CODE, SynthConfig
from mangaclean.data.synth.stream import SampleSpec, render_sample
from mangaclean.errors import ImageReadError

log = logging.getLogger(__name__)

# Training seeds must stay below this; validation_set() uses seeds from here up.
VALIDATION_SEED_BASE = 1 << 40


@dataclass(frozen=True)
class Augment:
    """Random crop of ``crop`` pixels after a scale jitter in ``scale_range``; flips."""

    crop: int = 512
    scale_range: tuple[float, float] = (0.75, 1.33)
    hflip: bool = True
    vflip: bool = False


def to_tensor(img: np.ndarray, channels: int) -> torch.Tensor:
    """``(H, W)``/``(H, W, 3)`` uint8 -> ``(channels, H, W)`` float32 in [0, 1]."""
    if img.ndim == 2:
        img = img[..., None]
    if channels == 3 and img.shape[2] == 1:
        img = np.repeat(img, 3, 2)
    elif channels == 1 and img.shape[2] == 3:
        img = (img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    arr = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)
    return torch.from_numpy(arr / 255.0)


def mask_tensor(mask: np.ndarray) -> torch.Tensor:
    """``(H, W)`` bool/uint8 -> ``(1, H, W)`` float32 of 0/1."""
    return torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32)[None])


def hole_from(mask: np.ndarray, rng: np.random.Generator, grow=(3, 9)) -> np.ndarray:
    """The inpainting hole: ``mask`` grown by a random odd max-pool in ``grow``; bool."""
    k = int(rng.integers(grow[0] // 2, grow[1] // 2 + 1)) * 2 + 1
    return cv2.dilate(mask.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)


def augment(arrays: list[np.ndarray], masks: list[np.ndarray], rng, aug: Augment):
    """Scale, crop and flip images and masks alike; masks stay binary.

    arrays: images ``(H, W[, 3])`` uint8 of one size; masks: ``(H, W)`` bool of the same size.
    returns: the transformed lists, each ``aug.crop`` square (padded with white / no text).
    """
    h, w = arrays[0].shape[:2]
    s = float(np.exp(rng.uniform(*np.log(aug.scale_range))))
    size = (max(1, round(w * s)), max(1, round(h * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    arrays = [cv2.resize(a, size, interpolation=interp) for a in arrays]
    masks = [cv2.resize(m.astype(np.float32), size, interpolation=interp) >= 0.5 for m in masks]
    c = aug.crop
    ph, pw = max(0, c - size[1]), max(0, c - size[0])
    if ph or pw:
        arrays = [
            cv2.copyMakeBorder(a, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(255, 255, 255)) for a in arrays
        ]
        masks = [np.pad(m, ((0, ph), (0, pw))) for m in masks]
    y = int(rng.integers(0, arrays[0].shape[0] - c + 1))
    x = int(rng.integers(0, arrays[0].shape[1] - c + 1))
    arrays = [a[y : y + c, x : x + c] for a in arrays]
    masks = [m[y : y + c, x : x + c] for m in masks]
    if aug.hflip and rng.random() < 0.5:
        arrays, masks = [a[:, ::-1] for a in arrays], [m[:, ::-1] for m in masks]
    if aug.vflip and rng.random() < 0.5:
        arrays, masks = [a[::-1] for a in arrays], [m[::-1] for m in masks]
    return arrays, masks


class _Epochs:
    epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Items of another epoch use other random draws (new samples or crops)."""
        self.epoch = int(epoch)


class SynthSegDataset(_Epochs, Dataset):
    """``length`` synthetic crops per epoch; item ``i`` of epoch ``e`` is stream sample
    ``e * length + i`` of ``seed`` (the same sample ``mangaclean synth --crop`` writes)."""

    def __init__(self, length: int, seed: int = 0, size: int = 512, config=None, channels=3):
        if not 0 <= seed < VALIDATION_SEED_BASE:
            raise ValueError(f"training seeds must be in [0, {VALIDATION_SEED_BASE})")
        self._setup(length, seed, size, config, channels, fixed=False)

    def _setup(self, length, seed, size, config, channels, fixed: bool) -> None:
        self.length, self.seed, self.channels = int(length), int(seed), int(channels)
        self.spec = SampleSpec(config=config or SynthConfig(), size=(size, size), crop=True)
        self.fixed = fixed

    @classmethod
    def fixed_set(cls, n: int, stream_seed: int, size: int, config, channels: int):
        """The same ``n`` samples whatever the epoch (used for validation)."""
        ds = cls.__new__(cls)
        ds._setup(n, stream_seed, size, config, channels, fixed=True)
        return ds

    def __len__(self) -> int:
        return self.length

    def _sample(self, index: int):
        if not 0 <= index < self.length:
            raise IndexError(index)
        stream_index = index if self.fixed else self.epoch * self.length + index
        return render_sample(self.spec, self.seed, stream_index)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        s = self._sample(index)
        return {
            "image": to_tensor(s.raw, self.channels),
            "mask": mask_tensor(s.mask > 127),
            "sfx": mask_tensor(s.mask == SFX_CODE),
        }


class SynthInpaintDataset(SynthSegDataset):
    """Synthetic crops for the inpainter: raw, clean, text mask and a grown hole over all
    lettering (sound effects included)."""

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        s = self._sample(index)
        epoch = 0 if self.fixed else self.epoch
        rng = np.random.default_rng([self.seed, epoch, index, 1])
        return {
            "image": to_tensor(s.raw, self.channels),
            "clean": to_tensor(s.clean, self.channels),
            "mask": mask_tensor(s.mask > 127),
            "sfx": mask_tensor(s.mask == SFX_CODE),
            "hole": mask_tensor(hole_from(s.mask > 0, rng)),
        }


def validation_set(
    n: int, seed: int = 0, size: int = 512, config=None, channels: int = 3, inpaint=False
) -> SynthSegDataset:
    """A fixed synthetic set of ``n`` crops drawn from seeds no training dataset may use
    (stream seed ``VALIDATION_SEED_BASE + seed``)."""
    cls = SynthInpaintDataset if inpaint else SynthSegDataset
    return cls.fixed_set(n, VALIDATION_SEED_BASE + int(seed), size, config, channels)


def _listing(root: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
            out.setdefault(p.relative_to(root).with_suffix("").as_posix(), p)
    return out


class MaskFolderDataset(_Epochs, Dataset):
    """Pages with masks of the same relative name (``mask > 127`` = text); ``crops_per_page`` (1
    unless set) random crops of each page per epoch (item ``i`` is a crop of page ``i % pages``, so
    consecutive items are different pages)."""

    def __init__(self, images_dir, masks_dir, augment_with: Augment = Augment(), seed=0, channels=3):
        images, masks = _listing(Path(images_dir)), _listing(Path(masks_dir))
        self.items = [(images[k], masks[k]) for k in sorted(images) if k in masks]
        if not self.items:
            raise ImageReadError(f"no image in {images_dir} has a mask of the same name in {masks_dir}")
        self.aug, self.seed, self.channels = augment_with, int(seed), int(channels)
        self.crops_per_page = 1

    def __len__(self) -> int:
        return len(self.items) * self.crops_per_page

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        image_path, mask_path = self.items[index % len(self.items)]
        image, mask = read_page(image_path), read_page(mask_path)
        if mask.ndim == 3:
            mask = mask.max(axis=2)
        if mask.shape != image.shape[:2]:
            raise ImageReadError(f"{mask_path} is not the size of {image_path}")
        rng = np.random.default_rng([self.seed, self.epoch, index])
        (image,), (m,) = augment([image], [mask > 127], rng, self.aug)
        return {"image": to_tensor(image, self.channels), "mask": mask_tensor(m)}


class PairsDataset(_Epochs, Dataset):
    """Raw/clean page pairs; masks derived with :func:`mask_from_pair` (cached per process).
    Also returns ``clean`` and ``hole``, so it serves the inpainter too. Refused pairs are
    replaced by the next usable one (logged once). ``crops_per_page`` crops of each pair per
    epoch, as in :class:`MaskFolderDataset` (item ``i`` is a crop of pair ``i % pairs``)."""

    def __init__(self, raw_dir, clean_dir, augment_with=Augment(), options=None, seed=0, channels=3):
        from mangaclean.data.pairs import find_pairs

        self.pairs, _, _ = find_pairs(raw_dir, clean_dir)
        if not self.pairs:
            raise ImageReadError(f"no page in {raw_dir} has a cleaned page of the same name in {clean_dir}")
        self.aug, self.seed, self.channels = augment_with, int(seed), int(channels)
        self.options = options or PairOptions()
        self._refused: set[int] = set()
        self.crops_per_page = 1

    def __len__(self) -> int:
        return len(self.pairs) * self.crops_per_page

    def _load(self, index: int):
        """(raw, aligned clean, mask) of pair ``index``, or None if the pair is refused.
        Masks are recomputed on each access (pages are not kept in memory); refusals are
        remembered so that they are logged once."""
        if index in self._refused:
            return None
        name, raw_path, clean_path = self.pairs[index]
        raw, clean = read_page(raw_path), read_page(clean_path)
        result = mask_from_pair(raw, clean, self.options)
        if result.mask is None:
            log.warning("pair %s skipped: %s %s", name, result.status, result.message)
            self._refused.add(index)
            return None
        aligned = result.aligned
        if raw.ndim == 2 and aligned.ndim == 3:
            aligned = cv2.cvtColor(aligned, cv2.COLOR_RGB2GRAY)
        elif raw.ndim == 3 and aligned.ndim == 2:
            aligned = np.repeat(aligned[..., None], 3, 2)
        return raw, aligned, result.mask

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        for k in range(len(self.pairs)):
            loaded = self._load((index + k) % len(self.pairs))
            if loaded is not None:
                break
        else:
            raise ImageReadError("no usable raw/clean pair (see the warnings above)")
        raw, clean, mask = loaded
        rng = np.random.default_rng([self.seed, self.epoch, index])
        (raw, clean), (m,) = augment([raw, clean], [mask], rng, self.aug)
        return {
            "image": to_tensor(raw, self.channels),
            "clean": to_tensor(clean, self.channels),
            "mask": mask_tensor(m),
            "hole": mask_tensor(hole_from(m, rng)),
        }
