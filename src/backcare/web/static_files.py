"""Static files under content-hashed names, cached for a year; plain names still work, cached briefly.

A page links `/static/app.3f9c0a1b2d4e.css` (the template helper `static_url`):
the name changes whenever the file does, so a browser may keep it forever and
never asks again. The plain name (`/static/app.css`, as an old bookmark or a
stylesheet's own link has it) keeps working with a short cache lifetime. A name
whose hash no longer matches (a page from before an upgrade) gets today's file,
cached briefly too, so nothing breaks and nothing stale is pinned for a year.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


def digests(folder: Path) -> dict[str, str]:
    """Every file's path under the folder (posix) -> the first 12 hex digits of its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:12]
            for p in sorted(folder.rglob("*")) if p.is_file()}


def hashed_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


class HashedStaticFiles(StaticFiles):
    """StaticFiles that also answers the hashed names, and says how long each answer may be kept."""

    def __init__(self, *, directory: Path, **kwargs) -> None:
        super().__init__(directory=directory, **kwargs)
        self.digests = digests(Path(directory))

    def url(self, name: str) -> str:
        """The hashed address of a static file (a KeyError for a file that does not exist: a typo in a template)."""
        return "/static/" + hashed_name(name, self.digests[name])

    async def get_response(self, path: str, scope: Scope) -> Response:
        plain, current = path, False
        match = _HASHED.match(path)
        if match and (candidate := match["stem"] + match["suffix"]) in self.digests:
            plain, current = candidate, self.digests[candidate] == match["digest"]
        response = await super().get_response(plain, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
        return response
