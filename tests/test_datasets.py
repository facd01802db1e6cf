"""PyTorch datasets: item shapes, determinism, validation seeds, orientation-safe augmentation."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mangaclean.data.datasets import (  # noqa: E402
    VALIDATION_SEED_BASE,
    Augment,
    MaskFolderDataset,
    PairsDataset,
    SynthInpaintDataset,
    SynthSegDataset,
    augment,
    validation_set,
)
from mangaclean.errors import ImageReadError  # noqa: E402


@pytest.fixture
def fonts(cjk_fonts):
    return cjk_fonts  # skips where no Japanese font is installed (conftest)


def _check(item, keys, channels=3, size=None):
    assert set(item) == set(keys)
    for value in item.values():
        assert value.dtype == torch.float32 and value.ndim == 3
        assert float(value.min()) >= 0.0 and float(value.max()) <= 1.0
        if size:
            assert value.shape[1:] == (size, size)
    assert item["image"].shape[0] == channels and item["mask"].shape[0] == 1
    assert set(torch.unique(item["mask"]).tolist()) <= {0.0, 1.0}


def test_synth_seg_items_are_deterministic_and_epoch_dependent(fonts):
    a, b = SynthSegDataset(3, seed=5, size=128), SynthSegDataset(3, seed=5, size=128)
    _check(a[1], {"image", "mask", "sfx"}, size=128)
    assert torch.equal(a[1]["image"], b[1]["image"])
    first = a[0]["image"]
    a.set_epoch(1)
    assert not torch.equal(first, a[0]["image"])
    with pytest.raises(IndexError):
        a[3]


def test_synth_inpaint_items_and_grey_channels(fonts):
    ds = SynthInpaintDataset(2, seed=1, size=96, channels=1)
    item = ds[0]
    _check(item, {"image", "clean", "mask", "sfx", "hole"}, channels=1, size=96)
    assert bool((item["hole"] >= item["mask"]).all())  # the hole covers all the text


def test_validation_set_is_fixed_and_disjoint_from_training(fonts):
    with pytest.raises(ValueError):
        SynthSegDataset(1, seed=VALIDATION_SEED_BASE)
    val = validation_set(2, seed=0, size=96)
    first = val[0]["image"]
    val.set_epoch(5)
    assert torch.equal(first, val[0]["image"])
    train = SynthSegDataset(2, seed=0, size=96)
    assert not torch.equal(first, train[0]["image"])
    _check(validation_set(1, size=64, inpaint=True)[0], {"image", "clean", "mask", "sfx", "hole"})


def test_augment_keeps_orientation_and_binary_masks():
    rng = np.random.default_rng(0)
    img = np.full((200, 120), 255, np.uint8)
    img[20:180, 50:60] = 0  # a vertical column of "text"
    mask = img < 128
    for _ in range(10):
        (out,), (m,) = augment([img], [mask], rng, Augment(crop=100, scale_range=(0.8, 1.25)))
        assert out.shape == (100, 100) and m.shape == (100, 100) and m.dtype == bool
        ys, xs = np.nonzero(m)
        if ys.size:
            assert np.ptp(ys) >= np.ptp(xs)  # still a tall, vertical column
            assert np.all(out[m] <= 128)  # the mask still marks the dark column


def test_augment_pads_small_pages():
    rng = np.random.default_rng(1)
    img = np.zeros((40, 30, 3), np.uint8)
    (out,), (m,) = augment([img], [np.ones((40, 30), bool)], rng, Augment(crop=64, scale_range=(1, 1)))
    assert out.shape == (64, 64, 3) and m.sum() == 40 * 30 and (out[~m] == 255).all()


def _pair(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(2)
    clean = np.full((150, 140), 255, np.uint8)
    for _ in range(20):
        y, x = rng.integers(0, 140, 2)
        clean[y : y + 3, x : x + 30] = 60
    raw = clean.copy()
    raw[30:110, 60:66] = 0
    raw[40:44, 50:80] = 0
    for folder, array in (("raw", raw), ("clean", clean)):
        (tmp_path / folder).mkdir()
        Image.fromarray(array).save(tmp_path / folder / "p1.png")
    mask = np.zeros_like(raw)
    mask[raw != clean] = 255
    (tmp_path / "masks").mkdir()
    Image.fromarray(mask).save(tmp_path / "masks" / "p1.png")
    return raw, clean


def test_pairs_dataset(tmp_path):
    raw, clean = _pair(tmp_path)
    ds = PairsDataset(tmp_path / "raw", tmp_path / "clean", Augment(crop=128, hflip=False))
    item = ds[0]
    _check(item, {"image", "clean", "mask", "hole"}, size=128)
    text = item["mask"][0].bool()
    assert text.any() and bool((item["hole"][0].bool() | ~text).all())
    assert float(item["image"][0][text].mean()) < float(item["clean"][0][text].mean())


def test_mask_folder_dataset(tmp_path):
    _pair(tmp_path)
    ds = MaskFolderDataset(tmp_path / "raw", tmp_path / "masks", Augment(crop=64), channels=1)
    assert len(ds) == 1
    _check(ds[0], {"image", "mask"}, channels=1, size=64)
    with pytest.raises(ImageReadError):
        MaskFolderDataset(tmp_path / "raw", tmp_path / "clean" / "nothing")


def test_page_datasets_draw_another_crop_at_every_visit(tmp_path):
    _pair(tmp_path)
    for ds in (
        MaskFolderDataset(tmp_path / "raw", tmp_path / "masks", Augment(crop=64), channels=1),
        PairsDataset(tmp_path / "raw", tmp_path / "clean", Augment(crop=64), channels=1),
    ):
        ds.crops_per_page = 3
        assert len(ds) == 3
        crops = [ds[i]["image"] for i in range(3)]
        assert not torch.equal(crops[0], crops[1]) or not torch.equal(crops[1], crops[2])
        assert torch.equal(ds[1]["image"], crops[1])  # a pure function of the index
        with pytest.raises(IndexError):
            ds[3]


def test_user_pages_and_synthetic_pages_alternate_within_a_batch():
    from mangaclean.train.data import _Interleaved

    mixed = _Interleaved(["synth"] * 1000, ["user"] * 7, share=0.5)
    for start in range(0, 96, 8):  # every batch of 8 holds both kinds, about half each
        batch = [mixed[i] for i in range(start, start + 8)]
        assert 2 <= batch.count("synth") <= 6
    assert 0.45 < [mixed[i] for i in range(1000)].count("synth") / 1000 < 0.55
