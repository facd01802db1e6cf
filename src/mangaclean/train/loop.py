"""The training loop: plain PyTorch, one function per concern.

Samples are a pure function of their global index (synthetic pages are rendered from
``(seed, index)``), so resuming at step ``s`` just starts the index stream at ``s * batch``:
together with the saved model, optimiser and RNG state, a resumed run continues exactly.
Runs on CPU or ``--device cuda``; under ``torchrun`` each rank takes every ``world``-th sample.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Sampler

from mangaclean.train import checkpoints, losses, schedule
from mangaclean.train.config import TrainConfig
from mangaclean.train.validate import SegmentationScore, psnr

log = logging.getLogger(__name__)


class IndexStream(Sampler):
    """Global sample indices ``start, start+1, ...`` up to ``stop``, this rank's share only."""

    def __init__(self, start: int, stop: int, rank: int = 0, world: int = 1):
        self.start, self.stop, self.rank, self.world = start, stop, rank, world

    def __iter__(self):
        return iter(range(self.start + self.rank, self.stop, self.world))

    def __len__(self):
        return max(0, (self.stop - self.start - self.rank + self.world - 1) // self.world)


def train(config: TrainConfig, resume: bool = True, progress: Callable[[dict], None] | None = None) -> dict:
    """Train until ``config.steps`` (or ``config.minutes`` of training time); returns the best
    validation metrics. Resumes from ``out_dir/last.pt`` when it exists and ``resume`` is set.

    A run that starts from ``config.init`` validates its starting weights first, so its best
    checkpoint is never worse than where it started. ``progress`` (rank 0 only) is called after
    every step with ``step``, ``seconds``, ``budget`` (seconds or None), ``loss``, ``val`` (the
    latest validation metrics) and ``best``."""
    from mangaclean.train.data import validation_batches
    from mangaclean.train.models import build_for_training

    rank, world = _distributed_setup(config)
    device = torch.device(config.device if config.device != "cuda" else f"cuda:{_local_rank()}")
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    out = Path(config.out_dir)
    model = build_for_training(config).to(device)
    optimizer = schedule.make_optimizer(model, config)
    step, best, spent = 0, {}, 0.0
    if resume and (out / "last.pt").is_file():
        step, best, spent = checkpoints.load_training_state(out / "last.pt", model, optimizer)
        log.info("resumed %s at step %d", out / "last.pt", step)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(config.to_dict(), indent=2))
    validation = validation_batches(config) if rank == 0 else []
    metrics: dict = {}
    if rank == 0 and step == 0 and config.init:
        metrics, best = _validate(checkpoints.unwrap(model), validation, config, device, 0, best)
    budget = config.minutes * 60.0 if config.minutes else None
    started, seen, frozen = time.perf_counter(), 0, False
    done = step >= config.steps or _out_of_time(spent, budget, world)
    for batch in [] if done else _loader(config, step, rank, world):
        if frozen != (step < config.freeze_encoder_steps):  # toggled only when it changes
            frozen = not frozen
            _set_encoder_frozen(model, frozen)
        seconds = spent + time.perf_counter() - started
        schedule.set_lr(optimizer, schedule.lr_at(step, config, seconds / budget if budget else None))
        loss, parts = _train_step(model, optimizer, batch, config, device)
        step, seen = step + 1, seen + config.batch_size
        seconds = spent + time.perf_counter() - started
        last = step == config.steps or _out_of_time(seconds, budget, world)
        if rank == 0:
            if step % config.log_every == 0:
                rate = seen / (time.perf_counter() - started)
                lr = optimizer.param_groups[0]["lr"]
                _log_row(out, {"step": step, "lr": lr, "loss": loss, "samples_per_s": rate, **parts})
            if step % config.val_every == 0 or last:
                metrics, best = _validate(checkpoints.unwrap(model), validation, config, device, step, best)
            if step % config.checkpoint_every == 0 or last:
                seconds = spent + time.perf_counter() - started
                checkpoints.save_training_state(
                    out / "last.pt", model, optimizer, step, config, best, seconds
                )
            if progress is not None:
                progress(
                    {
                        "step": step,
                        "seconds": seconds,
                        "budget": budget,
                        "loss": loss,
                        "val": metrics,
                        "best": best,
                    }
                )
        if last:
            break
    _finish(out, rank, world)
    return best


def _out_of_time(seconds: float, budget: float | None, world: int) -> bool:
    """Whether the time budget is spent; under torchrun all ranks stop at the same step."""
    if budget is None:
        return False
    spent = seconds >= budget
    if world > 1:
        import torch.distributed as dist

        flag = torch.tensor([float(spent)], device="cuda" if dist.get_backend() == "nccl" else "cpu")
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        spent = bool(flag.item())
    return spent


def _loader(config: TrainConfig, step: int, rank: int, world: int) -> DataLoader:
    """Batches from sample ``step * batch * world`` on: this rank's share of the rest of the run."""
    from mangaclean.train.data import training_dataset

    per_step = config.batch_size * world
    return DataLoader(
        training_dataset(config),
        batch_size=config.batch_size,
        sampler=IndexStream(step * per_step, config.steps * per_step, rank, world),
        num_workers=config.workers,
        persistent_workers=config.workers > 0,
        drop_last=True,
    )


def _validate(model, validation, config: TrainConfig, device, step: int, best: dict) -> tuple[dict, dict]:
    """Score the validation set, log it, and export the weights when they are the best so far;
    returns ``(metrics, best)``."""
    from mangaclean.train.models import export_best

    metrics = evaluate(model, validation, config, device)
    _log_row(Path(config.out_dir), {"step": step, **{f"val_{k}": v for k, v in metrics.items()}}, "val.csv")
    key = "f1" if config.task == "seg" else "psnr"
    if metrics[key] <= best.get(key, float("-inf")):
        return metrics, best
    best = {**metrics, "step": step}
    export_best(model, config, best, Path(config.out_dir))
    return metrics, best


def _finish(out: Path, rank: int, world: int) -> None:
    """Plot the run; under torchrun, no rank leaves while another still needs the process group."""
    if rank == 0:
        from mangaclean.train.plot import plot_run

        plot_run(out)
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()


def _train_step(model, optimizer, batch, config: TrainConfig, device) -> tuple[float, dict]:
    model.train()
    if config.freeze_bn:  # statistics kept; the BatchNorms' scale and shift still learn
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    with _autocast(config, device):
        loss, parts = _loss(model, batch, config, device)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if config.grad_clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    optimizer.step()
    return float(loss.detach()), parts


def _loss(model, batch, config: TrainConfig, device) -> tuple[torch.Tensor, dict]:
    if config.task == "seg":
        logits = model(batch["input"].to(device)).float()
        target = batch["mask"].to(device)
        loss = losses.segmentation_loss(logits, target, config.loss, config.pos_weight, config.focal_gamma)
        return loss, {}
    hole, clean = batch["hole"].to(device), batch["clean"].to(device)
    output = model(clean * (1.0 - hole), hole).float()
    weights = {
        "hole": config.w_hole,
        "hole_mse": config.w_hole_mse,
        "valid": config.w_valid,
        "tv": config.w_tv,
        "grad": config.w_grad,
        "freq": config.w_freq,
    }
    return losses.inpainting_loss(output, clean, hole, weights)


@torch.no_grad()
def evaluate(model, batches, config: TrainConfig, device) -> dict[str, float]:
    """Metrics on the fixed synthetic validation batches."""
    model.eval()
    if config.task == "seg":
        score = SegmentationScore()
        for batch in batches:
            with _autocast(config, device):
                logits = model(batch["input"].to(device))
            score.add(torch.sigmoid(logits.float()), batch["mask"])
        return score.result()
    values = []
    for batch in batches:
        hole, clean = batch["hole"].to(device), batch["clean"].to(device)
        with _autocast(config, device):
            output = model(clean * (1.0 - hole), hole).float().clamp(0, 1)
        values.append(psnr(output, clean, hole))
    return {"psnr": sum(values) / max(len(values), 1)}


def _autocast(config: TrainConfig, device):
    if not config.bf16:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def _set_encoder_frozen(model, frozen: bool) -> None:
    encoder = getattr(getattr(model, "module", model), "encoder", None)
    if encoder is not None:
        for parameter in encoder.parameters():
            parameter.requires_grad_(not frozen)


def _log_row(out: Path, row: dict, name: str = "log.csv") -> None:
    path = out / name
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in row.items()})
    log.info("  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))


def _local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", 0))


def _distributed_setup(config: TrainConfig) -> tuple[int, int]:
    """Initialise torch.distributed when launched by torchrun; returns ``(rank, world)``."""
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if config.device == "cuda" else "gloo")
    if config.device == "cuda":
        torch.cuda.set_device(_local_rank())
    return dist.get_rank(), world
