"""The seed's segmenters trained under one budget and judged on real pages (issue 23).

Three variants of ``models/`` (the seed's MobileNetV2 x2 with scSE, output stride 8, RFB and a
DeepLabV3+ decoder; the slim Xception; the light MobileNetV2 that ships) are trained from scratch
with the same recipe (``recipes/seg_select_cpu.yaml``: the seed's SGD + cyclical learning rate),
on the same synthetic stream, for the same wall-clock budget, side by side on the same machine,
then exported to fp32 and int8 ONNX and scored on real-dev next to the shipped network:

    python benchmarks/model_selection.py train --out runs/select      # the three runs, side by side
    python benchmarks/model_selection.py score --out runs/select \\
        --json docs/results/model_selection.json

``train`` starts one process per variant (one torch thread and one data worker each, so that the
machine's other work slows all three alike); running it again resumes them. ``score`` reads each
run's validation log, exports its best checkpoint (``mangaclean export --int8``, calibrated on
synthetic pages), counts parameters and GFLOPs for a 827x1170 page, and runs ``mangaclean eval
masks``/``boxes`` and ``mangaclean bench`` with the shipped network in the same runs: int8 on every
real-dev page, fp32 (slow for the wide networks) on every 4th page of the masks set.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from runner import CLI

VARIANTS = ("seg_mnv2_x2_original", "seg_xception_slim", "seg_mnv2_light")
RECIPE = "recipes/seg_select_cpu.yaml"
PAGE = Path(__file__).resolve().parents[1] / "src" / "mangaclean" / "samples" / "sample_01.png"  # 827x1170
CALIBRATION_SEED = 777  # the shipped int8's calibration pages (synthetic)
FP32_EVERY = 4  # fp32 runs (slow for the wide networks) score every 4th real-dev page


def train(out: Path) -> None:
    """One background process per variant, niced, with tcmalloc when the system has it."""
    env = dict(os.environ)
    if Path("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4").is_file():
        env["LD_PRELOAD"] = "libtcmalloc_minimal.so.4"
    out.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        command = ["nice", "-n", "10", *CLI, "train", "seg", "--config", RECIPE, "--model", variant]
        with open(out / f"{variant}.log", "a") as log:
            subprocess.Popen(
                [*command, "--out", str(out / variant)],
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        print(f"started {variant}: log {out / f'{variant}.log'}")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def run_summary(run: Path) -> dict:
    """Steps, minutes, throughput and the synthetic-validation curve of one run."""
    import torch

    state = torch.load(run / "last.pt", map_location="cpu", weights_only=False)
    log = _rows(run / "log.csv")
    val = _rows(run / "val.csv")
    best = max(val, key=lambda row: row["val_f1"])
    return {
        "steps": int(state["step"]),
        "training_minutes": round(state["seconds"] / 60, 1),
        "samples_per_s": round(sum(r["samples_per_s"] for r in log[-10:]) / len(log[-10:]), 2),
        "best_step": int(best["step"]),
        "synthetic_val": {"f1": round(best["val_f1"], 4), "ap": round(best.get("val_ap", float("nan")), 4)},
        "val_f1_by_step": {int(r["step"]): round(r["val_f1"], 4) for r in val},
    }


def size_and_cost(variant: str) -> dict:
    """Parameters (M) and GFLOPs (2 per multiply-add) of one forward pass on a 827x1170 page
    (1184 x 832 after padding to a multiple of 32), counted as ``benchmarks/measure.py`` does."""
    from runner import gflops, params

    from mangaclean.models.registry import model_config

    config = model_config(variant)
    return {
        "params_m": round(params("segmenter", config) / 1e6, 3),
        "gflops_827x1170": round(gflops("segmenter", config, (1184, 832)), 1),
    }


def export(run: Path, variant: str, models: Path, calibration: Path) -> tuple[Path, Path]:
    """fp32 + int8 ONNX of the run's best checkpoint (each with its manifest)."""
    fp32, int8 = models / f"{variant}.onnx", models / f"{variant}.int8.onnx"
    if not int8.is_file():
        subprocess.run(
            [
                *CLI,
                "export",
                str(run / "best.safetensors"),
                "--out",
                str(models),
                "--name",
                variant,
                "--exporter",
                "torchscript",
                "--int8",
                "--calibration",
                str(calibration),
            ],
            check=True,
        )
    return fp32, int8


def _eval(kind: str, segmenters: list[str], every: int = 1) -> list[dict]:
    """``mangaclean eval KIND`` of ``segmenters`` on real-dev; masks: every ``every``-th page only
    (links to them in a temporary folder), for the slow fp32 runs."""
    from runner import eval_json

    from mangaclean.eval.data_paths import TEXTMASKS, default_data_root, image_files

    if every == 1:
        return eval_json(kind, segmenters, show=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = default_data_root() / TEXTMASKS
        for part in ("images", "masks"):
            (Path(tmp) / part).mkdir()
            for path in image_files(root / part)[::every]:
                (Path(tmp) / part / path.name).symlink_to(path)
        return eval_json(kind, segmenters, Path(tmp) / "images", Path(tmp) / "masks", show=True)


def _bench(labelled: dict[str, str]) -> dict[str, float]:
    """Median seconds of the segment stage on the 827x1170 sample, configurations interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        compare = [f"{label}={segmenter}/telea" for label, segmenter in labelled.items()]
        subprocess.run(
            [
                *CLI,
                "bench",
                str(PAGE),
                "--sizes",
                "",
                "--repeat",
                "5",
                "--no-memory",
                "--threads",
                "2",
                "--compare",
                *compare,
                "--json",
                f"{tmp}/b.json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        configs = json.loads(Path(f"{tmp}/b.json").read_text())["configs"]
    return {label: round(configs[label]["pages"][PAGE.name]["segment"]["median"], 3) for label in labelled}


def score(out: Path, json_path: Path | None) -> None:
    models = out / "onnx"
    calibration = out / "calibration"
    if not calibration.is_dir():
        subprocess.run(
            [*CLI, "synth", "-o", str(calibration), "-n", "16", "--seed", str(CALIBRATION_SEED)], check=True
        )
    rows, segmenters = [], {"shipped-int8": "net-int8", "shipped-fp32": "net-fp32"}
    for variant in VARIANTS:
        fp32, int8 = export(out / variant, variant, models, calibration / "raw")
        segmenters[f"{variant}-int8"], segmenters[f"{variant}-fp32"] = str(int8), str(fp32)
        rows.append({"variant": variant, **size_and_cost(variant), **run_summary(out / variant)})
    int8 = {label: name for label, name in segmenters.items() if label.endswith("int8")}
    fp32 = {label: name for label, name in segmenters.items() if label.endswith("fp32")}
    masks = dict(zip(int8, _eval("masks", list(int8.values())), strict=True))
    masks |= dict(zip(fp32, _eval("masks", list(fp32.values()), every=FP32_EVERY), strict=True))
    boxes = dict(zip(int8, _eval("boxes", list(int8.values())), strict=True))
    bench = _bench(segmenters)
    shipped = {
        "variant": "seg_mnv2_light (shipped)",
        **size_and_cost("seg_mnv2_light"),
        "training": "many rounds (segmenter-rounds note)",
    }
    for row in [shipped, *rows]:
        key = "shipped" if row is shipped else row["variant"]
        for precision in ("int8", "fp32"):
            m = masks[f"{key}-{precision}"]
            row[f"real_dev_{precision}"] = {
                k: m[k] for k in ("pages", "f1", "tolerant_f1", "precision", "recall")
            }
        row["real_dev_int8"]["box_recall"] = boxes[f"{key}-int8"]["box_recall"]
        row["bench"] = {p: bench.get(f"{key}-{p}") for p in ("int8", "fp32")}
    for row in [shipped, *rows]:
        i8, f32 = row["real_dev_int8"], row["real_dev_fp32"]
        print(
            f"{row['variant']:>26}: {row['params_m']:5.2f} M {row['gflops_827x1170']:6.1f} GFLOPs "
            f"steps {row.get('steps', '-')} | "
            f"int8 F1 {i8['f1']:.3f} tol {i8['tolerant_f1']:.3f} boxes {i8['box_recall']:.3f} | "
            f"fp32 F1 {f32['f1']:.3f} tol {f32['tolerant_f1']:.3f} ({f32['pages']} pages)"
        )
    if json_path is not None:
        from mangaclean.eval.reports import write_json

        recipe = Path(RECIPE).read_text()
        write_json(json_path, {"recipe": recipe, "rows": [shipped, *rows]}, " ".join(["python", *sys.argv]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("train", "score"))
    parser.add_argument("--out", type=Path, default=Path("runs/select"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.step == "train":
        train(args.out)
    else:
        score(args.out, args.json)


if __name__ == "__main__":
    main()
