"""The command line, run for real on generated pages: batches go on past bad inputs."""

import zipfile

import numpy as np
import pytest
from pages import colour_page, manga_page
from PIL import Image

from mangaclean.cli import COMMANDS, main


@pytest.fixture
def pages(tmp_path):
    """A folder with good pages (nested, natural order) and every kind of bad one."""
    src = tmp_path / "in"
    (src / "chapter").mkdir(parents=True)
    gray, _ = manga_page(1)
    colour, _ = colour_page(2)
    Image.fromarray(gray).save(src / "chapter" / "page2.png")
    Image.fromarray(gray).save(src / "chapter" / "page10.png")
    Image.fromarray(colour).save(src / "colour.jpg", quality=95)
    (src / "empty.png").write_bytes(b"")
    (src / "text.jpg").write_bytes(b"this is not an image")
    (src / "cut.png").write_bytes((src / "chapter" / "page2.png").read_bytes()[:1500])
    Image.fromarray(np.zeros((20, 20), np.float32), "F").save(src / "float.tif")
    (src / "dangling.png").symlink_to(tmp_path / "gone.png")
    return src


def _run(*argv) -> int:
    """Run the CLI. Page commands use the classical segmenter: these tests check the command
    line's mechanics on drawn pages, not what the shipped network makes of them."""
    args = [str(a) for a in argv]
    if args[0] in ("clean", "mask") and "--segmenter" not in args:
        args += ["--segmenter", "classical"]
    return main(args)


def test_batch_goes_on_past_bad_files(pages, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run("clean", pages, "-o", out, "--save-mask", "--save-compare") == 1
    err = capsys.readouterr().err
    for name, problem in [
        ("empty.png", "empty file"),
        ("text.jpg", "not an image"),
        ("cut.png", "truncated"),
        ("float.tif", "mode 'F'"),
        ("dangling.png", "cannot read"),
    ]:
        assert any(name in line and problem in line for line in err.splitlines()), (name, err)
    assert "3 done, 0 skipped, 5 failed" in err
    for rel in (
        "chapter/page2.png",
        "chapter/page10.png",
        "colour.jpg",
        "chapter/page2_mask.png",
        "chapter/page2_compare.png",
    ):
        assert (out / rel).is_file(), rel
    assert not (out / "empty.png").exists()
    assert not list(out.rglob("*.part"))


def test_outputs_keep_mode_and_size(pages, tmp_path):
    out = tmp_path / "out"
    _run("clean", pages / "chapter", pages / "colour.jpg", "-o", out, "-q")
    gray, colour = Image.open(out / "chapter" / "page2.png"), Image.open(out / "colour.jpg")
    assert gray.mode == "L" and gray.size == (300, 400)
    assert colour.mode == "RGB" and colour.format == "JPEG"


def test_inputs_are_never_overwritten(pages, tmp_path, capsys):
    before = (pages / "chapter" / "page2.png").read_bytes()
    assert _run("clean", pages / "chapter", "-o", pages / "chapter") == 2  # refused before any work
    assert "would overwrite an input" in capsys.readouterr().err
    assert (pages / "chapter" / "page2.png").read_bytes() == before
    assert _run("clean", pages / "chapter" / "page2.png", "-o", pages / "chapter", "--overwrite") == 0
    assert (pages / "chapter" / "page2.png").read_bytes() != before


def test_skip_existing_resumes(pages, tmp_path, capsys):
    out = tmp_path / "out"
    _run("clean", pages / "chapter", "-o", out, "-q")
    capsys.readouterr()
    assert _run("clean", pages / "chapter", "-o", out, "--skip-existing") == 0
    assert "0 done, 2 skipped, 0 failed" in capsys.readouterr().err


def test_format_choice(pages, tmp_path):
    out = tmp_path / "out"
    assert _run("clean", pages / "chapter", "-o", out, "--format", "webp", "-q") == 0
    assert Image.open(out / "page10.webp").format == "WEBP"


def test_cbz_rebuilt_with_bad_member_kept(pages, tmp_path, capsys):
    archive = tmp_path / "vol1.cbz"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(pages / "chapter" / "page10.png", "p10.png")
        z.write(pages / "chapter" / "page2.png", "p2.png")
        z.writestr("ComicInfo.xml", "<ComicInfo/>")
        z.writestr("p3.jpg", b"broken")
    out = tmp_path / "out"
    assert _run("clean", archive, "-o", out, "--save-mask") == 1
    assert "vol1.cbz:p3.jpg" in capsys.readouterr().err
    with zipfile.ZipFile(out / "vol1.cbz") as z:
        assert z.namelist() == ["ComicInfo.xml", "p2.png", "p3.jpg", "p10.png"]
        assert z.read("p3.jpg") == b"broken" and z.read("ComicInfo.xml") == b"<ComicInfo/>"
    assert (out / "vol1" / "p2_mask.png").is_file()


def test_corrupt_archive_is_one_error(pages, tmp_path, capsys):
    (pages / "bad.cbz").write_bytes(b"PK\x03\x04 nope")
    assert _run("clean", pages / "bad.cbz", pages / "chapter", "-o", tmp_path / "out") == 1
    assert "bad.cbz: not a readable zip" in capsys.readouterr().err
    assert (tmp_path / "out" / "chapter" / "page2.png").is_file()


def test_mask_command_contract(pages, tmp_path):
    out = tmp_path / "masks"
    assert _run("mask", pages / "chapter", "-o", out) == 0
    mask = Image.open(out / "page2.png")
    assert mask.mode == "L" and mask.size == (300, 400)
    values = set(np.unique(np.asarray(mask)))
    assert values <= {0, 255} and 255 in values
    assert _run("mask", pages / "chapter", "-o", tmp_path / "removal", "--removal") == 0
    tight = np.asarray(mask) > 0
    removal = np.asarray(Image.open(tmp_path / "removal" / "page2.png")) > 0
    assert removal.sum() > tight.sum() and (removal | ~tight).all()


def test_inpaint_command_changes_only_the_mask(pages, tmp_path):
    page = np.asarray(Image.open(pages / "chapter" / "page2.png"))
    hole = np.zeros_like(page)
    hole[100:120, 50:90] = 255
    Image.fromarray(hole).save(tmp_path / "hole.png")
    out = tmp_path / "filled.png"
    assert _run("inpaint", pages / "chapter" / "page2.png", "--mask", tmp_path / "hole.png", "-o", out) == 0
    filled = np.asarray(Image.open(out))
    assert np.array_equal(filled[hole == 0], page[hole == 0])
    assert not np.array_equal(filled[hole > 0], page[hole > 0])


def test_parallel_jobs_match_serial(pages, tmp_path):
    serial, parallel = tmp_path / "a", tmp_path / "b"
    _run("clean", pages / "chapter", "-o", serial, "-q")
    _run("clean", pages / "chapter", "-o", parallel, "-q", "--jobs", "2")
    for name in ("page2.png", "page10.png"):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes()


def test_missing_input_is_reported_and_others_run(pages, tmp_path, capsys):
    assert _run("clean", tmp_path / "nope.png", pages / "chapter", "-o", tmp_path / "out") == 1
    assert "nope.png: no such file" in capsys.readouterr().err
    assert (tmp_path / "out" / "chapter" / "page2.png").is_file()


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["clean"])
    assert info.value.code == 2
    assert _run("clean", "x.png", "-o", "y", "--jobs", "0") == 2


@pytest.mark.parametrize("command", [c for c in COMMANDS])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "mangaclean 0.1.0" in capsys.readouterr().out
