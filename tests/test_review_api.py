"""The review app's API and stored state, through Starlette's test client (no server, no browser)."""

from __future__ import annotations

import threading
import time
import warnings
import zipfile

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from pages import manga_page  # noqa: E402
from review_server import stroke, write_chapter  # noqa: E402

with warnings.catch_warnings():  # newer Starlette asks for httpx2; httpx (the dev extra) works the same
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient

from mangaclean.backends import load_models  # noqa: E402
from mangaclean.backends.base import Models  # noqa: E402
from mangaclean.cli import main  # noqa: E402
from mangaclean.errors import UsageError  # noqa: E402
from mangaclean.io import encode_image, read_image, read_mask, write_image  # noqa: E402
from mangaclean.io.read import Page  # noqa: E402
from mangaclean.pipeline import CleanOptions  # noqa: E402
from mangaclean.review.app import MAX_BODY, create_app  # noqa: E402
from mangaclean.review.chapter import chapter_pages  # noqa: E402
from mangaclean.review.edits import edited_removal, stroke_pixels  # noqa: E402
from mangaclean.review.masks_cache import FOLDER_NAME as MASKS_FOLDER  # noqa: E402
from mangaclean.review.masks_cache import MasksCache  # noqa: E402
from mangaclean.review.session import Review  # noqa: E402
from mangaclean.review.store import FILE_NAME, ReviewStore  # noqa: E402

TOKEN = "test-token"
AUTH = {"X-Mangaclean-Token": TOKEN}


@pytest.fixture(scope="module")
def models():
    return load_models("classical", "telea", 1)


def _review(inputs, out, models, **kwargs) -> Review:
    pages, errors = chapter_pages(inputs, out, kwargs.pop("layers", None))
    assert errors == []
    out.mkdir(parents=True, exist_ok=True)
    masks = MasksCache(out / MASKS_FOLDER)
    return Review(pages, ReviewStore(out / FILE_NAME), models, CleanOptions(), 10**8, masks=masks, **kwargs)


@pytest.fixture
def chapter(tmp_path, models):
    folder = write_chapter(tmp_path / "in", 3)
    review = _review([folder], tmp_path / "out", models)
    with TestClient(create_app(review, TOKEN, {"testserver"}, background=False)) as client:
        yield client, review, folder, tmp_path / "out"


def _ids(client) -> list[str]:
    return [page["id"] for page in client.get("/api/pages", headers=AUTH).json()]


def test_pages_need_the_token(chapter):
    client, *_ = chapter
    assert client.get("/api/pages").status_code == 401
    assert client.get("/api/pages?token=wrong").status_code == 401
    assert client.get("/api/pages", headers={"X-Mangaclean-Token": "x" + TOKEN}).status_code == 401
    assert client.get("/").status_code == 401
    assert client.get("/static/app.js").status_code == 401
    pages = client.get(f"/api/pages?token={TOKEN}").json()
    assert [(p["name"], p["state"]) for p in pages] == [(f"p0{i}.png", "not cleaned") for i in (1, 2, 3)]
    assert all(set(p["id"]) <= set("0123456789abcdef") for p in pages)  # opaque, never a path


def test_the_host_header_is_checked(chapter):
    client, *_ = chapter
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
        response = client.get("/api/pages", headers={**AUTH, "Host": host})
        assert response.status_code == 403


def test_security_headers_and_index(chapter):
    client, *_ = chapter
    response = client.get(f"/?token={TOKEN}")
    assert response.status_code == 200 and f"app.js?token={TOKEN}" in response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert client.get(f"/static/app.js?token={TOKEN}").headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path", ["/static/..%2F..%2Fpyproject.toml", "/static/index.html.bak", "/static/%2Fetc%2Fpasswd"]
)
def test_no_file_outside_the_static_list_is_served(chapter, path):
    client, *_ = chapter
    assert client.get(path, headers=AUTH).status_code == 404


@pytest.mark.parametrize("page", ["..%2F..%2Fetc%2Fpasswd", "p01.png", "0" * 16, "%2Ftmp"])
def test_unknown_page_ids_are_404(chapter, page):
    client, *_ = chapter
    assert client.get(f"/api/pages/{page}", headers=AUTH).status_code == 404
    assert client.post(f"/api/pages/{page}/edits", headers=AUTH, json=stroke(1)).status_code == 404


def test_request_sizes_are_bounded(chapter):
    client, *_ = chapter
    page = _ids(client)[0]
    big = b'{"kind": "stroke", "pad": "' + b"x" * MAX_BODY + b'"}'
    response = client.post(
        f"/api/pages/{page}/edits", headers={**AUTH, "Content-Type": "application/json"}, content=big
    )
    assert response.status_code == 413
    many = {**stroke(1), "points": [[1, 1]] * 20_001}
    assert client.post(f"/api/pages/{page}/edits", headers=AUTH, json=many).status_code in (400, 413)


@pytest.mark.parametrize(
    "edit",
    [
        {"kind": "stroke", "mode": "paint", "radius": 3, "points": [[1, 1]]},
        {"kind": "stroke", "mode": "brush", "radius": 0, "points": [[1, 1]]},
        {"kind": "stroke", "mode": "brush", "radius": 3, "points": []},
        {"kind": "stroke", "mode": "brush", "radius": 3, "points": [[1, "a"]]},
        {"kind": "stroke", "mode": "brush", "radius": 3, "points": [[1e9, 1]]},
        {"kind": "block", "block": 999, "action": "keep"},
        {"kind": "block", "block": 0, "action": "delete"},
        {"kind": "file", "path": "/etc/passwd"},
        [1, 2],
    ],
)
def test_bad_edits_are_refused_with_a_reason(chapter, edit):
    client, *_ = chapter
    page = _ids(client)[0]
    response = client.post(f"/api/pages/{page}/edits", headers=AUTH, json=edit)
    assert response.status_code == 400 and response.json()["error"]
    assert client.get(f"/api/pages/{page}/edits", headers=AUTH).json() == []


def test_edits_undo_redo(chapter):
    client, *_ = chapter
    page = _ids(client)[0]
    post = lambda path, body=None: client.post(f"/api/pages/{page}/{path}", headers=AUTH, json=body or {})  # noqa: E731
    assert [post("edits", stroke(i)).json()["seq"] for i in range(3)] == [1, 2, 3]
    assert post("undo").json() == {"changed": True}
    assert post("undo").json() == {"changed": True}
    assert post("redo").json() == {"changed": True}
    edits = client.get(f"/api/pages/{page}/edits", headers=AUTH).json()
    assert [e["points"] for e in edits] == [stroke(0)["points"], stroke(1)["points"]]
    assert post("edits", stroke(9)).json()["seq"] == 3  # a new edit drops the redo stack
    assert post("redo").json() == {"changed": False}
    for _ in range(3):
        post("undo")
    assert post("undo").json() == {"changed": False}
    assert {p["id"]: p["state"] for p in client.get("/api/pages", headers=AUTH).json()}[page] == "cleaned"


def test_states_follow_cleaning_edits_and_approval(chapter):
    client, *_ = chapter
    first, second, third = _ids(client)
    client.get(f"/api/pages/{first}", headers=AUTH)
    client.get(f"/api/pages/{second}", headers=AUTH)
    client.post(f"/api/pages/{second}/edits", headers=AUTH, json=stroke(1))
    client.post(f"/api/pages/{first}/approve", headers=AUTH, json={"approved": True})
    states = [p["state"] for p in client.get("/api/pages", headers=AUTH).json()]
    assert states == ["approved", "edited", "not cleaned"]
    client.post(f"/api/pages/{first}/edits", headers=AUTH, json=stroke(2))  # an edit withdraws approval
    assert client.get("/api/pages", headers=AUTH).json()[0]["state"] == "edited"
    assert (
        client.post(f"/api/pages/{third}/approve", headers=AUTH, json={"approved": "yes"}).status_code == 400
    )


def test_images_and_thumbnails(chapter):
    client, *_ = chapter
    page = _ids(client)[0]
    assert client.get(f"/api/pages/{page}/thumb", headers=AUTH).status_code == 204  # not cleaned yet
    for kind in ("original", "cleaned", "mask"):
        response = client.get(f"/api/pages/{page}/image/{kind}", headers=AUTH)
        assert response.status_code == 200 and response.content[:4] == b"\x89PNG"
    assert client.get(f"/api/pages/{page}/image/secret", headers=AUTH).status_code == 404
    assert client.get(f"/api/pages/{page}/thumb", headers=AUTH).content[:2] == b"\xff\xd8"


def test_recleaning_applies_brush_eraser_and_blocks(chapter):
    client, review, folder, _ = chapter
    page = _ids(client)[0]
    info = client.get(f"/api/pages/{page}", headers=AUTH).json()
    original = read_image(folder / "p01.png").pixels
    first = review.loaded(page).first
    brush = {"kind": "stroke", "mode": "brush", "radius": 4, "points": [[150, 15], [250, 15]]}
    block = info["blocks"][0]
    x, y, w, h = block["box"]
    for edit in (brush, {"kind": "block", "block": block["block"], "action": "keep"}):
        assert client.post(f"/api/pages/{page}/edits", headers=AUTH, json=edit).status_code == 200
    assert client.post(f"/api/pages/{page}/reclean", headers=AUTH).json()["seconds"] < 5
    result = review.result(page)
    window, drawn = stroke_pixels(brush, original.shape)
    assert result.mask[window][drawn].all()  # the brush is erased...
    assert (result.cleaned[window][drawn] != original[window][drawn]).any()  # ...and refilled
    mine = np.zeros_like(result.mask)
    for region in first.regions:
        if region.block == block["block"]:
            mine[
                region.box[1] : region.box[1] + region.box[3], region.box[0] : region.box[0] + region.box[2]
            ] |= region.mask
    assert not result.mask[mine].any()  # the kept block is the original's
    assert np.array_equal(result.cleaned[~result.mask], original[~result.mask])
    untouched = first.mask & result.mask & ~_near(mine | drawn_full(window, drawn, original.shape), 80)
    assert np.array_equal(result.cleaned[untouched], first.page[untouched])  # other blocks not redone
    eraser = {"kind": "stroke", "mode": "eraser", "radius": 300, "points": [[150, 200]]}
    client.post(f"/api/pages/{page}/edits", headers=AUTH, json=eraser)
    assert not review.result(page).mask.any() and np.array_equal(review.result(page).cleaned, original)
    assert client.get(f"/api/pages/{page}", headers=AUTH).json()["blocks"][0]["kept"]


def drawn_full(window, drawn, shape) -> np.ndarray:
    full = np.zeros(shape[:2], dtype=bool)
    full[window] = drawn
    return full


def _near(mask: np.ndarray, distance: int) -> np.ndarray:
    from mangaclean.maskops import grow

    return grow(mask, distance)


def test_state_survives_a_new_server(chapter, models):
    client, review, folder, out = chapter
    page = _ids(client)[1]
    client.post(f"/api/pages/{page}/edits", headers=AUTH, json=stroke(3))
    client.post(f"/api/pages/{page}/edits", headers=AUTH, json=stroke(4, "eraser"))
    client.post(f"/api/pages/{page}/approve", headers=AUTH, json={"approved": True})
    before = review.result(page)
    review.loaded(_ids(client)[0])  # cleaned, not edited
    blind = Models(_NoSegmenter(models.segmenter.name), models.inpainter)  # stored text masks are used
    again = _review([folder], out, blind)  # a restart: new process state, the same database
    with TestClient(create_app(again, TOKEN, {"testserver"}, background=False)) as fresh:
        states = [p["state"] for p in fresh.get("/api/pages", headers=AUTH).json()]
        assert states == ["cleaned", "approved", "not cleaned"]
        assert len(fresh.get(f"/api/pages/{page}/edits", headers=AUTH).json()) == 2
    after = again.result(page)
    assert np.array_equal(after.mask, before.mask) and np.array_equal(after.cleaned, before.cleaned)


class _NoSegmenter:
    """Stands for the segmenter of ``name`` and fails if it is asked to run."""

    def __init__(self, name: str):
        self.name = name

    def probability(self, page):
        raise AssertionError("the stored text mask should have been used")


def test_a_changed_page_is_segmented_again(tmp_path, models):
    folder = write_chapter(tmp_path / "in", 1)
    review = _review([folder], tmp_path / "out", models)
    page = review.order[0]
    first = review.loaded(page).first
    write_image(folder / "p01.png", manga_page(7)[0])  # another page under the same name
    again = _review([folder], tmp_path / "out", models)
    assert not np.array_equal(again.loaded(page).first.text_mask, first.text_mask)


def test_background_cleaning_reports_progress(tmp_path, models):
    review = _review([write_chapter(tmp_path / "in", 2)], tmp_path / "out", models)
    with TestClient(create_app(review, TOKEN, {"testserver"})) as client:
        for _ in range(200):
            if client.get("/api/status", headers=AUTH).json()["cleaned"] == 2:
                break
            time.sleep(0.05)
        assert client.get("/api/status", headers=AUTH).json() == {
            "total": 2,
            "cleaned": 2,
            "failed": 0,
            "current": None,
        }
        assert [p["state"] for p in client.get("/api/pages", headers=AUTH).json()] == ["cleaned", "cleaned"]


def test_saving_writes_page_mask_and_layers_atomically(tmp_path, models):
    folder = write_chapter(tmp_path / "in", 1)
    out = tmp_path / "out"
    review = _review([folder], out, models, layers="ora")
    with TestClient(create_app(review, TOKEN, {"testserver"}, background=False)) as client:
        page = _ids(client)[0]
        client.post(f"/api/pages/{page}/edits", headers=AUTH, json=stroke(5))
        written = client.post(f"/api/pages/{page}/save", headers=AUTH).json()["written"]
        assert written == {"mask": "p01_mask.png", "ora": "p01.ora", "page": "p01.png"}
        assert client.get("/api/pages", headers=AUTH).json()[0]["saved"] is not None
    result = review.result(page)
    assert np.array_equal(read_image(out / "p01.png").pixels, result.cleaned)
    assert np.array_equal(read_mask(out / "p01_mask.png", result.mask.shape), result.mask)
    assert zipfile.is_zipfile(out / "p01.ora")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".mangaclean-review")) == [
        "p01.ora",
        "p01.png",
        "p01_mask.png",
    ]  # no temporary file left


def test_saving_never_writes_over_an_input(tmp_path):
    folder = write_chapter(tmp_path / "in", 2)
    with pytest.raises(UsageError, match="overwrite an input"):
        chapter_pages([folder], folder)
    assert main(["review", str(folder), "-o", str(folder), "--no-browser"]) == 2


def test_archive_pages_are_reviewed_and_saved_beside_it(tmp_path, models):
    archive = tmp_path / "book.cbz"
    with zipfile.ZipFile(archive, "w") as handle:
        for index in (1, 2):
            handle.writestr(f"ch1/{index:03d}.png", encode_image(Page(manga_page(index)[0]), "PNG"))
        handle.writestr("ComicInfo.xml", "<ComicInfo/>")
    out = tmp_path / "out"
    review = _review([archive], out, models)
    with TestClient(create_app(review, TOKEN, {"testserver"}, background=False)) as client:
        pages = client.get("/api/pages", headers=AUTH).json()
        assert [p["name"] for p in pages] == ["book/ch1/001.png", "book/ch1/002.png"]
        assert client.post(f"/api/pages/{pages[1]['id']}/save", headers=AUTH).status_code == 200
    assert (out / "book" / "ch1" / "002.png").exists() and (out / "book" / "ch1" / "002_mask.png").exists()


def test_edited_removal_replays_in_order():
    auto = np.zeros((50, 50), dtype=bool)
    brush = {"kind": "stroke", "mode": "brush", "radius": 3, "points": [[10, 10], [40, 10]]}
    eraser = {"kind": "stroke", "mode": "eraser", "radius": 3, "points": [[25, 10]]}
    mask = edited_removal(auto, [], [brush, eraser])
    assert mask[10, 12] and mask[10, 38] and not mask[10, 25] and not mask[30, 30]
    assert edited_removal(auto, [], [eraser, brush])[10, 25]
    offpage = {"kind": "stroke", "mode": "brush", "radius": 3, "points": [[-100, -100]]}
    assert not edited_removal(auto, [], [offpage]).any()


def test_a_page_that_does_not_decode_is_failed_and_the_others_go_on(tmp_path, models):
    folder = write_chapter(tmp_path / "in", 2)
    (folder / "p03.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"broken" * 10)
    review = _review([folder], tmp_path / "out", models)
    with TestClient(create_app(review, TOKEN, {"testserver"}, background=False)) as client:
        broken = _ids(client)[2]
        response = client.get(f"/api/pages/{broken}", headers=AUTH)
        assert response.status_code == 422 and "p03.png" in response.json()["error"]
        assert client.post(f"/api/pages/{broken}/edits", headers=AUTH, json=stroke(1)).status_code == 422
        review.clean_all(threading.Event())
        pages = client.get("/api/pages", headers=AUTH).json()
        assert [p["state"] for p in pages] == ["cleaned", "cleaned", "failed"] and pages[2]["error"]


def test_the_command_explains_itself(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["review", "--help"])
    assert exit_info.value.code == 0
    assert "--no-browser" in capsys.readouterr().out
