"""Typed errors. Library code raises these; only ``cli.py`` turns them into messages and exit codes.

Every message says what went wrong and, where it helps, what to do about it.
"""

from __future__ import annotations


class MangacleanError(Exception):
    """Base class of every error the library raises on purpose."""


class UsageError(MangacleanError):
    """The command line or call asks for something impossible (exit status 2)."""


class ImageReadError(MangacleanError):
    """A file could not be decoded as an image (missing, empty, truncated, corrupt, not an image)."""


class UnsupportedImageError(ImageReadError):
    """The image decoded but its mode or layout is not one mangaclean can process."""


class ImageTooLargeError(ImageReadError):
    """The image has more pixels than the configured limit (a guard against decompression bombs)."""


class ImageWriteError(MangacleanError):
    """An output could not be written (or would overwrite an input without ``--overwrite``)."""


class ModelError(MangacleanError):
    """A model file is missing, corrupt, or does not match its manifest."""


class BackendUnavailableError(ModelError):
    """A requested backend needs something that is not installed (e.g. torch, rapidocr)."""


class FontNotFoundError(MangacleanError):
    """No CJK-capable font is installed (needed only to render synthetic pages)."""
