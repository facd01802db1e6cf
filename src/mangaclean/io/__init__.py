"""Reading and writing pages without losing anything.

The only package that knows PIL modes and file formats: ``formats`` (what a file may hold, what
an output is named), ``read`` (files and bytes -> ``Page``), ``write`` (``Page`` -> checked,
atomic files), ``layered`` (a page, its cleaned pixels and the removal mask -> layered PSD or
OpenRaster bytes). No BGR or PIL image escapes it.
"""

from mangaclean.io.formats import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_PIXELS,
    IMAGE_SUFFIXES,
    LOSSY_FORMATS,
    format_for,
    is_image_name,
    max_file_bytes,
    output_suffix,
    sniff_format,
)
from mangaclean.io.layered import layered_ora, layered_psd, require_psd_tools
from mangaclean.io.read import (
    Page,
    as_gray,
    as_rgb,
    check_pixels,
    decode_image,
    error_reason,
    quiet_pillow_log,
    read_image,
    read_mask,
)
from mangaclean.io.write import (
    atomic_output,
    check_encoded,
    drops_alpha,
    encode_checked,
    encode_image,
    encode_mask,
    encode_overlay,
    encode_preview,
    remove_stale_parts,
    write_bytes_atomic,
    write_image,
    write_mask,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "LOSSY_FORMATS",
    "Page",
    "as_gray",
    "atomic_output",
    "as_rgb",
    "check_encoded",
    "check_pixels",
    "decode_image",
    "drops_alpha",
    "encode_checked",
    "encode_image",
    "encode_mask",
    "encode_overlay",
    "encode_preview",
    "error_reason",
    "format_for",
    "is_image_name",
    "layered_ora",
    "layered_psd",
    "max_file_bytes",
    "output_suffix",
    "quiet_pillow_log",
    "read_image",
    "read_mask",
    "remove_stale_parts",
    "require_psd_tools",
    "sniff_format",
    "write_bytes_atomic",
    "write_image",
    "write_mask",
]
