"""The JSON manifest next to every weight file (``X.onnx`` / ``X.safetensors`` -> ``X.json``).

Fields: ``variant``, ``kind`` ("segmenter" | "inpainter"), ``config`` (the model config as a
dict; enough to rebuild the network), ``input`` (``channels``, ``mean``, ``std``,
``pad_multiple``), ``file`` (the weight file's name, relative to the manifest), ``sha256``,
``format`` ("onnx" | "safetensors"), ``precision`` ("fp32" | "int8"), plus any extra fields
(training data, metrics, ...). Imports neither torch nor the models: the inference backends use
it, and so do export and training when they write weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mangaclean.errors import ModelError

FORMATS = ("onnx", "safetensors")
PRECISIONS = ("fp32", "int8")
REQUIRED = ("variant", "kind", "config", "input", "file", "sha256", "format", "precision")
INPUT_FIELDS = ("channels", "mean", "std", "pad_multiple")


def manifest_path(weights: str | Path) -> Path:
    """Where the manifest of ``weights`` lives: the same path with a ``.json`` suffix."""
    return Path(weights).with_suffix(".json")


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(
    weights: str | Path,
    *,
    variant: str,
    kind: str,
    config: dict[str, Any],
    input_spec: dict[str, Any],
    format: str,
    precision: str = "fp32",
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the manifest of the existing file ``weights`` (hashing it); return its path."""
    weights = Path(weights)
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    missing = [k for k in INPUT_FIELDS if k not in input_spec]
    if missing:
        raise ValueError(f"input spec lacks {missing}")
    if not weights.is_file():
        raise ModelError(f"{weights}: weight file not found; write it before its manifest")
    manifest = {
        "variant": variant,
        "kind": kind,
        "config": config,
        "input": dict(input_spec),
        "file": weights.name,
        "sha256": sha256_of(weights),
        "format": format,
        "precision": precision,
        **(extra or {}),
    }
    path = manifest_path(weights)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path


def read_manifest(path: str | Path, verify: bool = True) -> dict[str, Any]:
    """Load a manifest (``X.json``, or the weight file ``X.onnx`` itself) and check it.

    With ``verify``, the weight file named in it must exist and match its sha256.
    Raises ``ModelError`` naming the file and what to do.
    """
    path = Path(path)
    if path.suffix != ".json":
        path = manifest_path(path)
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: manifest not found (export the model again)") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{path}: a manifest must be a JSON object")
    missing = [k for k in REQUIRED if k not in manifest]
    if missing:
        raise ModelError(f"{path}: manifest lacks {missing}")
    if verify:
        weights = weights_path(path, manifest)
        if not weights.is_file():
            raise ModelError(f"{weights}: weight file named by {path.name} not found")
        actual = sha256_of(weights)
        if actual != manifest["sha256"]:
            raise ModelError(
                f"{weights}: sha256 {actual[:12]}... does not match the manifest's "
                f"{str(manifest['sha256'])[:12]}...; the file is corrupt or was replaced: "
                "download or export it again"
            )
    return manifest


def weights_path(manifest_file: str | Path, manifest: dict[str, Any]) -> Path:
    """The weight file a manifest describes (its ``file`` is relative to the manifest)."""
    return Path(manifest_file).parent / str(manifest["file"])
