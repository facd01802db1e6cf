"""A trainable PyTorch network rebuilt from an fp32 ONNX file that ``export_onnx`` wrote (the
shipped segmenter's training checkpoint is lost; fine-tuning starts from its ONNX instead).

torch's dynamo exporter folds every convolution without bias into the BatchNorm after it: the
ONNX keeps the convolution's state-dict name ``X.weight`` for the fused weight
``W * gamma / sqrt(var + eps)`` and adds ``X.weight_bias`` for the fused bias
``beta - mean * gamma / sqrt(var + eps)``; convolutions with their own bias keep ``X.weight`` /
``X.bias``; a fused bias of zeros is left out. The rebuilt convolution takes the fused weight
and its BatchNorm becomes the identity plus the fused bias (weight 1, running mean 0, running
variance ``1 - eps``). The network then computes what the ONNX computes, but its BatchNorms must
stay in eval mode while it trains (``TrainConfig.freeze_bn``): batch statistics would no longer
match the folded weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from mangaclean.backends.manifest import manifest_path, read_manifest
from mangaclean.errors import ModelError
from mangaclean.models.registry import build_from_config


def model_from_onnx(path: str | Path) -> tuple[nn.Module, dict]:
    """The network of an fp32 ONNX file and its manifest (``X.onnx`` -> ``X.json``, sha256 checked).

    Returns ``(model, manifest)``, the model in eval mode. Raises ``ModelError`` when the file's
    weights do not map onto the manifest's network (another exporter, an int8 file).
    """
    import onnx
    from onnx import numpy_helper

    path = Path(path)
    manifest = read_manifest(manifest_path(path))
    if manifest.get("precision", "fp32") != "fp32":
        raise ModelError(f"{path}: a {manifest['precision']} file; rebuild from the fp32 ONNX")
    model = build_from_config(manifest["kind"], manifest["config"], manifest["variant"])
    graph = onnx.load(str(path)).graph
    tensors = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    convs = [
        (node.input[1], node.input[2] if len(node.input) > 2 else "")
        for node in graph.node
        if node.op_type == "Conv"
    ]
    state = _state_dict(model, tensors, convs)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"{path}: its weights do not map onto {manifest['variant']} ({exc})") from exc
    return model.eval(), manifest


def _state_dict(model: nn.Module, tensors: dict, convs: list[tuple[str, str]]) -> dict:
    """The state dict of ``model`` from the ONNX ``tensors``; ``convs``: each Conv's (weight,
    bias) input names."""
    modules = dict(model.named_modules())
    state = {}
    for weight, bias in convs:
        name = weight.removesuffix(".weight")
        if weight not in tensors or not isinstance(modules.get(name), nn.Conv2d):
            continue  # not a parameter of the network (none expected): the strict load says so
        state[weight] = tensors[weight]
        if bias == f"{name}.bias":
            state[bias] = tensors[bias]
        elif bias == f"{weight}_bias":
            state.update(_identity_norm(modules, name, tensors[bias]))
        elif not bias:  # the exporter drops a fused bias of zeros (an untrained network's)
            state.update(_identity_norm(modules, name, torch.zeros(tensors[weight].shape[0])))
    return state


def _identity_norm(modules: dict, conv: str, fused_bias: torch.Tensor) -> dict:
    """The BatchNorm after convolution ``a.b.N`` (``a.b.N+1``) as identity plus the fused bias."""
    parent, _, index = conv.rpartition(".")
    name = f"{parent}.{int(index) + 1}" if index.isdigit() else ""
    norm = modules.get(name)
    if not isinstance(norm, nn.BatchNorm2d):
        return {}  # the strict load names what is missing
    return {
        f"{name}.weight": torch.ones_like(fused_bias),
        f"{name}.bias": fused_bias,
        f"{name}.running_mean": torch.zeros_like(fused_bias),
        f"{name}.running_var": torch.full_like(fused_bias, 1.0 - norm.eps),
        f"{name}.num_batches_tracked": torch.zeros((), dtype=torch.long),
    }
