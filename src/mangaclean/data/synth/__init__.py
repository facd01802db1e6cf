"""Synthetic manga pages with exact text masks and clean pages (see docs/data.md).

Public API: :class:`SynthConfig`, :class:`SynthSample`, :class:`TextBlock`,
:func:`render_page`, :func:`render_crop`, :func:`sample_rng` and the mask codes
:data:`TEXT_CODE` (255) and :data:`SFX_CODE` (128).
"""

from mangaclean.data.synth.page import (
    MASK_COVERAGE,
    SFX_CODE,
    TEXT_CODE,
    SynthConfig,
    SynthSample,
    TextBlock,
    render_crop,
    render_page,
    sample_rng,
)

__all__ = [
    "MASK_COVERAGE",
    "SFX_CODE",
    "TEXT_CODE",
    "SynthConfig",
    "SynthSample",
    "TextBlock",
    "render_crop",
    "render_page",
    "sample_rng",
]
