"""One review: the chapter's pages, their first clean (in the background, cached), the stored
edits replayed over it, re-cleans and saves. No HTTP here (``app.py`` maps requests to these).

Threads: any number may call in; the models run one page at a time (``_compute``), and the store
serialises its own writes. The first clean of a page is cached in memory (the most recently used
pages, up to ``cache_bytes``: about 4 MB for a grey 827x1170 page, 0.6 GB for a 6000x8000 colour
scan) and redone when it was dropped or after a restart, from its text mask kept on disk
(``masks_cache``: no segmenter then); edits and approvals live in the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import cv2
import numpy as np

from mangaclean.backends.base import Models
from mangaclean.errors import MangacleanError
from mangaclean.io import (
    Page,
    encode_checked,
    encode_image,
    encode_mask,
    encode_overlay,
    encode_preview,
    format_for,
    layered_ora,
    layered_psd,
    write_bytes_atomic,
)
from mangaclean.pipeline import CleanOptions, CleanResult, clean_page
from mangaclean.review.chapter import PageSource
from mangaclean.review.edits import block_boxes, check_edit, edited_removal, edits_box, recleaned
from mangaclean.review.masks_cache import MasksCache, page_key
from mangaclean.review.store import ReviewStore

log = logging.getLogger(__name__)
THUMB_WIDTH = 240
OVERLAY_RGB = (255, 32, 32)
LAYERED = {"psd": layered_psd, "ora": layered_ora}


class UnknownPageError(MangacleanError):
    """No page of this review has that id."""


@dataclass
class Loaded:
    """A page in memory: its pixels, its first clean, the latest re-clean (``cleaned``, ``mask``)
    with the edits it reflects (``applied``) and how long it took, and the PNGs sent to the
    browser with the array each was made from (a re-clean makes a new array)."""

    page: Page
    first: CleanResult
    applied: list[dict]
    cleaned: np.ndarray
    mask: np.ndarray
    seconds: float = 0.0
    previews: dict[str, tuple[np.ndarray, bytes]] = field(default_factory=dict)  # kind -> (for, PNG)


class Review:
    """The pages of ``sources`` under review, their state in ``store``."""

    def __init__(
        self,
        sources: list[PageSource],
        store: ReviewStore,
        models: Models,
        options: CleanOptions,
        max_pixels: int,
        quality: int = 95,
        cache_bytes: int = 2 << 30,
        masks: MasksCache | None = None,
    ):
        self.sources = {source.id: source for source in sources}
        self.order = [source.id for source in sources]
        self.store, self.models, self.options = store, models, options
        self.max_pixels, self.quality, self.cache_bytes = max_pixels, quality, cache_bytes
        self.masks = masks  # the first cleans' text masks on disk (a restart skips the segmenter)
        store.register([(source.id, source.name) for source in sources])
        self._compute = threading.Lock()  # the models: one page at a time
        self._guard = threading.Lock()  # the dicts below
        self._cache: OrderedDict[str, Loaded] = OrderedDict()
        self._shapes: dict[str, tuple[tuple[int, int], int]] = {}  # id -> ((H, W), blocks)
        self._failed: dict[str, str] = {}
        self._thumbs: dict[str, bytes] = {}
        self._asked = 0  # requests waiting for a page that is not cleaned yet
        self.current: str | None = None

    def source(self, page_id: str) -> PageSource:
        try:
            return self.sources[page_id]
        except KeyError:
            raise UnknownPageError(f"no page {page_id!r} in this review") from None

    def listing(self) -> list[dict]:
        """One entry per page, in chapter order: id, name, state (``not cleaned``, ``cleaned``,
        ``edited``, ``approved`` or ``failed``), edits (active), saved (epoch s or None), error."""
        records = self.store.records()
        out = []
        for page_id in self.order:
            record = records[page_id]
            if record.approved:
                state = "approved"
            elif record.edits:
                state = "edited"
            elif page_id in self._failed:
                state = "failed"
            else:
                done = page_id in self._shapes or (self.masks is not None and self.masks.has(page_id))
                state = "cleaned" if done else "not cleaned"
            entry = {"id": page_id, "name": record.name, "state": state, "edits": record.edits}
            entry.update(saved=record.saved, error=self._failed.get(page_id))
            out.append(entry)
        return out

    def progress(self) -> dict:
        """``{"total", "cleaned", "failed", "current"}``: the background clean so far."""
        with self._guard:
            current = self.sources[self.current].name if self.current else None
            return {
                "total": len(self.order),
                "cleaned": len(self._shapes),
                "failed": len(self._failed),
                "current": current,
            }

    def clean_all(self, stop: threading.Event) -> None:
        """Clean every page not cleaned yet, in chapter order (the background job)."""
        for page_id in self.order:
            if stop.is_set():
                return
            if page_id in self._shapes or page_id in self._failed:
                continue
            while self._asked and not stop.is_set():  # a page someone opened goes first
                time.sleep(0.05)
            with self._guard:
                self.current = page_id
            try:
                self.loaded(page_id, asked=False)
            except MangacleanError:
                pass  # recorded in _failed
            except Exception as exc:  # a bug on one page must not stop the others
                log.exception("review: cleaning %s failed", page_id)
                self._failed[page_id] = f"internal error ({type(exc).__name__}: {exc})"
        with self._guard:
            self.current = None

    def loaded(self, page_id: str, asked: bool = True) -> Loaded:
        """The page in memory, cleaned (read and cleaned first when it is not cached). asked:
        someone is waiting for it (the background clean lets it go first)."""
        source = self.source(page_id)
        with self._guard:
            if page_id in self._cache:
                self._cache.move_to_end(page_id)
                return self._cache[page_id]
            self._asked += asked
        try:
            return self._load(source)
        finally:
            with self._guard:
                self._asked -= asked

    def _load(self, source: PageSource) -> Loaded:
        page_id = source.id
        with self._compute:
            with self._guard:
                if page_id in self._cache:
                    return self._cache[page_id]
            try:
                page = source.read(self.max_pixels)
                first = self._first_clean(page_id, page.pixels)
            except MangacleanError as exc:
                self._failed[page_id] = str(exc)
                raise
            entry = Loaded(page, first, [], first.page, first.mask)
            blocks = len({region.block for region in first.regions})
            with self._guard:
                self._cache[page_id] = entry
                while len(self._cache) > 1 and sum(map(_size, self._cache.values())) > self.cache_bytes:
                    self._cache.popitem(last=False)
                self._shapes[page_id] = (first.mask.shape, blocks)
                self._failed.pop(page_id, None)
            self._thumbs[page_id] = _thumbnail(first.page)
        return entry

    def _first_clean(self, page_id: str, pixels: np.ndarray) -> CleanResult:
        """``clean_page`` of the page, from its stored text mask when there is one."""
        if self.masks is None:
            return clean_page(pixels, self.models, self.options)
        key = page_key(pixels, self.models.segmenter.name, self.options.threshold)
        tight = self.masks.load(page_id, key)
        first = clean_page(pixels, self.models, self.options, tight=tight)
        if tight is None:
            try:
                self.masks.save(page_id, key, first.text_mask)
            except MangacleanError as exc:  # a cache: the review goes on without it
                log.warning("review: text mask not kept: %s", exc)
        return first

    def add_edit(self, page_id: str, edit: object) -> int:
        """Check an edit and store it; returns its sequence number. Raises ``EditError``."""
        self.source(page_id)
        if page_id not in self._shapes:
            self.loaded(page_id)
        shape, blocks = self._shapes[page_id]
        return self.store.add_edit(page_id, check_edit(edit, shape, blocks))

    def edits(self, page_id: str) -> list[dict]:
        """The page's active edits, oldest first."""
        return self.store.edits(self.source(page_id).id)

    def undo(self, page_id: str) -> bool:
        return self.store.undo(self.source(page_id).id)

    def redo(self, page_id: str) -> bool:
        return self.store.redo(self.source(page_id).id)

    def approve(self, page_id: str, approved: bool) -> bool:
        self.store.set_approved(self.source(page_id).id, approved)
        return approved

    def removal(self, page_id: str) -> np.ndarray:
        """The page's removal mask ``(H, W)`` bool with every stored edit applied."""
        entry = self.loaded(page_id)
        return edited_removal(entry.first.mask, entry.first.regions, self.store.edits(page_id))

    def blocks(self, page_id: str) -> list[dict]:
        entry = self.loaded(page_id)
        return block_boxes(entry.first.regions, self.removal(page_id))

    def result(self, page_id: str) -> Loaded:
        """The page cleaned with every stored edit (re-cleaned when the edits changed since)."""
        entry = self.loaded(page_id)
        edits = self.store.edits(page_id)
        with self._compute:
            if entry.applied != edits:
                start = time.perf_counter()
                first = entry.first
                removal = edited_removal(first.mask, first.regions, edits)
                box = edits_box(edits, first.regions, first.mask.shape)
                cleaned, mask = recleaned(entry.page.pixels, first, removal, self.models, self.options, box)
                entry.cleaned, entry.mask, entry.applied = cleaned, mask, edits
                entry.seconds = time.perf_counter() - start
                self._thumbs[page_id] = _thumbnail(cleaned)
        return entry

    def image(self, page_id: str, kind: str) -> bytes:
        """PNG of the ``original`` or ``cleaned`` page (kept until the page changes), or of the
        removal ``mask`` with every stored edit as a red overlay (transparent elsewhere)."""
        if kind == "mask":
            return encode_overlay(self.removal(page_id), OVERLAY_RGB)
        entry = self.result(page_id) if kind == "cleaned" else self.loaded(page_id)
        pixels = entry.cleaned if kind == "cleaned" else entry.page.pixels
        with self._guard:
            cached = entry.previews.get(kind)
        if cached is None or cached[0] is not pixels:
            cached = (pixels, encode_preview(pixels))
            with self._guard:
                entry.previews[kind] = cached
        return cached[1]

    def thumbnail(self, page_id: str) -> bytes | None:
        self.source(page_id)
        return self._thumbs.get(page_id)

    def save(self, page_id: str) -> dict[str, str]:
        """Write the cleaned page, its mask (and layered file) atomically; the page last, so a
        page on disk means its other outputs are too. Returns role -> file name in OUT_DIR."""
        source = self.source(page_id)
        entry = self.result(page_id)
        page = entry.page
        files = {"mask": encode_mask(entry.mask)}
        for role, make in LAYERED.items():
            if role in source.outputs:
                files[role] = make(page, entry.cleaned, entry.mask)
        target = source.outputs["page"]
        files["page"] = encode_checked(
            page.with_pixels(entry.cleaned), format_for(target), str(target), self.quality
        )
        for role, data in files.items():  # dicts keep their order: the page comes last
            write_bytes_atomic(source.outputs[role], data)
        self.store.mark_saved(page_id)
        return {role: source.outputs[role].name for role in files}


def _size(entry: Loaded) -> int:
    """Bytes an entry holds (its arrays; the regions' small masks left out)."""
    arrays = (
        entry.page.pixels,
        entry.first.page,
        entry.first.mask,
        entry.first.text_mask,
        entry.cleaned,
        entry.mask,
    )
    return sum(array.nbytes for array in arrays)


def _thumbnail(pixels: np.ndarray) -> bytes:
    """A small JPEG of ``(H, W[, 3])`` uint8 pixels, THUMB_WIDTH px wide."""
    height, width = pixels.shape[:2]
    size = (THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width)))
    return encode_image(Page(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)), "JPEG", 80)
