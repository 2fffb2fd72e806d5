"""The web side of links a client opens without an account (the pre-visit intake, the home programme).

The address handed to the client (BACKCARE_PUBLIC_URL when set), its QR code,
the rate limit on the client's attempts per address, and a posted form read
only while it stays as small as the page can send.
"""
from __future__ import annotations

import io
from urllib.parse import parse_qsl

from fastapi import Request
from markupsafe import Markup
from starlette.datastructures import FormData

from .security import client_address


def public_url(request: Request, path: str) -> str:
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + path


def qr_svg(url: str, title: str) -> Markup:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title=title, svgclass="qr")
    return Markup(out.getvalue().decode())


def limited(request: Request, kind: str, most: int, window_seconds: int) -> bool:
    """Count one attempt of `kind` from the client's address; True once `most` were made in the window."""
    address = client_address(request, request.app.state.settings.trusted_proxies)
    return not request.app.state.limiter.allow(kind, address, most, window_seconds)


async def small_form(request: Request, most_bytes: int) -> FormData | None:
    """The posted form, or None when it is larger than `most_bytes` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most_bytes:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > most_bytes:
            return None
    try:
        return FormData(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=2000))
    except (UnicodeDecodeError, ValueError):
        return FormData()
