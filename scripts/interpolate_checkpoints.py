"""Interpolate the weights of two checkpoints of one variant: ``(1 - alpha) * A + alpha * B``.

Fine-tuning on synthetic pages moves a network towards the synthetic distribution; averaging the
fine-tuned weights with the ones it started from (WiSE-FT, Wortsman et al. 2022) keeps much of the
gain while staying closer to what worked on real pages. ``B`` must descend from ``A`` (fine-tuned
from it), so the two lie in one basin. Floating-point tensors (weights and BatchNorm statistics)
are interpolated; integer ones (BatchNorm step counters) are taken from ``B``.
``python scripts/interpolate_checkpoints.py A B --alpha 0.5 --out DIR`` (needs the train extra)
writes ``DIR/best.safetensors`` and its manifest, ready for ``mangaclean export``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mangaclean.export.checkpoint import load_checkpoint, save_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="the starting checkpoint (.safetensors with its .json manifest)")
    parser.add_argument("b", help="a checkpoint fine-tuned from A")
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of B (default 0.5)")
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args()
    model_a, manifest_a = load_checkpoint(args.a)
    model_b, manifest_b = load_checkpoint(args.b)
    if manifest_a["variant"] != manifest_b["variant"]:
        raise SystemExit(f"different variants: {manifest_a['variant']} and {manifest_b['variant']}")
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    mixed = {
        name: (1 - args.alpha) * state_a[name] + args.alpha * tensor if tensor.is_floating_point() else tensor
        for name, tensor in state_b.items()
    }
    model_b.load_state_dict(mixed)
    extra = {
        "training": {
            "interpolation": {"a": str(args.a), "b": str(args.b), "alpha": args.alpha},
            "a": manifest_a.get("training"),
            "b": manifest_b.get("training"),
        }
    }
    print(save_checkpoint(model_b, Path(args.out) / "best.safetensors", extra))


if __name__ == "__main__":
    main()
