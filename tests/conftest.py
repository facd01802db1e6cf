"""Suite-wide settings: torch runs single-threaded in tests."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Test-sized models gain nothing from threads, and on a busy shared CPU OpenMP waits made
    two threads up to 50x slower than one (a 10 s test took 21 min); restored afterwards."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_generate_tests(metafunc):
    """Run a ``ModelTester`` class's tests once per name in its ``variants`` (tests/model_tester.py)."""
    variants = getattr(metafunc.cls, "variants", None)
    if variants and "variant" in metafunc.fixturenames:
        metafunc.parametrize("variant", variants)


@pytest.fixture(scope="session")
def cjk_fonts():
    """The font library for synthetic pages; skips the test where no Japanese font is installed."""
    from mangaclean.data.synth.fonts import font_library
    from mangaclean.errors import FontNotFoundError

    try:
        return font_library()
    except FontNotFoundError as exc:
        pytest.skip(f"no CJK-capable font installed (.ci/run installs scripts/font-packages.txt): {exc}")
