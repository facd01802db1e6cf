"""The one-off studies in benchmarks/ stay runnable (they live outside the package, untested otherwise)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


@pytest.mark.parametrize(
    "script", ["measure.py", "measure_arena.py", "review_bench.py", "inpaint_crops.py", "learn_series.py"]
)
def test_study_shows_its_help(script):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_study_modules_import_together():
    pytest.importorskip("torch")
    code = "import claims, measure, measure_worker, report, runner; assert callable(measure.main)"
    subprocess.run([sys.executable, "-c", code], cwd=BENCHMARKS, check=True)
