"""Deterministic sample streams: sample ``i`` of seed ``s`` is a pure function of ``(s, i)``.

The same function feeds the ``synth`` command (files on disk) and training (samples on the fly),
so a training sample can be re-rendered and inspected from its index, and output is identical
whatever the number of worker processes.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from mangaclean.data.synth.page import (
    SynthConfig,
    SynthSample,
    render_crop,
    render_page,
    sample_rng,
)


@dataclass(frozen=True)
class SampleSpec:
    """What to render: whole pages (``size`` None: sizes from the config, or a fixed
    ``(width, height)`` page) or windows of pages (``crop=True``, ``size`` required)."""

    config: SynthConfig = SynthConfig()
    size: tuple[int, int] | None = None
    crop: bool = False


def render_sample(spec: SampleSpec, seed: int, index: int) -> SynthSample:
    """Sample ``index`` of the stream ``seed``."""
    rng = sample_rng(seed, index)
    if spec.crop:
        if spec.size is None:
            raise ValueError("crop samples need a size")
        return render_crop(spec.size, rng, spec.config)
    config = spec.config if spec.size is None else replace(spec.config, page_size=spec.size)
    return render_page(config, rng)


def _render_job(args: tuple[SampleSpec, int, int]) -> tuple[int, SynthSample]:
    spec, seed, index = args
    return index, render_sample(spec, seed, index)


def iter_samples(
    spec: SampleSpec, seed: int, indices: Iterable[int], jobs: int = 1
) -> Iterator[tuple[int, SynthSample]]:
    """``(index, sample)`` in the order of ``indices``, rendered by ``jobs`` processes."""
    indices = list(indices)
    if jobs <= 1:
        for i in indices:
            yield i, render_sample(spec, seed, i)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        chunk = max(1, min(16, len(indices) // (4 * jobs)))
        yield from pool.map(_render_job, ((spec, seed, i) for i in indices), chunksize=chunk)
