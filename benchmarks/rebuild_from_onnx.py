"""Study for issue 24: rebuild a trainable torch state dict of seg_mnv2_light from the shipped
fp32 ONNX (the training checkpoint it came from is lost). Findings: docs/notes/2026-12-06-*.

The dynamo exporter (onnxscript optimiser) folds every Conv(bias=False)+BatchNorm2d pair into one
Conv: the initializer keeps the conv's state-dict name ``X.weight`` (now W*gamma/sqrt(var+eps)) and
gains ``X.weight_bias`` (beta - mean*gamma/sqrt(var+eps)). Convs with their own bias (scSE, head)
keep ``X.weight`` / ``X.bias`` unchanged.

Usage: python benchmarks/rebuild_from_onnx.py [--out DIR]  (parity report; writes
rebuilt_{identity,calibrated}.pt into DIR, default the ignored out/onnx2torch).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from PIL import Image
from torch import nn

ROOT = Path(__file__).resolve().parents[1] / "src" / "mangaclean"
ONNX = ROOT / "weights/seg_mnv2_light.onnx"
MANIFEST = ROOT / "weights/seg_mnv2_light.json"


def onnx_tensors(path: Path) -> tuple[dict[str, np.ndarray], list[tuple[str, str | None]]]:
    """Initializers by name, and (weight, bias) input names of every Conv node."""
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    convs = []
    for node in model.graph.node:
        if node.op_type == "Conv":
            convs.append((node.input[1], node.input[2] if len(node.input) > 2 and node.input[2] else None))
    return inits, convs


def following_bn(model: nn.Module, conv_name: str) -> tuple[str, nn.BatchNorm2d] | None:
    """The BatchNorm2d right after conv ``a.b.N`` in its Sequential (``a.b.N+1``), if any."""
    parent, _, index = conv_name.rpartition(".")
    if not index.isdigit():
        return None
    name = f"{parent}.{int(index) + 1}"
    module = dict(model.named_modules()).get(name)
    return (name, module) if isinstance(module, nn.BatchNorm2d) else None


def build_model_from_manifest():
    from mangaclean.models.registry import build_from_config

    manifest = json.loads(MANIFEST.read_text())
    return build_from_config(manifest["kind"], manifest["config"], manifest["variant"]), manifest


@torch.no_grad()
def rebuild(path: Path = ONNX) -> tuple[nn.Module, dict]:
    """The registry's model with the ONNX weights; folded BNs set to identity (+ fused bias)."""
    model, manifest = build_model_from_manifest()
    inits, convs = onnx_tensors(path)
    modules = dict(model.named_modules())
    state = model.state_dict()
    new: dict[str, torch.Tensor] = {}
    report = {"direct": 0, "folded_bn": 0, "unused_onnx": [], "missing_torch": []}
    used = set()
    for weight_name, bias_name in convs:
        conv_name = weight_name.removesuffix(".weight")
        conv = modules[conv_name]
        assert isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d)), conv_name
        w = torch.from_numpy(inits[weight_name].copy())
        assert w.shape == conv.weight.shape, (weight_name, w.shape, conv.weight.shape)
        new[weight_name] = w
        used.add(weight_name)
        if conv.bias is not None:  # bias kept under its own name
            assert bias_name == f"{conv_name}.bias", (conv_name, bias_name)
            new[bias_name] = torch.from_numpy(inits[bias_name].copy())
            used.add(bias_name)
            report["direct"] += 1
            continue
        found = following_bn(model, conv_name)
        assert found is not None and bias_name == f"{weight_name}_bias", (conv_name, bias_name)
        bn_name, bn = found
        b = torch.from_numpy(inits[bias_name].copy())
        eps = bn.eps
        new[f"{bn_name}.weight"] = torch.ones_like(b)
        new[f"{bn_name}.bias"] = b
        new[f"{bn_name}.running_mean"] = torch.zeros_like(b)
        # (x - 0) / sqrt(var + eps) == x  needs var = 1 - eps
        new[f"{bn_name}.running_var"] = torch.full_like(b, 1.0 - eps)
        new[f"{bn_name}.num_batches_tracked"] = torch.zeros((), dtype=torch.long)
        used.add(bias_name)
        report["folded_bn"] += 1
    report["missing_torch"] = sorted(set(state) - set(new))
    report["unused_onnx"] = sorted(k for k in inits if k not in used and inits[k].size > 8)
    report["torch_keys"] = len(state)
    report["torch_params"] = sum(
        v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k
    )
    model.load_state_dict(new, strict=True)
    return model.eval(), report


def bn_modules(model: nn.Module):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]


@torch.no_grad()
def calibrate_bn(model: nn.Module, batches: list[torch.Tensor]) -> nn.Module:
    """Give the identity BNs real statistics without changing the eval-mode function:
    running_mean/var = per-channel mean/var of the BN's input over ``batches`` (eval mode),
    weight = sqrt(var + eps), bias = bias + mean. Then train-mode BN (batch statistics) stays
    close to the eval function when training batches look like the calibration batches."""
    model.eval()
    sums: dict[str, list] = {}
    hooks = []
    for name, bn in bn_modules(model):
        sums[name] = [0.0, 0.0, 0]

        def hook(module, inputs, output, name=name):
            x = inputs[0].double()
            s = sums[name]
            s[0] = s[0] + x.sum(dim=(0, 2, 3))
            s[1] = s[1] + (x * x).sum(dim=(0, 2, 3))
            s[2] += x.numel() // x.shape[1]

        hooks.append(bn.register_forward_hook(hook))
    for x in batches:
        model(x)
    for h in hooks:
        h.remove()
    for name, bn in bn_modules(model):
        s0, s1, n = sums[name]
        mean = s0 / n
        var = (s1 / n - mean * mean).clamp(min=0)
        # current BN is identity: y = x + b (running_mean 0, running_var 1-eps, weight 1)
        b = bn.bias.double()
        bn.running_mean.copy_(mean.float())
        bn.running_var.copy_(var.float())
        bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        bn.bias.copy_((b + mean).float())
    return model


def sample_inputs(mean: float, std: float) -> list[tuple[str, torch.Tensor]]:
    """Random and real-looking inputs, normalised like the runtime, padded with white to 16."""
    g = torch.Generator().manual_seed(0)
    out = [
        ("rand_u(-1,1) 1x1x64x96", torch.rand(1, 1, 64, 96, generator=g) * 2 - 1),
        ("rand_u(-1,1) 2x1x256x256", torch.rand(2, 1, 256, 256, generator=g) * 2 - 1),
        ("randn 1x1x128x160", torch.randn(1, 1, 128, 160, generator=g)),
    ]
    for f in sorted(glob.glob(str(ROOT / "samples/*.png"))):
        a = np.asarray(Image.open(f).convert("L"), dtype=np.float32) / 255.0
        x = torch.from_numpy((a - mean) / std)[None, None]
        h, w = x.shape[2:]
        x = torch.nn.functional.pad(x, (0, (-w) % 16, 0, (-h) % 16), value=(1 - mean) / std)
        out.append((Path(f).name + f" {h}x{w}", x))
    return out


def parity(model: nn.Module, inputs, path: Path = ONNX) -> list[dict]:
    from mangaclean.export.onnx import onnx_session

    session = onnx_session(path, threads=2)
    rows = []
    model.eval()
    for name, x in inputs:
        with torch.no_grad():
            eager = model(x).numpy()
        ort = session.run(None, {"image": x.numpy()})[0]
        pe, po = 1 / (1 + np.exp(-eager)), 1 / (1 + np.exp(-ort))
        rows.append(
            {
                "input": name,
                "max_abs_logit": float(np.abs(eager - ort).max()),
                "max_abs_prob": float(np.abs(pe - po).max()),
                "mask_flips@0.5": int(((pe > 0.5) != (po > 0.5)).sum()),
                "text_px": int((po > 0.5).sum()),
            }
        )
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out/onnx2torch")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    model, report = rebuild()
    print("mapping:", json.dumps(report, indent=1))
    _, manifest = build_model_from_manifest()
    inputs = sample_inputs(manifest["input"]["mean"], manifest["input"]["std"])
    print("parity identity-BN rebuild vs ORT fp32:")
    for row in parity(model, inputs):
        print("  ", row)
    torch.save(model.state_dict(), out / "rebuilt_identity.pt")
    # BN calibration on synthetic training pages
    from mangaclean.train.config import TrainConfig
    from mangaclean.train.data import training_dataset

    cfg = TrainConfig(crop=256, batch_size=8, seed=123, steps=10, workers=0)
    data = training_dataset(cfg)
    calib = [torch.stack([data[i * 8 + j]["input"] for j in range(8)]) for i in range(4)]
    calibrate_bn(model, calib)
    print("parity BN-calibrated rebuild (eval) vs ORT fp32:")
    for row in parity(model, inputs):
        print("  ", row)
    torch.save(model.state_dict(), out / "rebuilt_calibrated.pt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
