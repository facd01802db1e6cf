"""Where the real evaluation data lives, and how its folders pair up.

The data is never part of the repository: it is read from ``--data-root``, else the environment
variable ``MANGACLEAN_DATA``, else ``../shared/data`` next to the repository root when it exists.
Layout expected under the root (any folder of the same shape works with explicit flags):

    real-dev/manga109-textmasks/images/<stem>.jpg   real-dev/manga109-textmasks/masks/<stem>.png
    real-dev/openmantra/annotation.json             real-dev/openmantra/images/...
"""

from __future__ import annotations

import os
from pathlib import Path

from mangaclean.errors import UsageError
from mangaclean.io import is_image_name

ENV_VAR = "MANGACLEAN_DATA"
TEXTMASKS = Path("real-dev/manga109-textmasks")
OPENMANTRA = Path("real-dev/openmantra")


def repo_root() -> Path:
    """The checkout this package runs from (``src/mangaclean/eval`` -> three levels up)."""
    return Path(__file__).resolve().parents[3]


def default_data_root() -> Path | None:
    """``$MANGACLEAN_DATA``, else ``<repo>/../shared/data`` if it exists, else None."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    shared = repo_root().parent / "shared" / "data"
    return shared if shared.is_dir() else None


def data_path(explicit: Path | None, root: Path | None, relative: Path, flag: str) -> Path:
    """``explicit`` if given, else ``root / relative``; raise ``UsageError`` naming ``flag`` if neither."""
    if explicit is not None:
        path = explicit
    elif root is not None:
        path = root / relative
    else:
        raise UsageError(f"no evaluation data found: pass {flag} or --data-root, or set ${ENV_VAR}")
    if not path.exists():
        raise UsageError(f"{path}: not found (from {flag} / --data-root / ${ENV_VAR})")
    return path


def image_files(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and is_image_name(p.name))


def mask_pairs(images: Path, masks: Path, limit: int | None = None) -> list[tuple[Path, Path | None]]:
    """``(image, mask or None)`` per page, paired by file stem; the first ``limit`` pages if given."""
    by_stem = {p.stem: p for p in image_files(masks)}
    pages = image_files(images)
    if not pages:
        raise UsageError(f"{images}: no images found")
    if limit is not None:
        pages = pages[:limit]
    return [(page, by_stem.get(page.stem)) for page in pages]
