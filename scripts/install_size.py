"""Installed size of the runtime: ``pip install .`` into a fresh virtual environment, then the size
of each entry of its site-packages (pip and setuptools included, as a user gets them).

    python scripts/install_size.py --json docs/results/install_size.json

Needs the package index (it installs the runtime dependencies); run it from the dev environment,
whose mangaclean writes the JSON with the same record as ``eval`` and ``bench``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def size_mb(path: Path) -> float:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size / 2**20
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def measure(python: str) -> tuple[dict[str, float], dict[str, str]]:
    """``{site-packages entry: MB}`` of a fresh venv made by ``python`` with the runtime installed,
    and ``{distribution: version}`` of what it holds (the JSON's ``versions`` are the dev venv's)."""
    with tempfile.TemporaryDirectory() as folder:
        venv = Path(folder) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, str(ROOT)], check=True)
        (site,) = venv.glob("lib/python*/site-packages")
        sizes = {p.name: size_mb(p) for p in site.iterdir()}
        listed = subprocess.run([*pip[:-2], "list", "--format", "json"], check=True, capture_output=True)
    installed = {d["name"]: d["version"] for d in json.loads(listed.stdout)}
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1])), installed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter of the fresh venv")
    parser.add_argument("--json", type=Path, required=True, help="where to write the result")
    parser.add_argument("--top", type=int, default=8, help="entries listed by name; the rest summed")
    args = parser.parse_args(argv)
    sizes, installed = measure(args.python)
    top = dict(list(sizes.items())[: args.top])
    top["(the rest)"] = sum(list(sizes.values())[args.top :])
    payload = {"total_mb": sum(sizes.values()), "site_packages_mb": top, "all_entries_mb": sizes}
    payload["installed"] = installed
    from mangaclean.eval.reports import write_json

    command = f"python scripts/install_size.py --json {args.json}"
    write_json(args.json, payload, command)
    print(f"{payload['total_mb']:.1f} MB: " + ", ".join(f"{k} {v:.1f}" for k, v in top.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
