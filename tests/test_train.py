"""Training: losses behave, a tiny model overfits one batch, and resume is exact."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the train extra: pip install '.[train]'")
pytest.importorskip("safetensors", reason="training needs the train extra: pip install '.[train]'")

from mangaclean.train import losses  # noqa: E402
from mangaclean.train.config import TrainConfig, load_config  # noqa: E402
from mangaclean.train.schedule import lr_at  # noqa: E402
from mangaclean.train.validate import SegmentationScore  # noqa: E402


def test_losses_reward_the_right_answer():
    target = torch.zeros(1, 1, 16, 16)
    target[..., 4:12, 6:9] = 1
    good, bad = target * 20 - 10, -target * 20 + 10
    for parts in ("bce", "focal", "dice", "logdice", "bce+logdice"):
        assert losses.segmentation_loss(good, target, parts) < losses.segmentation_loss(bad, target, parts)
    clean = torch.rand(1, 1, 32, 32)
    hole = torch.zeros(1, 1, 32, 32)
    hole[..., 8:20, 8:20] = 1
    weights = {"hole": 6, "hole_mse": 20, "valid": 1, "tv": 0.05, "grad": 1, "freq": 0.1}
    perfect, _ = losses.inpainting_loss(clean, clean, hole, weights)
    blank, parts = losses.inpainting_loss(clean * (1 - hole), clean, hole, weights)
    assert perfect < blank and parts["hole"] > 0
    assert parts["hole_mse"] == pytest.approx(float((clean[..., 8:20, 8:20] ** 2).mean()), rel=1e-5)


def test_cyclical_schedule_spans_the_seed_range():
    config = TrainConfig(optimizer="sgd", lr=1e-2, lr_min=1e-4, cycle_steps=100)
    rates = [lr_at(step, config) for step in range(200)]
    assert min(rates) == pytest.approx(1e-4) and max(rates) == pytest.approx(1e-2)
    assert rates[0] == rates[100] and rates[50] == pytest.approx(1e-2)


def test_a_time_budget_spans_one_cycle():
    config = TrainConfig(optimizer="sgd", lr=1e-2, lr_min=1e-4, cycle_steps=100, steps=10**6, minutes=5)
    assert lr_at(7, config, spent=0.0) == pytest.approx(1e-4)
    assert lr_at(7, config, spent=0.5) == pytest.approx(1e-2)  # whatever the step
    assert lr_at(900, config, spent=1.0) == lr_at(5, config, spent=2.0) == pytest.approx(1e-4)


def test_a_time_budget_drives_the_cosine_schedule():
    config = TrainConfig(optimizer="adamw", lr=1e-3, lr_min=1e-4, warmup_steps=10, steps=10**6, minutes=5)
    assert lr_at(0, config, spent=0.0) == pytest.approx(1e-4)  # warm-up still counts steps
    assert lr_at(50, config, spent=0.0) == pytest.approx(1e-3)
    assert lr_at(50, config, spent=0.5) == pytest.approx(5.5e-4)
    assert lr_at(50, config, spent=1.0) == lr_at(50, config, spent=3.0) == pytest.approx(1e-4)


def test_average_precision_and_f1_from_histogram():
    score = SegmentationScore()
    target = torch.tensor([1, 1, 0, 0], dtype=torch.float32).view(1, 1, 2, 2)
    score.add(torch.tensor([0.9, 0.8, 0.2, 0.1]).view(1, 1, 2, 2), target)
    result = score.result()
    assert result["f1"] == pytest.approx(1.0) and result["ap"] == pytest.approx(1.0)


def test_recipe_overrides_and_unknown_keys(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("task: seg\nmodel: seg_tiny\nsteps: 10\n")
    assert load_config(recipe, {"steps": 3}).steps == 3
    recipe.write_text("stepz: 10\n")
    with pytest.raises(Exception, match="stepz"):
        load_config(recipe)


def _tiny(tmp_path, **changes) -> TrainConfig:
    values = dict(
        task="seg",
        model="seg_tiny",
        out_dir=str(tmp_path / "run"),
        steps=4,
        batch_size=2,
        crop=64,
        workers=0,
        val_every=2,
        val_size=2,
        checkpoint_every=2,
        log_every=1,
        optimizer="sgd",
        lr=1e-2,
        bf16=False,
        threads=1,
    )
    return TrainConfig(**{**values, **changes})


def test_tiny_model_overfits_one_batch():
    from mangaclean.models.registry import build_model

    torch.manual_seed(0)
    model = build_model("seg_tiny")
    rng = np.random.default_rng(0)
    target = torch.zeros(2, 1, 64, 64)
    for b, y, x in zip(rng.integers(0, 2, 12), rng.integers(0, 56, 12), rng.integers(0, 56, 12), strict=True):
        target[b, 0, y : y + 8, x : x + 2] = 1  # glyph-like strokes
    image = 1.0 - 0.8 * target + 0.05 * torch.from_numpy(rng.random((2, 1, 64, 64), dtype=np.float32))
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    first = None
    for _ in range(80):
        loss = losses.segmentation_loss(model(image), target, "bce+logdice")
        first = first if first is not None else float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < 0.3 * first


def test_resume_continues_exactly(tmp_path, cjk_fonts):
    from mangaclean.backends.checkpoint import load_checkpoint
    from mangaclean.train.loop import train

    straight = _tiny(tmp_path / "a", steps=4)
    train(straight)
    first_half = _tiny(tmp_path / "b", steps=2)
    train(first_half)
    train(_tiny(tmp_path / "b", steps=4))  # resumes from last.pt at step 2
    with open(tmp_path / "b" / "run" / "log.csv") as handle:
        steps = [line.split(",")[0] for line in handle.readlines()[1:]]
    assert steps == ["1", "2", "3", "4"]
    a = torch.load(tmp_path / "a" / "run" / "last.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "b" / "run" / "last.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    model, manifest = load_checkpoint(tmp_path / "a" / "run" / "best.safetensors")
    assert manifest["variant"] == "seg_tiny" and "synthetic_validation" in manifest
    assert (tmp_path / "a" / "run" / "plot.png").is_file()


def test_frozen_batchnorms_keep_their_statistics_while_training(tmp_path):
    from mangaclean.errors import UsageError
    from mangaclean.models.registry import build_model
    from mangaclean.train.loop import _train_step

    batch = {"input": torch.rand(2, 1, 64, 64), "mask": (torch.rand(2, 1, 64, 64) > 0.9).float()}
    for freeze in (True, False):
        model = build_model("seg_tiny")
        norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        before = [n.running_mean.clone() for n in norms]
        optimizer = torch.optim.SGD(model.parameters(), 1e-2)
        _train_step(model, optimizer, batch, _tiny(tmp_path, freeze_bn=freeze), torch.device("cpu"))
        kept = all(torch.equal(a, n.running_mean) for a, n in zip(before, norms, strict=True))
        assert norms and kept == freeze
    with pytest.raises(UsageError, match="--freeze-bn"):
        _tiny(tmp_path, init="weights/seg_mnv2_light.onnx")
