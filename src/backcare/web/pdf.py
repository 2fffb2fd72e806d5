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
from urllib.parse import unquote, urlparse

STATIC = Path(__file__).resolve().parent / "static"
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


class FetchRefused(ValueError):
    pass


def static_only_fetcher(url: str) -> dict:
    """Resolve /static/... (under any base URL) to the package's files; refuse everything else."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.scheme in ("http", "https") and path.startswith("/static/"):
        target = (STATIC / path.removeprefix("/static/")).resolve()
        if target.is_file() and STATIC in target.parents:
            return {"string": target.read_bytes(), "mime_type": _mime(target.suffix)}
    raise FetchRefused(f"not fetched: {url[:100]}")


def _mime(suffix: str) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(suffix, "application/octet-stream")


def render(html: str) -> bytes:
    """Runs in the worker process."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            found = static_only_fetcher(url)
            return URLFetcherResponse(url, found["string"], {"Content-Type": found["mime_type"]})

    return HTML(string=html, base_url="http://backcare.local/", url_fetcher=StaticOnly()).write_pdf()


def html_to_pdf(html: str) -> bytes:
    """Render in the pool (started on first use, one or two processes)."""
    global _pool
    with _lock:
        if _pool is None:
            # A fresh interpreter (spawn), never a fork of a server that holds threads and locks.
            _pool = ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1), mp_context=multiprocessing.get_context("spawn"))
    return _pool.submit(render, html).result(timeout=120)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(cancel_futures=True)
            _pool = None
