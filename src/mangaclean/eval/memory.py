"""Resident memory of this process (Linux), for ``bench`` and the studies in ``benchmarks/``."""

from __future__ import annotations

import resource


def rss_mb() -> float:
    """Current resident set size in MiB (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """Peak resident set size of this process image so far, in MiB.

    ``VmHWM`` of /proc/self/status, not ``ru_maxrss``: Linux carries the latter over from the
    parent across fork + exec, so a child would report its parent's size.
    """
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
