"""The review app as a real server (a ``mangaclean review`` subprocess on loopback): concurrent
clients lose no edit and get no error; a SIGKILL loses no acknowledged stroke."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from review_server import ReviewServer, run_load, stroke, write_chapter  # noqa: E402


def _page_ids(server: ReviewServer) -> list[str]:
    status, pages = server.request("/api/pages")
    assert status == 200
    return [page["id"] for page in pages]


def test_ten_clients_editing_at_once_lose_nothing(tmp_path):
    folder = write_chapter(tmp_path / "in", 9)
    with ReviewServer([folder], tmp_path / "out") as server:
        ids = _page_ids(server)
        for page in ids:  # the first clean is not what this measures
            assert server.request(f"/api/pages/{page}")[0] == 200
        clients = ids[:8] + [ids[8], ids[8]]  # 8 pages, one each; 2 clients on the ninth
        logs = run_load(server, clients, seconds=3.0)
        assert [error for log in logs for error in log.errors] == []
        for page in set(clients):
            acknowledged = [seq for log in logs if log.page == page for seq in log.seqs]
            status, edits = server.request(f"/api/pages/{page}/edits")
            assert status == 200
            assert sorted(acknowledged) == list(range(1, len(edits) + 1))  # each once, none lost
        shared = [log for log in logs if log.page == ids[8]]
        assert all(log.seqs for log in shared)


def test_a_killed_server_loses_no_acknowledged_stroke(tmp_path):
    folder = write_chapter(tmp_path / "in", 2)
    out = tmp_path / "out"
    server = ReviewServer([folder], out)
    page = _page_ids(server)[0]
    assert server.request(f"/api/pages/{page}")[0] == 200
    acknowledged: list[dict] = []
    stop = threading.Event()

    def edit_until_killed():
        index = 0
        while not stop.is_set():
            index += 1
            try:
                status, _ = server.request(f"/api/pages/{page}/edits", stroke(index), timeout=5)
            except OSError:
                return
            if status == 200:
                acknowledged.append(stroke(index))

    editor = threading.Thread(target=edit_until_killed)
    editor.start()
    while len(acknowledged) < 20:
        editor.join(0.05)
    server.kill()  # mid-edit: requests are in flight
    stop.set()
    editor.join()
    with ReviewServer([folder], out) as again:
        status, edits = again.request(f"/api/pages/{page}/edits")
        assert status == 200
        points = [edit["points"] for edit in edits]
        assert all(a["points"] in points for a in acknowledged)
        assert len(edits) <= len(acknowledged) + 1  # at most the one in flight was also kept
        status, pages = again.request("/api/pages")
        assert {p["id"]: p["state"] for p in pages}[page] == "edited"
