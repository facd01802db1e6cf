"""Real ``mangaclean clean`` processes killed with SIGKILL: a resumed batch ends identical to an
uninterrupted one with no stray temporary file (issue 17), and workers never outlive their parent
(defect 10)."""

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pages import colour_page, manga_page
from PIL import Image

CLEAN = [sys.executable, "-m", "mangaclean.cli", "clean", "--segmenter", "classical", "-q"]


@pytest.fixture
def chapter(tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(16):
        page = manga_page(i)[0] if i % 2 else colour_page(i)[0]
        Image.fromarray(page).save(src / f"p{i:02d}.png")
    with zipfile.ZipFile(src / "vol.cbz", "w") as archive:
        for i in range(4):
            archive.write(src / f"p{i:02d}.png", f"v{i}.png")
    return src


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_batch_killed_at_random_moments_resumes_to_the_same_result(chapter, tmp_path):
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    args = [str(chapter), "--save-mask"]
    subprocess.run([*CLEAN, *args, "-o", str(reference)], check=True, timeout=300)
    rng, kills, total = np.random.default_rng(0), 0, len(_outputs(reference))
    for _ in range(12):  # killed once a random number of outputs is on disk, mid-write
        process = subprocess.Popen([*CLEAN, *args, "-o", str(resumed), "--skip-existing"])
        target = len(_files(resumed)) + int(rng.integers(1, 6))
        while process.poll() is None and len(_files(resumed)) < target:
            time.sleep(0.005)
        time.sleep(float(rng.uniform(0, 0.03)))
        if process.poll() is None:
            process.kill()
            kills += 1
        if process.wait() == 0 and len(_files(resumed)) >= total:
            break
    assert kills >= 3
    subprocess.run([*CLEAN, *args, "-o", str(resumed), "--skip-existing"], check=True, timeout=300)
    assert _outputs(resumed) == _outputs(reference)  # same names, same bytes
    assert not [p for p in resumed.rglob(".*") if p.name.endswith(".part")]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_exit_when_the_main_process_is_killed(chapter, tmp_path):
    process = subprocess.Popen([*CLEAN, str(chapter), "-o", str(tmp_path / "out"), "--jobs", "2"])
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        workers = [pid for pid in _children(process.pid) if "spawn" in _cmdline(pid)]
        time.sleep(0.1)
    assert len(workers) >= 2, "the workers never started"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
