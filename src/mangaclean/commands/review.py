"""``mangaclean review INPUT... -o OUT_DIR``: check and touch up cleaned pages in the browser.

Serves the review app (``mangaclean.review``, the ``review`` extra) on 127.0.0.1, prints its URL
(with the per-run token) and opens the browser; edits are kept in ``OUT_DIR`` as they are made.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
import webbrowser
from pathlib import Path

from mangaclean.commands import common
from mangaclean.errors import UsageError
from mangaclean.io import require_psd_tools


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", type=Path, metavar="INPUT", help="page files, folders or .cbz/.zip archives"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT_DIR",
        help="where saved pages, masks and the review's database (.mangaclean-review.sqlite) go",
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument("--no-browser", action="store_true", help="print the URL only, do not open a browser")
    common.add_model_arguments(parser)
    common.add_fill_arguments(parser)
    common.add_layers_argument(parser)
    common.add_quality_argument(parser)
    parser.add_argument("--threads", type=int, default=None, metavar="N", help="threads for the models")
    common.add_max_megapixels_argument(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from mangaclean.review.app import create_app
    except ImportError as exc:
        raise UsageError(f"the review app needs its extra: pip install 'mangaclean[review]' ({exc})") from exc
    from mangaclean.backends import load_models
    from mangaclean.review.chapter import chapter_pages
    from mangaclean.review.masks_cache import FOLDER_NAME as MASKS_FOLDER
    from mangaclean.review.masks_cache import MasksCache
    from mangaclean.review.session import Review
    from mangaclean.review.store import FILE_NAME, ReviewStore

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be in 0-65535 (0: any free port)")
    if args.layers == "psd":
        require_psd_tools()
    pages, errors = chapter_pages(args.inputs, args.output, args.layers)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    if not pages:
        raise UsageError("no pages to review")
    args.output.mkdir(parents=True, exist_ok=True)
    models = load_models(args.segmenter, args.inpainter, args.threads)
    store = ReviewStore(args.output / FILE_NAME)
    masks = MasksCache(args.output / MASKS_FOLDER)
    options = common.options_from(args)
    review = Review(pages, store, models, options, int(args.max_megapixels * 1e6), args.quality, masks=masks)
    sock = _listen(args.port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(review, token, {f"127.0.0.1:{port}", f"localhost:{port}"})
    url = f"http://127.0.0.1:{port}/?token={token}"
    print(f"mangaclean review: {len(pages)} pages, edits kept in {args.output / FILE_NAME}", file=sys.stderr)
    print(url, flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    level = "info" if args.verbose else "warning"
    config = uvicorn.Config(
        app, log_level=level, access_log=args.verbose, limit_concurrency=100, timeout_keep_alive=5
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _listen(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1 only (``port`` 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); try another --port"
        ) from exc
    sock.listen(128)
    return sock
