"""The review's web app (Starlette): the API of README.md "Reviewing pages", the static front end,
and the guard every request passes first.

Guard: the Host header must name the server itself (127.0.0.1 or localhost on its port: no DNS
rebinding), the per-run token must come as ``?token=`` or an ``X-Mangaclean-Token`` header,
request bodies need a Content-Length of at most ``max_body`` bytes, and every answer carries
no-store, no-sniff, no-referrer and a same-origin content policy. Pages are named by opaque ids;
no path ever comes from a request.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import threading
from importlib import resources
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mangaclean.errors import ImageReadError, MangacleanError
from mangaclean.review.edits import EditError
from mangaclean.review.session import Review, UnknownPageError

MAX_BODY = 1 << 20  # bytes: a stroke of MAX_POINTS points is about 400 kB of JSON
STATIC = {"app.js": "text/javascript", "app.css": "text/css"}
IMAGE_KINDS = ("original", "cleaned", "mask")
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'"),
]


class Guard:
    """ASGI middleware: Host, token and body size checks, security headers (see module doc)."""

    def __init__(self, app, token: str, hosts: set[str], max_body: int = MAX_BODY):
        self.app, self.token, self.hosts, self.max_body = app, token, hosts, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":
            return  # no websockets here
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, message = refusal
            response = JSONResponse({"error": message}, status)
            return await response(scope, receive, self._with_headers(send))
        await self.app(scope, receive, self._with_headers(send))

    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if headers.get("host") not in self.hosts:
            return 403, "wrong Host header: open the URL the review printed"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = headers.get("x-mangaclean-token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return 401, "missing or wrong token: open the URL the review printed"
        if scope["method"] not in ("GET", "HEAD", "POST"):
            return 405, "only GET and POST"
        if scope["method"] == "POST":
            length = headers.get("content-length")
            if length is None or not length.isdigit():
                return 411, "a request body needs a Content-Length"
            if int(length) > self.max_body:
                return 413, f"request body over {self.max_body} bytes"
        return None

    @staticmethod
    def _with_headers(send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        return wrapped


def create_app(review: Review, token: str, hosts: set[str], background: bool = True) -> Starlette:
    """The app for ``review``; requests must carry ``token`` and a Host in ``hosts``
    (e.g. ``{"127.0.0.1:8765", "localhost:8765"}``). background: clean every page in a thread
    while the app runs."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        stop = threading.Event()
        worker = threading.Thread(target=review.clean_all, args=(stop,), daemon=True, name="review-clean")
        if background:
            worker.start()
        yield
        stop.set()

    page_calls = [  # (method, path under /api/pages/{id}, work(request, page id, JSON body))
        ("GET", "", lambda r, page, body: _page_info(review, page)),
        ("GET", "/thumb", lambda r, page, body: _thumb(review, page)),
        ("GET", "/image/{kind}", lambda r, page, body: _image(review, page, r.path_params["kind"])),
        ("GET", "/edits", lambda r, page, body: review.edits(page)),
        ("POST", "/edits", lambda r, page, body: {"seq": review.add_edit(page, body)}),
        ("POST", "/undo", lambda r, page, body: {"changed": review.undo(page)}),
        ("POST", "/redo", lambda r, page, body: {"changed": review.redo(page)}),
        ("POST", "/reclean", lambda r, page, body: _reclean(review, page)),
        (
            "POST",
            "/approve",
            lambda r, page, body: {"approved": review.approve(page, _flag(body, "approved"))},
        ),
        ("POST", "/save", lambda r, page, body: {"written": review.save(page)}),
    ]
    routes = [
        Route("/", lambda request: _index(token)),
        Route("/static/{name}", _static),
        Route("/api/pages", lambda request: JSONResponse(review.listing())),
        Route("/api/status", lambda request: JSONResponse(review.progress())),
        *(
            Route(f"/api/pages/{{id}}{tail}", _call(work), methods=[method])
            for method, tail, work in page_calls
        ),
    ]
    handlers = {
        UnknownPageError: _error(404),
        EditError: _error(400),
        ImageReadError: _error(422),
        MangacleanError: _error(500),
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    return Guard(app, token, hosts)


def _call(work):
    """An endpoint running ``work(request, page id, JSON body or {})`` in a worker thread; a dict
    or list it returns is sent as JSON, a ``Response`` as it is."""

    async def endpoint(request: Request):
        try:
            body = _json(await request.body()) if request.method == "POST" else {}
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, 400)
        result = await run_in_threadpool(work, request, request.path_params["id"], body)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def _json(raw: bytes):
    return json.loads(raw) if raw.strip() else {}


def _error(status: int):
    async def handler(request: Request, exc: Exception):
        return JSONResponse({"error": str(exc)}, status)

    return handler


def _index(token: str) -> Response:
    html = resources.files("mangaclean.review").joinpath("static/index.html").read_text()
    return Response(html.replace("__TOKEN__", token), media_type="text/html")


def _static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:  # a fixed list: nothing else of the disk is reachable
        return JSONResponse({"error": "not found"}, 404)
    data = resources.files("mangaclean.review").joinpath("static", name).read_bytes()
    return Response(data, media_type=STATIC[name])


def _page_info(review: Review, page: str) -> dict:
    entry = review.loaded(page)
    height, width = entry.first.mask.shape
    info = next(item for item in review.listing() if item["id"] == page)
    return {**info, "width": width, "height": height, "blocks": review.blocks(page)}


def _thumb(review: Review, page: str) -> Response:
    data = review.thumbnail(page)
    return Response(data, media_type="image/jpeg") if data else Response(status_code=204)


def _image(review: Review, page: str, kind: str) -> Response:
    if kind not in IMAGE_KINDS:
        return JSONResponse({"error": f"image kind must be one of {IMAGE_KINDS}"}, 404)
    return Response(review.image(page, kind), media_type="image/png")


def _reclean(review: Review, page: str) -> dict:
    entry = review.result(page)
    return {"seconds": round(entry.seconds, 4), "erased_px": int(entry.mask.sum())}


def _flag(body, key: str) -> bool:
    """``body[key]``, true when absent; ``EditError`` when it is not a boolean."""
    value = body.get(key, True) if isinstance(body, dict) else True
    if not isinstance(value, bool):
        raise EditError(f"{key} must be true or false")
    return value
