"""The pages of a review: found and named as ``clean`` finds and names them (``batch.plan``).

A page of a folder is written where ``clean`` would write it; a page of a ``.cbz`` is written
as a file in the folder ``clean`` puts the archive's masks in (``OUT_DIR/<archive>/<member>``),
beside its ``_mask.png``: ``mangaclean clean book.cbz -o final/ --mask-dir OUT_DIR`` then
rebuilds the archive with the reviewed masks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mangaclean.batch.archives import open_archive, read_member
from mangaclean.batch.plan import Request, make_plan
from mangaclean.errors import ImageReadError, UsageError
from mangaclean.io import DEFAULT_MAX_PIXELS, Page, decode_image, max_file_bytes, read_image


@dataclass(frozen=True)
class PageSource:
    """One page of the chapter. id: opaque (a hash of its output name), what the API names it
    by; name: its output path relative to OUT_DIR (for people); path: the image file or the
    archive; member: the archive member, or None; outputs: role (``page``, ``mask``, ``psd``,
    ``ora``) -> the file it is saved as."""

    id: str
    name: str
    path: Path
    member: str | None = None
    outputs: dict[str, Path] = field(default_factory=dict)

    def read(self, max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
        """Decode the page (``ImageReadError`` naming it when it cannot be)."""
        if self.member is None:
            return read_image(self.path, max_pixels)
        archive, members = open_archive(self.path, str(self.path))
        label = f"{self.path}:{self.member}"
        with archive:
            info = next((m for m in members if m.filename == self.member), None)
            if info is None:
                raise ImageReadError(f"{label}: no longer in the archive")
            data = read_member(archive, info, label, max_file_bytes(max_pixels))
        return decode_image(data, label, max_pixels)


def chapter_pages(
    inputs: list[Path], out_dir: Path, layers: str | None = None
) -> tuple[list[PageSource], list[str]]:
    """Every page under ``inputs`` with its outputs in ``out_dir`` (``layers``: ``psd``, ``ora``
    or None), and the error lines of inputs that hold none. Raises ``UsageError`` when an output
    would be an input file (e.g. ``-o`` is the input folder)."""
    roles = ("page", "mask") + ((layers,) if layers else ())
    plan = make_plan(inputs, Request(out_dir, roles, "same", "overwrite"))
    pages = []
    for job in plan.pages:
        outputs = {role: Path(path) for role, path in job.outputs.items()}
        pages.append(_source(out_dir, Path(job.source), None, outputs))
    for archive in plan.archives:
        for member in archive.members:
            if member.page and member.out_name:
                outputs = {role: Path(path) for role, path in member.outputs.items()}
                outputs["page"] = outputs["mask"].parent / PurePosixPath(member.out_name).name
                pages.append(_source(out_dir, archive.source, member.member.filename, outputs))
    sources = {page.path.resolve() for page in pages}
    for page in pages:
        for path in page.outputs.values():
            if path.resolve() in sources:
                raise UsageError(f"{path}: saving would overwrite an input; use another -o")
    return pages, plan.errors


def _source(out_dir: Path, path: Path, member: str | None, outputs: dict[str, Path]) -> PageSource:
    name = outputs["page"].relative_to(out_dir).as_posix()
    page_id = hashlib.sha256(name.encode()).hexdigest()[:16]
    return PageSource(page_id, name, path, member, outputs)
