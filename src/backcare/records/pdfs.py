"""Signed visits' PDFs, kept once rendered: a signed note never changes, so neither do its papers.

Each PDF is stored with the SHA-256 of the page it was laid out from (`content_key`):
that page holds the note, its signature and amendments, the clinic's letterhead,
everything printed, so a PDF is served again only for exactly the same page. An
amendment drops the visit's PDFs; a PDF nobody asked for again in KEEP_DAYS goes
when another is stored, so the table holds what is printed now, not every visit
ever. Only signed visits are kept (a draft changes as it is typed). The caller has
read the visit (and audited that read) before asking here.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from ..storage.models import SignedPdf, Visit
from .base import Actor, RecordsBase

KINDS = ("summary", "handout")
KEEP_DAYS = 90


class PdfsMixin(RecordsBase):
    def kept_pdf(self, actor: Actor, visit_id: int, kind: str, content_key: str) -> bytes | None:
        """The visit's PDF of this kind if it was rendered from exactly this page."""
        with self.read_sessions() as db:
            return db.scalar(select(SignedPdf.pdf).where(
                SignedPdf.visit_id == visit_id, SignedPdf.kind == kind, SignedPdf.clinic_id == actor.clinic_id,
                SignedPdf.content_key == content_key))

    def keep_pdf(self, actor: Actor, visit_id: int, kind: str, content_key: str, pdf: bytes) -> bool:
        """Store a signed visit's PDF (replacing the one of another page); False when the visit is not signed."""
        if kind not in KINDS:
            raise ValueError(f"not a kind of visit PDF: {kind}")
        now = datetime.now(timezone.utc)
        with self._tx() as db:
            signed = db.scalar(select(Visit.signed_at).where(Visit.id == visit_id, Visit.clinic_id == actor.clinic_id))
            if signed is None:
                return False
            db.execute(delete(SignedPdf).where((SignedPdf.visit_id == visit_id) & (SignedPdf.kind == kind)
                                               | (SignedPdf.created_at < now - timedelta(days=KEEP_DAYS))))
            db.add(SignedPdf(clinic_id=actor.clinic_id, visit_id=visit_id, kind=kind, content_key=content_key, pdf=pdf,
                             created_at=now))
            return True

    @staticmethod
    def _drop_pdfs(db, visit_id: int) -> None:
        db.execute(delete(SignedPdf).where(SignedPdf.visit_id == visit_id))
