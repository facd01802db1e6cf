"""The review app in a real headless Chromium (Playwright): paint, erase, keep a block, re-clean,
approve, reload, save. Skips when Playwright or Chromium is absent (.ci/run installs Chromium).

The page view's screenshot goes to out/review-screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")

from review_server import ReviewServer, write_chapter  # noqa: E402

from mangaclean.io import read_image, read_mask  # noqa: E402

CHROMIUM = (
    os.environ.get("MANGACLEAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
SCREENSHOTS = Path(__file__).parents[1] / "out" / "review-screenshots"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def _drag(page, points: list[tuple[float, float]]) -> None:
    """Press, move along ``points`` (page pixels) and release the left button on the canvas."""
    screen = [page.evaluate("([x, y]) => window.mangaclean.toScreen(x, y)", list(p)) for p in points]
    page.mouse.move(*screen[0])
    page.mouse.down()
    for x, y in screen[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def _wait_status(page, text: str) -> None:
    try:
        page.wait_for_function(
            "text => document.getElementById('status').textContent.includes(text)", arg=text, timeout=20_000
        )
    except sync_api.TimeoutError:
        raise AssertionError(f"waited for {text!r}; status: {page.text_content('#status')!r}") from None


def test_review_in_a_browser(tmp_path, browser):
    folder = write_chapter(tmp_path / "in", 3, height=500, width=360)
    out = tmp_path / "out"
    with ReviewServer([folder], out) as server:
        page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)  # for its probes
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.wait_for_function(
            "document.querySelectorAll('#grid .card img.thumb').length === 3", timeout=30_000
        )
        cards = page.locator("#grid .card")
        assert [cards.nth(i).get_attribute("data-state") for i in range(3)] == ["cleaned"] * 3

        cards.nth(0).click()
        _wait_status(page, "ready")
        info = page.evaluate("window.mangaclean.view.info")
        assert (info["width"], info["height"]) == (360, 500) and info["blocks"]

        page.locator("#size").fill("10")
        _drag(page, [(150, 15), (200, 25), (250, 15)])  # a brush stroke over the screentone
        _wait_status(page, "edit 1 stored")
        block = max(info["blocks"], key=lambda b: b["box"][2] * b["box"][3])
        x, y, w, h = block["box"]
        page.click("#tool-block")
        _drag(page, [(x + w / 2, y + h / 2)])  # keep this block whole
        _wait_status(page, "edit 2 stored")
        page.click("#tool-eraser")
        _drag(page, [(235, 262), (255, 270)])  # give back part of the other balloon's text
        _wait_status(page, "edit 3 stored")
        page.keyboard.press("Control+z")
        _wait_status(page, "undone")
        assert page.evaluate("window.mangaclean.view.info.edits") == 2
        page.keyboard.press("Control+Shift+z")
        _wait_status(page, "redone")
        page.click("#reclean")
        _wait_status(page, "re-cleaned in")
        page.click("#approve")
        page.wait_for_function("document.getElementById('state').textContent === 'approved'")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "page-view.png"))

        page.reload()  # the URL keeps the page: the same view comes back from the server's state
        _wait_status(page, "ready")
        view = page.evaluate("window.mangaclean.view.info")
        assert view["state"] == "approved" and view["edits"] == 3
        assert next(b for b in view["blocks"] if b["block"] == block["block"])["kept"]

        page.click("#save")
        _wait_status(page, "saved:")
        page.keyboard.press("Escape")  # back to the chapter; select the next page and approve it
        page.wait_for_function("document.querySelectorAll('#grid .card').length === 3")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("a")
        page.wait_for_function("document.querySelectorAll('#grid .card')[1].dataset.state === 'approved'")
        assert cards.nth(0).get_attribute("data-state") == "approved"
        assert errors == []

    original = read_image(folder / "p01.png").pixels
    cleaned = read_image(out / "p01.png").pixels
    mask = read_mask(out / "p01_mask.png", original.shape)
    assert mask[20, 175] and mask[20, 225]  # the brush stroke is erased
    assert (
        not mask[265, 245]
        and not mask[y + h // 2 - 2 : y + h // 2 + 2, x + w // 2 - 2 : x + w // 2 + 2].any()
    )
    assert np.array_equal(cleaned[~mask], original[~mask])  # nothing outside the mask changed
    assert not np.array_equal(cleaned[mask], original[mask])
    assert not (out / "p02.png").exists()  # approving is not saving
