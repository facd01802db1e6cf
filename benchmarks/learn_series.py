"""Does ``mangaclean learn`` pay on a series the default has not seen? (issue 24)

A "series" is rendered by the synthetic engine in one style the default rarely draws: every line
of lettering in one brush font (Kouzan Gyousyo, Debian ``fonts-kouzan-mouhitsu``, running-script
brush), no sound effects, no Latin text. Its raw/clean pairs are what a translation group has;
its true masks score held-out pages of the same series (never trained on).

    python benchmarks/learn_series.py render --out out/series            # pairs + test pages
    python benchmarks/learn_series.py learn --out out/series --pairs 50  # learn on 50 pairs
    python benchmarks/learn_series.py score --out out/series --pairs 20,50,100 \\
        --json docs/results/learn_series.json

``learn`` runs ``mangaclean learn`` with its default budget on the first N pairs; ``score`` puts the
shipped default and each tuned model side by side on the series' test pages and on real-dev
(``mangaclean eval masks``), with the time and peak memory of each ``learn`` run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from runner import CLI

FONT = Path("/usr/share/fonts/truetype/kouzan-mouhitsu/kouzan-mouhitsu-gyosho.ttf")
TRAIN_SEED, TEST_SEED = 101, 202


def series_config(font_dir: str):
    from mangaclean.data.synth.page import SynthConfig

    return SynthConfig(font_dirs=(font_dir,), system_fonts=False, sfx_rate=0.0, latin_share=0.0)


def _render_one(job) -> None:
    import numpy as np
    from PIL import Image

    from mangaclean.data.synth.stream import SampleSpec, render_sample

    font_dir, seed, index, out, with_mask = job
    sample = render_sample(SampleSpec(config=series_config(font_dir)), seed, index)
    name = f"{index:03d}.png"
    Image.fromarray(sample.raw).save(out / "raw" / name)
    if with_mask:
        Image.fromarray(((sample.mask > 127) * 255).astype(np.uint8)).save(out / "mask" / name)
    else:
        Image.fromarray(sample.clean).save(out / "clean" / name)


def render(out: Path, pairs: int, tests: int, jobs: int) -> None:
    import concurrent.futures
    import multiprocessing

    if not FONT.is_file():
        sys.exit(f"{FONT} is missing: apt-get install fonts-kouzan-mouhitsu")
    font_dir = out / "font"
    font_dir.mkdir(parents=True, exist_ok=True)
    if not (font_dir / FONT.name).exists():
        (font_dir / FONT.name).symlink_to(FONT)
    for folder in ("train/raw", "train/clean", "test/raw", "test/mask"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    work = [(str(font_dir), TRAIN_SEED, i, out / "train", False) for i in range(pairs)]
    work += [(str(font_dir), TEST_SEED, i, out / "test", True) for i in range(tests)]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        list(pool.map(_render_one, work, chunksize=2))
    print(f"rendered {pairs} pairs and {tests} test pages into {out}")


def learn(out: Path, pairs: int, minutes: float | None) -> None:
    """``mangaclean learn`` on the first ``pairs`` pairs (linked into ``out/pairsN``)."""
    subset = out / f"pairs{pairs}"
    for side in ("raw", "clean"):
        (subset / side).mkdir(parents=True, exist_ok=True)
        for path in sorted((out / "train" / side).glob("*.png"))[:pairs]:
            link = subset / side / path.name
            if not link.exists():
                link.symlink_to(path.resolve())
    command = [
        *CLI,
        "learn",
        str(subset / "raw"),
        str(subset / "clean"),
        "-o",
        str(out / f"model{pairs}"),
    ]
    command += ["--minutes", str(minutes)] if minutes else []
    started = time.perf_counter()
    subprocess.run(command, check=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = {
        "command": " ".join(["mangaclean", *command[len(CLI) :]]),
        "wall_s": time.perf_counter() - started,
        "peak_rss_mb_largest_process": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    (out / f"model{pairs}" / "cost.json").write_text(json.dumps(record, indent=2))


def _learned(model_dir: Path) -> dict:
    """Pages, steps and training minutes of a learn run, from its report and its training state."""
    import torch

    report = json.loads((model_dir / "learn.json").read_text())
    state = torch.load(model_dir / "work" / "run" / "last.pt", map_location="cpu", weights_only=False)
    return {"pages": report["pages"], "steps": state["step"], "training_minutes": state["seconds"] / 60}


def score(out: Path, pair_counts: list[int], json_path: Path | None) -> None:
    models = [str(out / f"model{n}") for n in pair_counts]
    keep = ("segmenter", "pages", "precision", "recall", "f1", "tolerant_f1")
    from runner import eval_json

    series = eval_json("masks", ["auto", *models], out / "test" / "raw", out / "test" / "mask")
    real = eval_json("masks", ["auto", *models])
    rows = []
    for n, name, s, r in zip([0, *pair_counts], ["default", *models], series, real, strict=True):
        learned = _learned(Path(name)) if n else {}
        cost = json.loads((Path(name) / "cost.json").read_text()) if n else {}
        rows.append(
            {
                "model": "shipped default" if not n else f"learned on {n} pairs",
                "pairs": n,
                "series_test": {k: s[k] for k in keep},
                "real_dev": {k: r[k] for k in keep},
                "learn": learned,
                "cost": cost,
            }
        )
        print(
            f"{rows[-1]['model']:>22}: series F1 {s['f1']:.3f} tol {s['tolerant_f1']:.3f} | "
            f"real-dev F1 {r['f1']:.3f} tol {r['tolerant_f1']:.3f} | {cost.get('wall_s', 0) / 60:.1f} min"
        )
    if json_path is not None:
        from mangaclean.eval.reports import write_json

        payload = {"series": f"synthetic pages, one brush font ({FONT.name}), no SFX", "rows": rows}
        write_json(json_path, payload, " ".join(["python", *sys.argv]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("render", "learn", "score"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", default="100", help="render: pairs to render; learn: N; score: N1,N2,...")
    parser.add_argument("--tests", type=int, default=40, help="render: held-out test pages")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=None, help="learn: budget (default: learn's)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.step == "render":
        render(args.out, int(args.pairs), args.tests, args.jobs)
    elif args.step == "learn":
        learn(args.out, int(args.pairs), args.minutes)
    else:
        score(args.out, [int(n) for n in args.pairs.split(",")], args.json)


if __name__ == "__main__":
    main()
