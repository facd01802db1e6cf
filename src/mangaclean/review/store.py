"""The review's state on disk: one SQLite file per chapter (``OUT_DIR/.mangaclean-review.sqlite``).

Every edit (a brush or eraser stroke, a block kept or erased) is a row with a per-page sequence
number, committed before the request that made it is answered (WAL, ``synchronous=FULL``): a
closed tab, a killed server or a reboot loses nothing that was acknowledged. Undo marks the last
active edit inactive, redo reactivates the first inactive one, and a new edit drops the inactive
ones (the redo stack). Approvals and saves are page rows.

Each call opens its own connection, so the store is safe to use from any thread or process.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = ".mangaclean-review.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    saved REAL
);
CREATE TABLE IF NOT EXISTS edits (
    page TEXT NOT NULL,
    seq INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    edit TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (page, seq)
);
"""


@dataclass(frozen=True)
class PageRecord:
    """What the store knows of a page: approved flag, when it was last saved (epoch s or None),
    and how many edits are active (undo moves this down)."""

    id: str
    name: str
    approved: bool
    saved: float | None
    edits: int


class ReviewStore:
    """The SQLite file of one chapter. ``path``: the database file (created if needed)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")  # a reboot after the answer keeps the edit
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (``BEGIN IMMEDIATE``: no lost update between writers)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def register(self, pages: list[tuple[str, str]]) -> None:
        """Make sure every ``(id, name)`` has a row (kept as they are when they exist)."""
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO pages (id, name) VALUES (?, ?)", pages)
            db.executemany("UPDATE pages SET name = ? WHERE id = ?", [(n, i) for i, n in pages])

    def records(self) -> dict[str, PageRecord]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT p.id, p.name, p.approved, p.saved, "
                "(SELECT COUNT(*) FROM edits e WHERE e.page = p.id AND e.active = 1) FROM pages p"
            ).fetchall()
        return {r[0]: PageRecord(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows}

    def add_edit(self, page: str, edit: dict) -> int:
        """Store an edit (JSON-able) as the page's newest; drops the redo stack. Returns its seq."""
        with self._write() as db:
            db.execute("DELETE FROM edits WHERE page = ? AND active = 0", (page,))
            (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM edits WHERE page = ?", (page,)).fetchone()
            db.execute(
                "INSERT INTO edits (page, seq, active, edit, created) VALUES (?, ?, 1, ?, ?)",
                (page, last + 1, json.dumps(edit, separators=(",", ":")), time.time()),
            )
            db.execute("UPDATE pages SET approved = 0 WHERE id = ?", (page,))
        return last + 1

    def edits(self, page: str) -> list[dict]:
        """The page's active edits, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT edit FROM edits WHERE page = ? AND active = 1 ORDER BY seq", (page,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def undo(self, page: str) -> bool:
        """Deactivate the newest active edit; False when there is none."""
        return self._flip(page, "SELECT MAX(seq) FROM edits WHERE page = ? AND active = 1", 0)

    def redo(self, page: str) -> bool:
        """Reactivate the oldest undone edit; False when there is none."""
        return self._flip(page, "SELECT MIN(seq) FROM edits WHERE page = ? AND active = 0", 1)

    def _flip(self, page: str, query: str, active: int) -> bool:
        with self._write() as db:
            (seq,) = db.execute(query, (page,)).fetchone()
            if seq is None:
                return False
            db.execute("UPDATE edits SET active = ? WHERE page = ? AND seq = ?", (active, page, seq))
            db.execute("UPDATE pages SET approved = 0 WHERE id = ?", (page,))
        return True

    def set_approved(self, page: str, approved: bool) -> None:
        with self._write() as db:
            db.execute("UPDATE pages SET approved = ? WHERE id = ?", (int(approved), page))

    def mark_saved(self, page: str) -> None:
        with self._write() as db:
            db.execute("UPDATE pages SET saved = ? WHERE id = ?", (time.time(), page))
