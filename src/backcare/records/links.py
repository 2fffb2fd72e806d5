"""What every link a client opens without an account shares (the pre-visit intake, the home programme).

A link's token is random (256 bits) and only its SHA-256 is stored, so a copy
of the database opens nothing. What the client does through a link is audited
in the clinic's log with no user: it is the client's own step.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from .chain import append_event

TOKEN_BYTES = 32
LONGEST_TOKEN = 100  # a token is 43 characters; anything much longer is not one of ours


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def unusable_hash() -> str:
    """The hash of a token nobody knows: for a link that must exist but never open (an imported record's)."""
    return token_hash(new_token())


def malformed(token: str) -> bool:
    return not token or len(token) > LONGEST_TOKEN


def client_event(db: Session, clinic_id: int, action: str, client_id: int | None, detail: str) -> None:
    """An audit event of the client's own (no user signed in), in the caller's transaction, on the clinic's chain."""
    append_event(db, clinic_id, None, action, client_id=client_id, detail=detail)
