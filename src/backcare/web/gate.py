"""Two plain ASGI middlewares around the app: the gate every request passes before its body is read, and the
last word on errors.

`RequestGate`: a body larger than its address allows is refused (413) from its
declared length, or as soon as the bytes sent pass the limit; a request that
changes something must carry a live session before a byte of its body is read
(only signing in, a client's intake and a client's home programme page go without,
each with its own small limit). So a large upload without a
session costs nothing but its headers.

`ServerErrors`: an error no handler took is logged by its type and place only
(an exception's message can hold what was typed, a note's text say) and answered
with a page or JSON in the app's own shape, never a bare traceback; a full disk
or a read-only database answers 503 with what to do.
"""
from __future__ import annotations

import errno
import logging
import traceback
from http.cookies import SimpleCookie

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .security import SAFE_METHODS, SESSION_COOKIE

log = logging.getLogger("backcare")

DEFAULT_LIMIT = 2 * 1024 * 1024  # a visit form with every note at its longest, percent-encoded
IMPORT_LIMIT = 51 * 1024 * 1024  # a 50 MB export file and its form
LIMITS = {"/admin/import": IMPORT_LIMIT, "/api/import/fhir": IMPORT_LIMIT}
PUBLIC = ("/login", "/api/login", "/intake/", "/home/")  # the only writes without a session: signing in, a client's own links
PUBLIC_LIMIT = 256 * 1024


def _wants_json(scope) -> bool:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return scope["path"].startswith("/api/") or b"application/json" in accept


async def _answer(scope, send, status: int, detail: str, headers: list | None = None) -> None:
    """A short answer in the app's shapes: JSON `{"detail": ...}` for the API, a plain page otherwise."""
    if _wants_json(scope):
        body, kind = orjson.dumps({"detail": detail}), b"application/json"
    else:
        from html import escape

        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>backcare</title>'
                f'<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>{escape(detail.split(".")[0])}</h1>'
                f'<p>{escape(detail)}</p><p><a href="/">Back to backcare</a></p></main></body></html>').encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "The request is larger than backcare accepts here.")


class RequestGate:
    def __init__(self, app, sessions):
        self.app, self.sessions = app, sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        public = path.startswith(PUBLIC)
        limit = PUBLIC_LIMIT if public else LIMITS.get(path, DEFAULT_LIMIT)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _answer(scope, send, 413, BodyTooLarge().detail)
        if method not in SAFE_METHODS and not public and not await self._signed_in(headers):
            return await self._login_first(scope, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)

    async def _signed_in(self, headers: dict) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie header is simply no session
            return False
        token = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None
        if not token:
            return False
        return (self.sessions.remembered(token) or await run_in_threadpool(self.sessions.resume, token)) is not None

    @staticmethod
    async def _login_first(scope, send) -> None:
        headers = dict(scope.get("headers") or [])
        if _wants_json(scope):
            detail = "Log in first (POST /api/login)." if scope["path"].startswith("/api/") else "Your session has ended; sign in again."
            return await _answer(scope, send, 401, detail)
        if headers.get(b"hx-request"):
            await send({"type": "http.response.start", "status": 204, "headers": [(b"hx-redirect", b"/login")]})
            return await send({"type": "http.response.body", "body": b""})
        await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/login"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


# What a storage failure means for the person in front of the screen.
FULL = "The server's disk is full, so nothing could be saved. Your entry was not saved: keep it, and tell your administrator."
READ_ONLY = ("The server cannot write to its database (the folder or file is read-only), so nothing could be saved. "
             "Tell your administrator.")


def storage_problem(exc: BaseException) -> str | None:
    """FULL or READ_ONLY when the error is the disk or the database refusing to write, else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(getattr(exc, "orig", None) or exc).lower()
        code = getattr(exc, "errno", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
        if "disk is full" in text or "no space left" in text or code in (errno.ENOSPC, "53100"):
            return FULL
        if "readonly database" in text or "read-only" in text or code in (errno.EROFS, "25006"):
            return READ_ONLY
        exc = exc.__cause__ or exc.__context__
    return None


class ServerErrors:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the last word: logged without its message, answered in words
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            log.error("%s while answering %s %s (message withheld: it may hold health data)\n%s",
                      type(exc).__name__, scope["method"], scope["path"], where)
            if started:
                return
            problem = storage_problem(exc)
            if problem is not None:
                return await _answer(scope, send, 503, problem, [(b"retry-after", b"60")])
            await _answer(scope, send, 500, "Something went wrong on the server and nothing was saved. Try again; "
                                            "if it happens again, tell your administrator.")
