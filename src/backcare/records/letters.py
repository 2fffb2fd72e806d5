"""Referral letters: drafted from a visit's stored assessment, edited by the therapist, kept as printed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from ..safetext import NOTE, SafeText
from ..storage.models import ReferralLetter, User
from .base import Actor, FieldErrors, RecordsBase, Refused, in_range, utc, validated


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    addressee: SafeText(300, 1)
    body: SafeText(NOTE, 1)


@dataclass(frozen=True)
class Letter:
    id: int
    visit_id: int
    client_id: int
    addressee: str
    urgency: str
    body: str
    author: str
    created_at: datetime


class LettersMixin(RecordsBase):
    def save_referral_letter(self, actor: Actor, visit_id: int, data: dict[str, Any]) -> int:
        """Keep the letter as edited; only a visit whose assessment advised referral has one."""
        letter: LetterIn = validated(LetterIn, data)
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
            urgency = visit.assessment["referral"]["urgency"]
            if urgency == "none":
                raise FieldErrors({"body": "This visit's assessment advised no referral"})
            row = ReferralLetter(clinic_id=actor.clinic_id, client_id=visit.client_id, visit_id=visit.id,
                                 addressee=letter.addressee, urgency=urgency, body=letter.body, created_by=actor.user_id)
            db.add(row)
            db.flush()
            self._audit(db, actor, "referral_letter.create", client_id=visit.client_id, visit_id=visit.id,
                        detail=f"letter {row.id} to {letter.addressee}")
            return row.id

    def referral_letter(self, actor: Actor, letter_id: int) -> Letter:
        with self._transaction(actor) as db:
            row = db.execute(select(ReferralLetter, User.name).join(User, User.id == ReferralLetter.created_by)
                             .where(ReferralLetter.id == letter_id)).first() if in_range(letter_id) else None
            if row is None or row[0].clinic_id != actor.clinic_id:
                raise Refused("referral letter", letter_id, row[0].clinic_id if row else None)
            letter = row[0]
            self._audit(db, actor, "referral_letter.read", client_id=letter.client_id, visit_id=letter.visit_id,
                        detail=f"letter {letter.id}")
            return Letter(letter.id, letter.visit_id, letter.client_id, letter.addressee, letter.urgency, letter.body,
                          row[1], utc(letter.created_at))

    def referral_letters(self, actor: Actor, visit_id: int) -> list[Letter]:
        """The letters written from one visit, newest first (the visit page lists them)."""
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
            rows = db.execute(select(ReferralLetter, User.name).join(User, User.id == ReferralLetter.created_by)
                              .where(ReferralLetter.visit_id == visit.id).order_by(ReferralLetter.id.desc())).all()
            return [Letter(r[0].id, r[0].visit_id, r[0].client_id, r[0].addressee, r[0].urgency, r[0].body, r[1],
                           utc(r[0].created_at)) for r in rows]
