"""Score a checkpoint on a run's fixed synthetic validation set, as the training loop would.

Needed when the synthetic engine changes: the validation crops change with it, so the shipped
weights must be scored on the new set before a new run's numbers can be compared with them.
``python scripts/score_checkpoint.py RECIPE CHECKPOINT [--seed N]`` (a recipe YAML or a run's
``config.json``; ``--seed`` picks the validation set, as ``train --seed`` does). Needs the train
extra; prints the metrics as JSON.
"""

from __future__ import annotations

import argparse
import json

import torch

from mangaclean.train.config import load_config
from mangaclean.train.data import validation_batches
from mangaclean.train.loop import evaluate
from mangaclean.train.models import build_for_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe")
    parser.add_argument("checkpoint", help="a .safetensors checkpoint with its .json manifest")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    config = load_config(args.recipe, {"init": args.checkpoint, "workers": 0, "seed": args.seed})
    model = build_for_training(config)
    print(json.dumps(evaluate(model, validation_batches(config), config, torch.device("cpu"))))


if __name__ == "__main__":
    main()
