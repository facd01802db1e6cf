"""Interpolate checkpoints of one variant: ``(1 - alpha) * A + alpha * mean(B1, B2, ...)``.

Fine-tuning on synthetic pages moves a network towards the synthetic distribution; averaging the
fine-tuned weights with the ones it started from (WiSE-FT, Wortsman et al. 2022) keeps much of the
gain while staying closer to what worked on real pages. Several fine-tunes of ``A`` are averaged
first (a uniform "model soup", Wortsman et al. 2022). Every ``B`` must descend from ``A``
(fine-tuned from it), so all lie in one basin. Floating-point tensors (weights and BatchNorm statistics)
are interpolated; integer ones (BatchNorm step counters) are taken from the first ``B``.
``python scripts/interpolate_checkpoints.py A B [B ...] --alpha 0.5 --out DIR`` (needs the train extra)
writes ``DIR/best.safetensors`` and its manifest, ready for ``mangaclean export``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mangaclean.backends.checkpoint import load_checkpoint, save_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="the starting checkpoint (.safetensors with its .json manifest)")
    parser.add_argument("b", nargs="+", help="one or more checkpoints fine-tuned from A")
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of the Bs' mean (default 0.5)")
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args()
    model_a, manifest_a = load_checkpoint(args.a)
    loaded = [load_checkpoint(path) for path in args.b]
    for _, manifest in loaded:
        if manifest["variant"] != manifest_a["variant"]:
            raise SystemExit(f"different variants: {manifest_a['variant']} and {manifest['variant']}")
    state_a = model_a.state_dict()
    states_b = [model.state_dict() for model, _ in loaded]
    model_b = loaded[0][0]
    mixed = {
        name: (1 - args.alpha) * state_a[name] + args.alpha * sum(s[name] for s in states_b) / len(states_b)
        if tensor.is_floating_point()
        else tensor
        for name, tensor in states_b[0].items()
    }
    model_b.load_state_dict(mixed)
    b_field = str(args.b[0]) if len(args.b) == 1 else [str(path) for path in args.b]
    b_training = [manifest.get("training") for _, manifest in loaded]
    extra = {
        "training": {
            "interpolation": {"a": str(args.a), "b": b_field, "alpha": args.alpha},
            "a": manifest_a.get("training"),
            "b": b_training[0] if len(b_training) == 1 else b_training,
        }
    }
    print(save_checkpoint(model_b, Path(args.out) / "best.safetensors", extra))


if __name__ == "__main__":
    main()
