"""The first clean's text masks kept on disk (``OUT_DIR/.mangaclean-review-masks/<id>.npz``), so a
restarted review skips the segmenter: ``clean_page(tight=...)`` rebuilds the same blocks (block
numbers in stored edits stay valid) from the same glyph mask.

A file holds the page's ``(H, W)`` glyph mask packed to bits, its shape, the number of text blocks
and a key: the hash of the page's pixels, the segmenter's name and the threshold. A file whose
key does not match (the page or the settings changed) is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from mangaclean.io import write_bytes_atomic

FOLDER_NAME = ".mangaclean-review-masks"


def page_key(pixels: np.ndarray, segmenter: str, threshold: float) -> str:
    """What a stored mask was made from: ``(H, W[, 3])`` uint8 pixels and the settings."""
    digest = hashlib.sha256(np.ascontiguousarray(pixels).data)
    digest.update(f"|{pixels.shape}|{segmenter}|{threshold!r}".encode())
    return digest.hexdigest()


class MasksCache:
    """The text masks of one review's pages, in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, page_id: str) -> Path:
        return self.folder / f"{page_id}.npz"  # page ids are hex hashes, never paths

    def has(self, page_id: str) -> bool:
        return self._path(page_id).exists()

    def load(self, page_id: str, key: str) -> np.ndarray | None:
        """The stored ``(H, W)`` bool glyph mask when its key is ``key``, else None."""
        try:
            with np.load(self._path(page_id), allow_pickle=False) as data:
                if str(data["key"]) != key:
                    return None
                height, width = (int(v) for v in data["shape"])
                return np.unpackbits(data["bits"], count=height * width).reshape(height, width).view(bool)
        except (OSError, KeyError, ValueError):
            return None  # absent, damaged or from another version: made again

    def save(self, page_id: str, key: str, tight: np.ndarray) -> None:
        """Store an ``(H, W)`` bool glyph mask (atomically)."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, key=np.array(key), shape=np.array(tight.shape), bits=np.packbits(tight))
        write_bytes_atomic(self._path(page_id), buffer.getvalue())
