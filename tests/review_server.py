"""A real ``mangaclean review`` server in a subprocess for the browser, load and fault tests (and
``benchmarks/review_load.py``), generated chapters to review, and the load driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pages import manga_page

from mangaclean.io import write_image

SRC = Path(__file__).parents[1] / "src"


def write_chapter(folder: Path, count: int, height: int = 400, width: int = 300) -> Path:
    """``count`` generated pages ``p01.png``... in ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        write_image(folder / f"p{index + 1:02d}.png", manga_page(index, height, width)[0])
    return folder


class ReviewServer:
    """``mangaclean review INPUT -o OUT --no-browser`` in a subprocess (classical segmenter, Telea:
    fast and torch-free); ``url`` is the printed URL with its token."""

    def __init__(self, inputs: list[Path], out_dir: Path, *extra: str):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
        command = [sys.executable, "-m", "mangaclean.cli", "review", *map(str, inputs), "-o", str(out_dir)]
        command += [
            "--no-browser",
            "--segmenter",
            "classical",
            "--inpainter",
            "telea",
            "--threads",
            "1",
            *extra,
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise RuntimeError(f"review did not start: {line!r} {self.process.stderr.read()}")
        self.url = line
        self.base, self.token = line.split("/?token=")

    def request(self, path: str, body: dict | None = None, timeout: float = 30) -> tuple[int, object]:
        """``(status, JSON or bytes)`` of a GET (or a POST of ``body``) with the token header."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, method="GET" if body is None else "POST"
        )
        request.add_header("X-Mangaclean-Token", self.token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, payload, kind = response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            status, payload, kind = exc.code, exc.read(), exc.headers.get_content_type()
        return status, json.loads(payload) if kind == "application/json" else payload

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process.stdout.close()
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def __enter__(self) -> ReviewServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stroke(index: int, mode: str = "brush") -> dict:
    """A small diagonal stroke, different for every ``index``."""
    x, y = 20 + (index * 7) % 240, 20 + (index * 13) % 340
    return {
        "kind": "stroke",
        "mode": mode,
        "radius": 3,
        "points": [[x, y], [x + 15, y + 10], [x + 25, y + 3]],
    }


@dataclass
class ClientLog:
    """What one load client did: page id, acknowledged edit seqs, ``(request kind, seconds)``
    per request (``edits``, ``mask``, ``reclean``), errors."""

    page: str
    seqs: list[int] = field(default_factory=list)
    latencies: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_load(
    server: ReviewServer, pages: list[str], seconds: float, reclean_every: int = 10
) -> list[ClientLog]:
    """One client thread per entry of ``pages`` (repeat an id for clients sharing a page), each
    posting strokes for ``seconds``, reading the mask overlay after each and asking a re-clean
    every ``reclean_every`` strokes."""
    logs = [ClientLog(page) for page in pages]
    deadline = time.monotonic() + seconds

    def client(number: int, log: ClientLog) -> None:
        count = 0
        while time.monotonic() < deadline:
            count += 1
            calls = [(f"/api/pages/{log.page}/edits", stroke(number * 1000 + count))]
            calls.append((f"/api/pages/{log.page}/image/mask", None))
            if count % reclean_every == 0:
                calls.append((f"/api/pages/{log.page}/reclean", {}))
            for path, body in calls:
                start = time.perf_counter()
                try:
                    status, payload = server.request(path, body)
                except OSError as exc:
                    log.errors.append(f"{path}: {exc}")
                    continue
                log.latencies.append((path.rsplit("/", 1)[-1], time.perf_counter() - start))
                if status != 200:
                    log.errors.append(f"{path}: {status} {payload!r}"[:200])
                elif path.endswith("/edits"):
                    log.seqs.append(payload["seq"])

    threads = [threading.Thread(target=client, args=(n, log)) for n, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return logs
