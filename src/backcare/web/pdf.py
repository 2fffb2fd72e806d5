"""HTML to PDF with WeasyPrint, in a process of its own.

WeasyPrint is pure-Python, CPU-heavy work: in the server's own process it
would compete for the interpreter with every other request. A small process
pool renders instead, so a long handout never delays another answer. Its URL
fetcher serves only backcare's own static files: a `file://` or network link in
a template (or in text a user typed) is never fetched.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

STATIC = Path(__file__).resolve().parent / "static"
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


class FetchRefused(ValueError):
    pass


def static_only_fetcher(url: str) -> dict:
    """Resolve /static/... (under any base URL) to the package's files and /drawings/<id>.svg to the
    exercise drawings; refuse everything else."""
    from .drawings import drawing_document

    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.scheme in ("http", "https") and path.startswith("/static/"):
        target = (STATIC / path.removeprefix("/static/")).resolve()
        if target.is_file() and STATIC in target.parents:
            return {"string": target.read_bytes(), "mime_type": _mime(target.suffix)}
    if parsed.scheme in ("http", "https") and path.startswith("/drawings/") and path.endswith(".svg"):
        svg = drawing_document(path.removeprefix("/drawings/").removesuffix(".svg"))
        if svg is not None:
            return {"string": svg, "mime_type": "image/svg+xml"}
    raise FetchRefused(f"not fetched: {url[:100]}")


def _mime(suffix: str) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(suffix, "application/octet-stream")


BASE_URL = "http://backcare.local/"
_fonts: Any = None  # one font configuration per process (see render)
_render_lock = threading.Lock()


def static_fetcher() -> Any:
    """static_only_fetcher as WeasyPrint's URL fetcher."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            found = static_only_fetcher(url)
            return URLFetcherResponse(url, found["string"], {"Content-Type": found["mime_type"]})

    return StaticOnly()


def render(html: str) -> bytes:
    """Runs in the worker process."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from .pdf_drawings import prepared_drawings

    global _fonts
    with _render_lock:  # the font configuration is shared, and Pango's is not for threads
        if _fonts is None:
            # Kept for the process: a fresh one per page starts Pango's font caches cold, about a
            # sixth of a long handout's time. backcare's papers load no web fonts, so it only ever
            # holds the system's.
            _fonts = FontConfiguration()
        fetcher = static_fetcher()
        return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
            font_config=_fonts, cache=prepared_drawings(BASE_URL, fetcher))


WORKERS = min(2, os.cpu_count() or 1)


# What backcare's papers use (page margins with counters, headings, bold, tables, inline SVG), laid
# out once by each render process as it starts: the imports, fonts and code paths of a first page
# cost most of a second, which no request should pay.
WARM_PAGE = """<!doctype html><html><head><style>
@page { size: A4; margin: 16mm; @bottom-right { content: "page " counter(page) " of " counter(pages); } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; } .box { overflow: hidden; border: 1px solid #ccc; }
.box svg { float: left; width: 45mm; height: 22mm; } img.drawing { width: 45mm; height: 22.5mm; }</style></head><body><h1>backcare</h1><h2>Warm-up</h2>
<div class="box"><svg viewBox="0 0 160 80"><circle cx="18" cy="62" r="7" fill="none" stroke="#1d2733"/>
<path d="M30 62 L80 40" stroke="#1d2733" stroke-width="4"/></svg><div><strong>1. Bold</strong><br><em>italic</em> text</div></div>
<table><tr><th>a</th><td>b</td></tr></table></body></html>"""


def _warm_worker() -> None:
    from .drawings import drawing_url, drawn_exercises

    # Every exercise drawing at the handout's size, so each is parsed and recorded before a request needs it.
    drawings = "".join(f'<img class="drawing" src="{drawing_url(name)}" alt="">' for name in drawn_exercises())
    render(WARM_PAGE.replace("</body>", drawings + "</body>"))


def _ready_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # A fresh interpreter (spawn), never a fork of a server that holds threads and locks.
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_warm_worker)
        return _pool


def warm() -> None:
    """Start the render processes now (the server calls this as it starts); returns at once."""
    pool = _ready_pool()
    for _ in range(WORKERS):  # a task per process makes the pool start them all
        pool.submit(int)


def html_to_pdf(html: str) -> bytes:
    """Render in the pool (warmed when the server starts; started here otherwise)."""
    return _ready_pool().submit(render, html).result(timeout=120)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(cancel_futures=True)
            _pool = None
