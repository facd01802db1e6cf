"""Model weights as safetensors + JSON manifest; loading rebuilds the network from them alone.

``save_checkpoint(model, "runs/x/seg_mnv2_light.safetensors")`` writes the weights and
``runs/x/seg_mnv2_light.json``; ``load_checkpoint`` reads the manifest, checks the sha256,
rebuilds the model from ``kind`` + ``config`` and loads the weights. The safetensors header
also carries the manifest's model fields, so a file separated from its manifest can still be
rebuilt (``load_checkpoint(..., verify=False)``). Needs the train extra (torch, safetensors):
only the eager backend, training and export import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from torch import nn

from mangaclean.backends.manifest import manifest_path, read_manifest, weights_path, write_manifest
from mangaclean.errors import BackendUnavailableError, ModelError
from mangaclean.models.registry import build_from_config, describe

HEADER_KEY = "mangaclean"


def _safetensors():
    try:
        import safetensors.torch as st
    except ImportError as exc:  # pragma: no cover - part of the train extra
        raise BackendUnavailableError(
            "saving weights needs safetensors: pip install 'mangaclean[train]'"
        ) from exc
    return st


def save_checkpoint(model: nn.Module, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s state dict to ``path`` (``.safetensors``) and its manifest.

    ``extra``: more manifest fields (training data summary, metrics, step, ...).
    Returns the manifest path.
    """
    st = _safetensors()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = describe(model)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    st.save_file(state, str(tmp), metadata={HEADER_KEY: json.dumps(spec)})
    tmp.replace(path)
    return write_manifest(
        path,
        variant=spec["variant"],
        kind=spec["kind"],
        config=spec["config"],
        input_spec=spec["input"],
        format="safetensors",
        precision="fp32",
        extra=extra,
    )


def load_checkpoint(path: str | Path, verify: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model saved at ``path`` (the ``.safetensors`` or its ``.json``).

    Returns ``(model, manifest)``; the model is in eval mode. With ``verify=False`` a missing
    manifest is tolerated and the safetensors header is used instead.
    """
    st = _safetensors()
    path = Path(path)
    if path.suffix == ".json":
        manifest = read_manifest(path, verify=verify)
        weights = weights_path(path, manifest)
    elif verify or manifest_path(path).is_file():
        manifest, weights = read_manifest(manifest_path(path), verify=verify), path
    else:
        manifest, weights = _header_spec(path), path
    if manifest.get("format", "safetensors") != "safetensors":
        raise ModelError(f"{path}: manifest describes a {manifest['format']} file, not weights")
    model = build_from_config(manifest["kind"], manifest["config"], manifest["variant"])
    try:
        state = st.load_file(str(weights))
        model.load_state_dict(state)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ModelError(f"{weights}: cannot load weights into {manifest['variant']} ({exc})") from exc
    return model.eval(), manifest


def _header_spec(weights: Path) -> dict[str, Any]:
    """The model description stored in a safetensors header by ``save_checkpoint``."""
    from safetensors import safe_open

    try:
        with safe_open(str(weights), framework="pt") as handle:
            header = (handle.metadata() or {}).get(HEADER_KEY)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ModelError(f"{weights}: not a readable safetensors file ({exc})") from exc
    if not header:
        raise ModelError(f"{weights}: no manifest and no mangaclean header; cannot rebuild it")
    return json.loads(header)
