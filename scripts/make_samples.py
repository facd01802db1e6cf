"""Render the bundled sample pages (src/mangaclean/samples/) with the synthetic engine.

    python scripts/make_samples.py [--out src/mangaclean/samples]

sample_01.png and sample_02.png: grey pages of 827x1170 with panels, balloons of vertical
Japanese text, screentone and line art, and at least one text block set over art or tone without
a balloon. sample_03.png: a colour page of 700x1000. Each stays under 400 KB. Pages are drawn
by mangaclean's own engine only; the script walks a fixed seed list and keeps the first page
that meets the description, so its output is reproducible on a machine with the same fonts.
"""

from __future__ import annotations

import argparse
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from mangaclean.data.synth import SynthConfig, SynthSample, render_page, sample_rng

log = logging.getLogger("make_samples")
MAX_BYTES = 400_000
SEED = 20261124


@dataclass(frozen=True)
class Target:
    name: str
    config: SynthConfig
    first_index: int


GREY = SynthConfig(
    page_size=(827, 1170),
    grayscale_share=1.0,
    scanned_colour_share=0.0,
    vertical_share=0.9,
    latin_share=0.0,
    furigana_share=0.2,
    text_density=1.3,
    degrade=False,
)
TARGETS = (
    Target("sample_01.png", GREY, 0),
    Target("sample_02.png", GREY, 1000),
    Target(
        "sample_03.png",
        SynthConfig(page_size=(700, 1000), grayscale_share=0.0, latin_share=0.0, degrade=False),
        2000,
    ),
)


def _png(sample: SynthSample) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(sample.raw).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _over_art(sample: SynthSample) -> int:
    """Dialogue blocks whose background (on the clean page) is not a plain white balloon."""
    count = 0
    for block in sample.blocks:
        x, y, w, h = block.box
        if block.kind != "dialogue" or w * h == 0:
            continue
        under = sample.clean[y : y + h, x : x + w]
        if float((under < 200).mean()) > 0.15:
            count += 1
    return count


def acceptable(sample: SynthSample, size: int) -> bool:
    """The page shows what the demo needs (see the module docstring)."""
    vertical = [b for b in sample.blocks if b.kind == "dialogue" and b.vertical]
    return len(vertical) >= 6 and _over_art(sample) >= 1 and size <= MAX_BYTES


def make(target: Target, out_dir: Path, tries: int = 200) -> Path:
    for index in range(target.first_index, target.first_index + tries):
        sample = render_page(target.config, sample_rng(SEED, index))
        data = _png(sample)
        if acceptable(sample, len(data)):
            path = out_dir / target.name
            path.write_bytes(data)
            log.info("%s: sample %d of seed %d, %d bytes", path, index, SEED, len(data))
            return path
    raise RuntimeError(f"no acceptable page for {target.name} in {tries} tries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1] / "src" / "mangaclean" / "samples"
    parser.add_argument("--out", type=Path, default=default, help="output folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    for target in TARGETS:
        make(target, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
