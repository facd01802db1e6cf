"""Every file in, every page out: the reproductions of issue 17's defects, run through the CLI.

Each test names the defect it pins down. Pages are drawn on the fly; the classical segmenter keeps
them fast (these tests check what happens to files, not what the network finds).
"""

import io
import os
import stat
import struct
import zipfile
import zlib

import numpy as np
import pytest
from pages import manga_page
from PIL import Image

from mangaclean.cli import main
from mangaclean.errors import ImageWriteError
from mangaclean.io import Page, check_encoded, encode_image, read_image


def _run(*argv) -> int:
    args = [str(a) for a in argv]
    if args[0] in ("clean", "mask") and "--segmenter" not in args:
        args += ["--segmenter", "classical"]
    return main(args)


def _png(array: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG", **options)
    return buffer.getvalue()


@pytest.fixture
def page_png() -> bytes:
    return _png(manga_page(1)[0])


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


# 1. TIFF modes: outputs re-open with the input's colours (no source tags on converted pixels)
@pytest.mark.parametrize("mode", ["CMYK", "LAB", "P", "grey-P", "RGB"])
def test_tiff_modes_come_out_readable_with_their_colours(tmp_path, mode):
    rgb = Image.new("RGB", (200, 300), (200, 28, 30))
    image = Image.new("L", (200, 300), 100).convert("P") if mode == "grey-P" else rgb.convert(mode)
    (tmp_path / "t").mkdir()
    image.save(tmp_path / "t" / "c.tif", dpi=(300, 300))
    assert _run("clean", tmp_path / "t", "-o", tmp_path / "o", "-q") == 0
    back = Image.open(tmp_path / "o" / "c.tif")
    back.load()
    expect = image.convert("RGB").getpixel((5, 5))
    assert back.convert("RGB").getpixel((5, 5)) == expect
    assert back.mode in ("RGB", "L") and round(back.info["dpi"][0]) == 300


def test_an_encoded_page_that_reads_back_wrong_is_refused():
    page = Page(np.full((30, 20, 3), (200, 28, 30), np.uint8))
    good = encode_image(page, "PNG")
    check_encoded(good, page, "PNG", "x.png")
    lab = io.BytesIO()
    Image.fromarray(page.pixels).convert("LAB").save(lab, "TIFF")
    with pytest.raises(Exception, match=r"x\.tif: not written: .*mode LAB"):
        check_encoded(lab.getvalue(), page, "TIFF", "x.tif")
    with pytest.raises(Exception, match="does not read back"):
        check_encoded(good[: len(good) // 2], page, "PNG", "x.png")


# 2. One bad archive is one error line; the archives after it are still cleaned
def _zip(members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return bytearray(buffer.getvalue())


def _patch(data: bytearray, signature: bytes, offset: int, fmt: str, value: int) -> bytearray:
    """Set a field of the first record with ``signature`` (local or central header)."""
    at = data.index(signature) + offset
    data[at : at + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return data


LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def _damaged_archives(page: bytes) -> dict[str, bytes]:
    info = b"<ComicInfo>" + b"x" * 400 + b"</ComicInfo>"
    bad_crc = _zip({"a.xml": info, "p1.png": page})
    bad_crc[bad_crc.index(b"<ComicInfo>") + 20] ^= 0xFF
    deflated = _zip({"a.xml": info, "p1.png": page}, zipfile.ZIP_DEFLATED)
    start = deflated.index(b"a.xml") + len(b"a.xml")
    deflated[start + 2 : start + 12] = b"\xff" * 10
    encrypted = _patch(_patch(_zip({"p1.png": page}), LOCAL, 6, "<H", 1), CENTRAL, 8, "<H", 1)
    method = _patch(_patch(_zip({"p1.png": page}), LOCAL, 8, "<H", 97), CENTRAL, 10, "<H", 97)
    utf8 = _zip({"p\u00e9.png": page})
    utf8[utf8.index(CENTRAL) + 46 : utf8.index(CENTRAL) + 47] = b"\xff"
    utf8 = _patch(utf8, CENTRAL, 8, "<H", 0x800)
    name_length = _patch(_zip({"p1.png": page}), LOCAL, 26, "<H", 60000)
    return {
        "crc.cbz": bad_crc,
        "deflate.cbz": deflated,
        "encrypted.cbz": encrypted,
        "method.cbz": method,
        "utf8.cbz": utf8,
        "namelength.cbz": name_length,
    }


def test_each_damaged_archive_is_one_error_and_the_batch_goes_on(tmp_path, page_png, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name, data in _damaged_archives(page_png).items():
        (src / name).write_bytes(bytes(data))
    (src / "zz_good.cbz").write_bytes(bytes(_zip({"p1.png": page_png, "p2.png": page_png})))
    assert _run("clean", src, "-o", tmp_path / "out") == 1
    errors = _errors(capsys.readouterr().err)
    for name in ("crc.cbz", "deflate.cbz", "encrypted.cbz", "method.cbz", "utf8.cbz", "namelength.cbz"):
        assert sum(name in line for line in errors) == 1, (name, errors)
        assert not (tmp_path / "out" / name).exists(), name  # not written with pages missing
    assert "crc.cbz:a.xml" in "\n".join(errors) and "deflate.cbz:a.xml" in "\n".join(errors)
    with zipfile.ZipFile(tmp_path / "out" / "zz_good.cbz") as good:
        assert good.namelist() == ["p1.png", "p2.png"]


# 3. Output-name collisions keep both pages, by a documented rename
def test_colliding_output_names_keep_every_page(tmp_path, page_png, capsys):
    src, second = tmp_path / "in", tmp_path / "second" / "in"
    second.mkdir(parents=True)
    src.mkdir()
    gray = manga_page(1)[0]
    (src / "a.png").write_bytes(page_png)
    Image.fromarray(gray).save(src / "a.gif")
    (src / "b.png").write_bytes(page_png)
    Image.fromarray(gray[::-1].copy()).save(src / "b.PNG")
    (src / "x.png").write_bytes(page_png)
    (src / "x_mask.png").write_bytes(page_png)
    (second / "a.png").write_bytes(page_png)
    out = tmp_path / "out"
    assert _run("clean", src, second, "-o", out, "--save-mask") == 0
    names = {str(p.relative_to(out)) for p in out.rglob("*.png")}
    pages = {
        "in/a.png",
        "in/a.gif.png",
        "in/b.png",
        "in/b.PNG.png",
        "in/x.png",
        "in/x_mask.png",
        "in~2/a.png",
    }
    masks = {"in/a_mask.png", "in/a.gif_mask.png", "in/b_mask.png", "in/b.PNG_mask.png", "in/x.png_mask.png"}
    masks |= {"in/x_mask_mask.png", "in~2/a_mask.png"}
    assert names == pages | masks
    assert "in/a.gif.png" not in capsys.readouterr().err  # a rename by clash, not by content


def test_colliding_member_names_inside_an_archive_are_kept(tmp_path, page_png):
    gif = io.BytesIO()
    Image.fromarray(manga_page(2)[0]).save(gif, "GIF")
    archive = tmp_path / "v.cbz"
    archive.write_bytes(bytes(_zip({"a.png": page_png, "a.gif": gif.getvalue(), "c.png": page_png})))
    with zipfile.ZipFile(archive, "a") as z, pytest.warns(UserWarning, match="Duplicate"):
        z.writestr("c.png", page_png)
    assert _run("clean", archive, "-o", tmp_path / "out", "-q") == 0
    with zipfile.ZipFile(tmp_path / "out" / "v.cbz") as z:
        names = z.namelist()
    assert len(names) == 4 and len(set(n.casefold() for n in names)) == 4, names


# 4. Existing files that are not inputs are never replaced without being asked
def test_existing_outputs_are_refused_before_any_work(tmp_path, page_png, capsys):
    work = tmp_path / "w"
    (work / "sub").mkdir(parents=True)
    Image.fromarray(manga_page(1)[0]).save(work / "page.jpg")
    (work / "page.png").write_bytes(b"the user's own file")
    (work / "sub" / "p.png").write_bytes(page_png)
    (work / "p.png").write_bytes(b"another of the user's files")
    assert _run("clean", work / "page.jpg", "-o", work, "--format", "png") == 2
    assert "already exist" in capsys.readouterr().err
    assert _run("clean", work / "sub", "-o", work) == 2
    assert (work / "page.png").read_bytes() == b"the user's own file"
    assert (work / "p.png").read_bytes() == b"another of the user's files"
    assert _run("clean", work / "sub", "-o", work, "--overwrite", "-q") == 0
    assert Image.open(work / "p.png").size == (300, 400)


# 5. Archive bombs are refused without inflating them
def test_archive_bombs_are_refused(tmp_path, page_png, capsys):
    bomb = tmp_path / "bomb.cbz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("p1.png", page_png)
        with z.open("p2.png", "w") as member:
            for _ in range(40):
                member.write(bytes(1 << 20))
    overlap = bytearray(_zip({"p1.png": page_png, "p2.png": page_png}))
    second = overlap.index(CENTRAL, overlap.index(CENTRAL) + 4)
    overlap[second + 42 : second + 46] = struct.pack("<I", 0)  # p2's entry points at p1's bytes
    (tmp_path / "overlap.cbz").write_bytes(bytes(overlap))
    assert _run("clean", bomb, tmp_path / "overlap.cbz", "-o", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "bomb.cbz:p2.png: compressed" in err and "overlap.cbz: members overlap" in err
    assert not (tmp_path / "out" / "bomb.cbz").exists()


# 6. A member that cannot be extracted fails the archive, which is not written, so a rerun redoes it
def test_an_unextractable_page_member_fails_its_archive(tmp_path, page_png, capsys):
    data = _zip({"p1.png": page_png, "p2.png": page_png})
    data[data.index(b"IDAT", data.index(b"p2.png")) + 40] ^= 0xFF  # bad CRC in p2
    archive = tmp_path / "v.cbz"
    archive.write_bytes(bytes(data))
    out = tmp_path / "out"
    assert _run("clean", archive, "-o", out) == 1
    assert "v.cbz:p2.png: cannot extract" in capsys.readouterr().err
    assert not (out / "v.cbz").exists() and not list(out.rglob("*.part"))
    assert _run("clean", archive, "-o", out, "--skip-existing") == 1  # not skipped: tried again


# 7. Only regular files are read: no endless read of a device, no hang on a FIFO
def test_devices_and_fifos_are_refused(tmp_path, page_png, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(src / "fifo.png")
    (src / "good.png").write_bytes(page_png)
    (tmp_path / "elsewhere.png").write_bytes(page_png)
    (src / "link.png").symlink_to(tmp_path / "elsewhere.png")
    assert _run("clean", src, "-o", tmp_path / "out") == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 2 and all("not a regular file" in line for line in errors), errors
    assert (tmp_path / "out" / "link.png").is_file()


# 8. Multi-page TIFF: refused with a message, never cut to its first page
def test_a_multi_page_tiff_is_refused_not_cut(tmp_path, capsys):
    frames = [Image.fromarray(manga_page(i)[0]) for i in range(3)]
    frames[0].save(tmp_path / "book.tif", save_all=True, append_images=frames[1:])
    assert _run("clean", tmp_path / "book.tif", "-o", tmp_path / "out") == 1
    assert "book.tif: holds 3 images" in capsys.readouterr().err
    assert not (tmp_path / "out" / "book.tif").exists()


# 9. Output permissions follow the umask; a replaced file keeps its mode
def test_outputs_follow_the_umask_and_keep_a_replaced_mode(tmp_path, page_png):
    (tmp_path / "p.png").write_bytes(page_png)
    previous = os.umask(0o022)
    try:
        assert _run("clean", tmp_path / "p.png", "-o", tmp_path / "out", "-q") == 0
        assert stat.S_IMODE((tmp_path / "out" / "p.png").stat().st_mode) == 0o644
        os.chmod(tmp_path / "p.png", 0o640)
        assert _run("clean", tmp_path / "p.png", "-o", tmp_path, "--overwrite", "-q") == 0
        assert stat.S_IMODE((tmp_path / "p.png").stat().st_mode) == 0o640
    finally:
        os.umask(previous)


# 11. Decoder failures are read errors naming the file, never "internal error"
def _decoder_traps(page_png: bytes) -> dict[str, bytes]:
    ztxt = io.BytesIO()
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("big", "x" * (2 << 20), zip=True)
    Image.new("L", (8, 8)).save(ztxt, "PNG", pnginfo=info)
    no_photometric = io.BytesIO()
    Image.new("L", (8, 8)).save(no_photometric, "TIFF")
    tiff = bytearray(no_photometric.getvalue())
    tiff = tiff.replace(struct.pack("<HHI", 262, 3, 1), struct.pack("<HHI", 999, 3, 1))
    with_dpi = io.BytesIO()
    Image.new("L", (8, 8), 255).save(with_dpi, "TIFF", dpi=(300, 300))
    nan_dpi = with_dpi.getvalue().replace(struct.pack("<II", 300, 1), struct.pack("<II", 0, 0))
    planar = with_dpi.getvalue().replace(
        struct.pack("<HHII", 284, 3, 1, 1), struct.pack("<HHII", 284, 3, 1, 0)
    )
    return {
        "ztxt.png": ztxt.getvalue(),
        "ihdr.png": page_png[:20],
        "tag262.tif": bytes(tiff),
        "nan_dpi.tif": nan_dpi,
        "planar.tif": planar,
    }


def test_decoder_failures_are_named_read_errors(tmp_path, page_png, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name, data in _decoder_traps(page_png).items():
        (src / name).write_bytes(data)
    code = _run("clean", src, "-o", tmp_path / "out")
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    for line in _errors(err):
        assert line.split(": ")[1].startswith(str(src)), line
    produced = {p.name for p in (tmp_path / "out").rglob("*")} if code == 0 else set()
    for name in produced:
        read_image(tmp_path / "out" / name)  # whatever was written reads back


# 12. A failed archive write is one failure; the rest of the batch still runs
def test_an_archive_write_failure_is_one_failure(tmp_path, page_png, monkeypatch, capsys):
    from mangaclean.batch.archives import ArchiveWriter

    for name in ("a.cbz", "b.cbz"):
        (tmp_path / name).write_bytes(bytes(_zip({"p1.png": page_png})))
    real_add = ArchiveWriter.add

    def full_disk(self, name, data, like):
        if self.target.name == "a.cbz":
            raise ImageWriteError(f"{self.target}: cannot write (No space left on device)")
        real_add(self, name, data, like)

    monkeypatch.setattr(ArchiveWriter, "add", full_disk)
    assert _run("clean", tmp_path / "a.cbz", tmp_path / "b.cbz", "-o", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "No space left" in err and "1 done, 0 skipped, 1 failed" in err
    assert (tmp_path / "out" / "b.cbz").is_file() and not (tmp_path / "out" / "a.cbz").exists()
    assert not list((tmp_path / "out").glob(".*.part"))


# 13. Formats by content: only documented formats are decoded; a PNG named .jpg stays a PNG
def test_formats_are_judged_by_content(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    rgba = np.dstack([manga_page(1)[0]] * 3 + [np.full((400, 300), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(src / "really_png.jpg", "PNG")
    Image.fromarray(manga_page(2)[0]).save(src / "sgi.png", "SGI")
    Image.fromarray(manga_page(2)[0]).save(src / "pcx.jpg", "PCX")
    (src / "eps.png").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    assert _run("clean", src, "-o", tmp_path / "out") == 1
    err = capsys.readouterr().err
    for name in ("sgi.png", "pcx.jpg", "eps.png"):
        assert any(name in line and "not an image mangaclean reads" in line for line in _errors(err)), name
    assert "really_png.jpg: holds a PNG image, written as really_png.png" in err
    back = Image.open(tmp_path / "out" / "really_png.png")
    assert back.format == "PNG" and back.mode == "RGBA" and (np.asarray(back)[..., 3] == 200).all()


# 14. --max-megapixels beyond Pillow's own limit; member names sanitised; stale temporaries removed
def test_a_raised_pixel_limit_is_honoured(tmp_path, capsys):
    header = io.BytesIO()
    Image.new("L", (1, 1)).save(header, "PNG")
    big = bytearray(header.getvalue())
    big[16:24] = struct.pack(">II", 15000, 13000)  # 195 megapixels claimed
    big[29:33] = struct.pack(">I", zlib.crc32(bytes(big[12:29])))
    (tmp_path / "big.png").write_bytes(bytes(big))
    assert _run("clean", tmp_path / "big.png", "-o", tmp_path / "a") == 1
    assert "over the limit of 100 megapixels" in capsys.readouterr().err
    assert _run("clean", tmp_path / "big.png", "-o", tmp_path / "b", "--max-megapixels", "300") == 1
    err = capsys.readouterr().err
    assert "over the limit" not in err and "big.png" in err


def test_member_names_are_sanitised_in_the_rebuilt_archive(tmp_path, page_png):
    archive = tmp_path / "v.cbz"
    archive.write_bytes(bytes(_zip({"../../x.png": page_png, "/abs/y.png": page_png, "C:/z.png": page_png})))
    assert _run("clean", archive, "-o", tmp_path / "out", "--save-mask", "-q") == 0
    with zipfile.ZipFile(tmp_path / "out" / "v.cbz") as z:
        assert sorted(z.namelist()) == ["abs/y.png", "x.png", "z.png"]
    assert {p.name for p in (tmp_path / "out" / "v").rglob("*")} >= {"x_mask.png", "y_mask.png", "z_mask.png"}
    assert not (tmp_path / "x_mask.png").exists()


def test_a_killed_write_leaves_no_temporary_after_a_rerun(tmp_path, page_png):
    (tmp_path / "p.png").write_bytes(page_png)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".p.png.k3j2h1ab.part").write_bytes(b"half a page")
    (out / ".notes.txt.aaaaaaaa.part").write_bytes(b"not ours")
    assert _run("clean", tmp_path / "p.png", "-o", out, "--skip-existing", "-q") == 0
    assert sorted(p.name for p in out.iterdir()) == [".notes.txt.aaaaaaaa.part", "p.png"]


# 15. Messages name their file; nothing is done twice or silently skipped
def test_messages_name_the_file_and_nothing_is_silent(tmp_path, page_png, capsys):
    rgba = np.dstack([manga_page(1)[0]] * 3 + [np.full((400, 300), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    assert _run("clean", tmp_path / "alpha.png", "-o", tmp_path / "o1", "--format", "jpg") == 0
    assert "alpha.png: JPEG has no alpha channel" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert _run("clean", tmp_path / "empty", "-o", tmp_path / "o2") == 1
    assert "empty: no pages" in capsys.readouterr().err
    (tmp_path / "file").write_bytes(b"")
    assert _run("clean", tmp_path / "alpha.png", "-o", tmp_path / "file") == 2
    assert "-o must be a folder" in capsys.readouterr().err
    assert _run("clean", tmp_path / "alpha.png", tmp_path / "alpha.png", "-o", tmp_path / "o3") == 0
    err = capsys.readouterr().err
    assert "given more than once" in err and "1 done" in err
    Image.fromarray(manga_page(1)[0]).save(tmp_path / "p.jpg")
    (tmp_path / "hole.png").write_bytes(_png(np.zeros((400, 300), np.uint8)))
    assert _run("inpaint", tmp_path / "p.jpg", "--mask", tmp_path / "hole.png", "-o", tmp_path / "f.jpg") == 0
    assert "re-encoded" in capsys.readouterr().err


def test_the_mask_command_names_masks_without_format_notes(tmp_path, capsys):
    Image.fromarray(manga_page(1)[0]).save(tmp_path / "p.jpg")
    assert _run("mask", tmp_path / "p.jpg", "-o", tmp_path / "m") == 0
    assert "note:" not in capsys.readouterr().err and (tmp_path / "m" / "p.png").is_file()


# Found in review
def test_a_skipped_archive_still_holds_its_names(tmp_path, page_png):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ch1.cbz").write_bytes(bytes(_zip({"p1.png": page_png})))
    out = tmp_path / "out"
    assert _run("clean", src, "-o", out, "--save-mask", "-q") == 0
    mask = (out / "ch1" / "p1_mask.png").read_bytes()
    (src / "ch1").mkdir()
    Image.fromarray(manga_page(5)[0]).save(src / "ch1" / "p1.png")
    assert _run("clean", src, "-o", out, "--save-mask", "--skip-existing", "-q") == 0
    assert (out / "ch1" / "p1_mask.png").read_bytes() == mask  # the archive page's mask is kept
    assert (out / "ch1" / "p1.png_mask.png").is_file()


def test_masks_of_clashing_pages_are_found_under_their_own_names(tmp_path, page_png):
    src = tmp_path / "in"
    src.mkdir()
    (src / "p.png").write_bytes(page_png)
    Image.fromarray(manga_page(3)[0]).save(src / "p.webp", lossless=True)
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run("clean", src, "-o", first, "--save-mask", "-q") == 0
    Image.fromarray(np.zeros((400, 300), np.uint8)).save(first / "p.webp_mask.png")  # erase nothing
    assert _run("clean", src, "-o", second, "--mask-dir", first, "--save-mask", "-q") == 0
    assert not np.asarray(Image.open(second / "p.webp_mask.png")).any()  # its own, empty mask
    assert np.asarray(Image.open(second / "p_mask.png")).any()
    masks = tmp_path / "masks"
    assert _run("mask", src, "-o", masks, "-q") == 0
    Image.fromarray(np.zeros((400, 300), np.uint8)).save(masks / "p.webp.png")
    assert _run("inpaint", src, "--masks", masks, "-o", tmp_path / "filled", "-q") == 0
    filled = np.asarray(Image.open(tmp_path / "filled" / "p.webp"), dtype=np.int16)
    assert np.abs(filled - np.asarray(Image.open(src / "p.webp"))).max() < 40  # re-encoded, not filled
    assert _run("clean", src, "-o", first, "--mask-dir", first, "--save-mask", "--overwrite") == 2


def test_inpaint_says_it_does_not_read_archives(tmp_path, page_png, capsys):
    (tmp_path / "v.cbz").write_bytes(bytes(_zip({"p1.png": page_png})))
    assert _run("inpaint", tmp_path / "v.cbz", "--masks", tmp_path, "-o", tmp_path / "o") == 2
    assert "v.cbz: inpaint reads pages, not archives" in capsys.readouterr().err


def test_a_model_that_does_not_load_stops_a_parallel_run_once(tmp_path, page_png, capsys):
    (tmp_path / "p.png").write_bytes(page_png)
    args = ["clean", tmp_path / "p.png", "-o", tmp_path / "o", "--jobs", "2", "--segmenter"]
    assert main([str(a) for a in args] + [str(tmp_path / "missing.onnx")]) == 2
    assert "model file not found" in capsys.readouterr().err


def test_transparent_webp_and_low_quality_jpeg_are_written(tmp_path, capsys):
    rgba = np.dstack(
        [np.asarray(Image.fromarray(manga_page(2)[0]).convert("RGB"))] + [np.zeros((400, 300), np.uint8)]
    )
    rgba[100:, :, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    Image.fromarray(np.asarray(Image.fromarray(manga_page(4)[0]).convert("RGB"))).save(tmp_path / "c.png")
    assert _run("clean", tmp_path / "t.png", "-o", tmp_path / "w", "--format", "webp", "-q") == 0
    assert (
        _run("clean", tmp_path / "c.png", "-o", tmp_path / "j", "--format", "jpg", "--quality", "5", "-q")
        == 0
    )
    with pytest.raises(SystemExit):
        main(["clean", str(tmp_path / "c.png"), "-o", str(tmp_path / "k"), "--quality", "500"])


def test_macos_metadata_members_are_copied_not_cleaned(tmp_path, page_png, capsys):
    archive = tmp_path / "v.cbz"
    archive.write_bytes(
        bytes(_zip({"p1.png": page_png, "__MACOSX/._p1.png": b"\x00\x05\x16\x07", ".p2.png": b"x"}))
    )
    assert _run("clean", archive, "-o", tmp_path / "out") == 0
    with zipfile.ZipFile(tmp_path / "out" / "v.cbz") as z:
        assert sorted(z.namelist()) == [".p2.png", "__MACOSX/._p1.png", "p1.png"]


def test_a_failed_archive_leaves_no_outputs_behind(tmp_path, page_png):
    data = _zip({"p1.png": page_png, "p2.png": page_png, "z.txt": b"<text>" * 100})
    data[data.index(b"<text>") + 30] ^= 0xFF  # bad CRC in the last member
    (tmp_path / "crc.cbz").write_bytes(bytes(data))
    out = tmp_path / "out"
    assert _run("clean", tmp_path / "crc.cbz", "-o", out, "--save-mask") == 1
    assert not [p for p in out.rglob("*") if p.is_file()]
    assert _run("clean", tmp_path / "crc.cbz", "-o", out, "--save-mask") == 1  # a rerun is not refused


def test_skip_existing_adds_newly_asked_outputs_and_keeps_the_rest(tmp_path, page_png, capsys):
    (tmp_path / "p.png").write_bytes(page_png)
    out = tmp_path / "out"
    assert _run("clean", tmp_path / "p.png", "-o", out, "-q") == 0
    (out / "p.png").write_bytes(page_png)  # the user retouched the cleaned page
    assert _run("clean", tmp_path / "p.png", "-o", out, "--skip-existing", "--save-mask") == 0
    assert (out / "p.png").read_bytes() == page_png and (out / "p_mask.png").is_file()
    assert _run("clean", tmp_path / "p.png", "-o", out, "--skip-existing", "--save-mask") == 0
    assert "0 done, 1 skipped" in capsys.readouterr().err
