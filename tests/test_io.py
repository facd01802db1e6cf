"""Image I/O: every mode and format reads, metadata and alpha survive, bad files fail clearly."""

import io

import numpy as np
import pytest
from PIL import Image

from mangaclean.errors import ImageReadError, ImageTooLargeError
from mangaclean.io import decode_image, encode_image, read_image, write_bytes_atomic, write_image


def _bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _gradient(mode: str = "L", size=(40, 30)) -> Image.Image:
    w, h = size
    base = np.tile(np.arange(w, dtype=np.uint8) * 6, (h, 1))
    gray = Image.fromarray(base, "L")
    if mode == "L":
        return gray
    if mode == "RGB":
        return Image.merge("RGB", (gray, gray.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gray))
    return gray.convert(mode)


@pytest.mark.parametrize(
    "mode, expect_ndim, expect_alpha",
    [
        ("1", 2, False),
        ("L", 2, False),
        ("LA", 2, True),
        ("P", 3, False),
        ("RGB", 3, False),
        ("RGBA", 3, True),
        ("CMYK", 3, False),
        ("I;16", 2, False),
    ],
)
def test_modes_read(mode, expect_ndim, expect_alpha):
    image = _gradient("RGB").convert(mode) if mode in ("P", "RGBA", "CMYK") else _gradient(mode)
    fmt = "TIFF" if mode == "CMYK" else "PNG"
    page = decode_image(_bytes(image, fmt), f"x.{fmt.lower()}")
    assert page.pixels.dtype == np.uint8
    assert page.pixels.ndim == expect_ndim
    assert (page.alpha is not None) == expect_alpha


def test_gray_palette_stays_gray():
    page = decode_image(_bytes(_gradient("L").convert("P"), "PNG"), "p.png")
    assert page.pixels.ndim == 2


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF"])
def test_formats_read(fmt):
    page = decode_image(_bytes(_gradient("RGB"), fmt), f"x.{fmt.lower()}")
    assert page.pixels.shape[:2] == (30, 40)


def test_exif_orientation_applied():
    image = _gradient("L", (40, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    page = decode_image(_bytes(image, "JPEG", exif=exif.tobytes()), "r.jpg")
    assert page.pixels.shape == (40, 30)


def test_sixteen_bit_depth_kept_outside_changes(tmp_path):
    deep = (np.arange(30 * 40, dtype=np.uint16).reshape(30, 40) * 50).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(deep).save(path)
    page = read_image(path)
    edited = page.pixels.copy()
    edited[:5, :5] = 255
    write_image(tmp_path / "out.png", page.with_pixels(edited))
    back = np.asarray(Image.open(tmp_path / "out.png"))
    assert back.dtype.itemsize == 2
    assert (back[5:, :] == deep[5:, :]).all() and (back[:5, :5] == 65535).all()


def test_alpha_dpi_icc_roundtrip(tmp_path):
    image = _gradient("RGB").convert("RGBA")
    alpha = np.full((30, 40), 128, np.uint8)
    image.putalpha(Image.fromarray(alpha))
    path = tmp_path / "a.png"
    image.save(path, dpi=(300, 300), icc_profile=b"fake-icc-profile")
    page = read_image(path)
    write_image(tmp_path / "b.png", page)
    back = Image.open(tmp_path / "b.png")
    assert back.mode == "RGBA" and (np.asarray(back)[..., 3] == 128).all()
    assert round(back.info["dpi"][0]) == 300 and back.info["icc_profile"] == b"fake-icc-profile"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"hello, I am text", "not an image"),
        (
            _bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400), np.uint8)), "PNG")[
                :3000
            ],
            "truncated",
        ),
    ],
)
def test_bad_bytes_name_the_file(data, message):
    with pytest.raises(ImageReadError, match=rf"page\.png: .*{message}"):
        decode_image(data, "page.png")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageReadError, match="nope.png"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(ImageReadError, match="is a folder"):
        read_image(tmp_path)


def test_pixel_limit():
    data = _bytes(_gradient("L", (400, 300)), "PNG")
    with pytest.raises(ImageTooLargeError, match="over the limit"):
        decode_image(data, "big.png", max_pixels=100_000)


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"previous")

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(target, b"new data")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_gray_jpeg_roundtrip_stays_gray():
    page = decode_image(_bytes(_gradient("L"), "JPEG"), "g.jpg")
    back = Image.open(io.BytesIO(encode_image(page, "JPEG")))
    assert back.mode == "L"
