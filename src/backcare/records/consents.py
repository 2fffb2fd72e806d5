"""Consents: to treatment in general, and to sensitive areas at one visit; the clinic's consent pack.

A consent is never edited. Withdrawing one adds its time, and the work
recorded on its areas is marked as stopped then (the rest of the session
goes on). A consent to sensitive areas belongs to an unsigned visit; the
general consent to treatment belongs to the client. Every step is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..safetext import LINE
from ..storage.models import Clinic, TreatmentConsent, TreatmentRecord
from ..treatment import ConsentFact, ConsentIn, Given, entry_areas, treatment_data
from .base import Actor, FieldErrors, Forbidden, Locked, RecordsBase, Refused, in_range, storable_text, utc, validated


@dataclass(frozen=True)
class ConsentRow:
    """A consent as pages and exports show it."""

    id: int
    client_id: int
    visit_id: int | None
    scope: str
    pack: str
    areas: list[str]
    elements: list[str]
    methods: list[str]
    decision: str
    techniques: list[str]
    signed_name: str
    signature: str
    witness: str
    taken_by: str
    given_at: datetime
    withdrawn_at: datetime | None
    withdrawn_note: str

    @property
    def fact(self) -> ConsentFact:
        return ConsentFact(self.scope, tuple(self.areas), tuple(self.methods), self.decision, self.given_at, self.withdrawn_at,
                           self.visit_id, tuple(self.techniques), self.pack, self.id)


def consent_row(c: TreatmentConsent) -> ConsentRow:
    return ConsentRow(c.id, c.client_id, c.visit_id, c.scope, c.pack, list(c.areas), list(c.elements), list(c.methods), c.decision,
                      list(c.techniques), c.signed_name, c.signature, c.witness, c.taker.name if c.taker else "",
                      utc(c.given_at), utc(c.withdrawn_at), c.withdrawn_note)


class ConsentsMixin(RecordsBase):
    def consent_pack(self, actor: Actor) -> str:
        """The clinic's consent pack (the default pack when it never chose one)."""
        with self.read_sessions() as db:
            return treatment_data().pack_id(db.scalar(select(Clinic.consent_pack).where(Clinic.id == actor.clinic_id)))

    def set_consent_pack(self, actor: Actor, pack: str) -> None:
        self._require_admin(actor)
        if pack not in treatment_data().packs:
            raise FieldErrors({"consent_pack": "Choose one of the consent packs listed"})
        with self._tx() as db:
            db.get(Clinic, actor.clinic_id).consent_pack = pack
            self._audit(db, actor, "clinic.consent_pack", detail=pack)

    @staticmethod
    def _consents(db: Session, client_id: int, visit_id: int | None = None) -> list[ConsentRow]:
        """A client's consents, oldest first: every one, or a visit's and the general ones."""
        query = select(TreatmentConsent).where(TreatmentConsent.client_id == client_id)
        if visit_id is not None:
            query = query.where((TreatmentConsent.visit_id == visit_id) | (TreatmentConsent.scope == "treatment"))
        return [consent_row(c) for c in db.scalars(query.order_by(TreatmentConsent.given_at, TreatmentConsent.id))]

    def record_consent(self, actor: Actor, client_id: int, visit_id: int | None, data: dict[str, Any]) -> int:
        """Record a consent as given or declined (by the therapist, or by the client on the tablet)."""
        consent: ConsentIn = validated(ConsentIn, data)
        if consent.unsigned:
            raise FieldErrors({"signed_name": "Sign with your finger, or type your full name"})
        data_ = treatment_data()
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            pack = treatment_data().pack_id(db.scalar(select(Clinic.consent_pack).where(Clinic.id == actor.clinic_id)))
            if visit_id is not None:
                visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
                if visit.client_id != client.id:
                    raise Refused("visit", visit_id, None)
                if visit.signed_at is not None:
                    raise Locked("signed")
                before = self._draft_now(db, visit)  # type: ignore[attr-defined] - from TreatmentMixin
            elif consent.scope == "areas":
                raise FieldErrors({"areas": "A consent to sensitive areas is taken at a visit"})
            if consent.scope == "treatment" and consent.decision == "given":
                missing = [e for e in data_.pack(pack).general.elements if e not in consent.elements]
                if missing:
                    raise FieldErrors({"elements": "Explain every element before recording the consent: "
                                       + "; ".join(data_.elements[e].words for e in missing)})
            row = TreatmentConsent(clinic_id=actor.clinic_id, client_id=client.id, visit_id=visit_id, scope=consent.scope,
                                   pack=pack, areas=consent.areas, elements=consent.elements, methods=consent.methods,
                                   decision=consent.decision, techniques=consent.techniques, signed_name=consent.signed_name,
                                   signature=consent.signature, witness=consent.witness, taken_by=actor.user_id,
                                   given_at=datetime.now(timezone.utc), withdrawn_note="")
            db.add(row)
            db.flush()
            if visit_id is not None:
                self._redraft(db, visit, before)  # type: ignore[attr-defined] - from TreatmentMixin
            self._audit(db, actor, "consent.record", client_id=client.id, visit_id=visit_id,
                        detail=f"{consent.scope} {' '.join(consent.areas)}: {consent.decision} ({', '.join(consent.methods)})")
            return row.id

    def withdraw_consent(self, actor: Actor, consent_id: int, note: str = "") -> int | None:
        """The client withdraws a consent now; returns its visit. Work recorded on its areas stopped at this moment."""
        note = note.strip()
        if len(note) > LINE:
            raise FieldErrors({"withdrawn_note": f"Keep this under {LINE} characters"})
        storable_text("withdrawn_note", "The note", note)
        with self._transaction(actor) as db:
            consent = db.get(TreatmentConsent, consent_id) if in_range(consent_id) else None
            if consent is None or consent.clinic_id != actor.clinic_id:
                raise Refused("consent", consent_id, consent.clinic_id if consent else None)
            if consent.withdrawn_at is not None or consent.decision != "given":
                raise FieldErrors({"withdraw": "This consent is not standing: nothing to withdraw"})
            if consent.visit_id is not None:
                visit = self._visit(db, consent.visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
                if visit.signed_at is not None:
                    raise Locked("signed")
                if visit.therapist_id != actor.user_id:
                    raise Forbidden("only the treating therapist records this visit's consents")
                before = self._draft_now(db, visit)  # type: ignore[attr-defined] - from TreatmentMixin
            consent.withdrawn_at, consent.withdrawn_note = datetime.now(timezone.utc), note
            record = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == consent.visit_id)) \
                if consent.visit_id is not None else None
            if record is not None:
                given = Given.model_validate(record.given)
                for entry in given.entries:
                    if entry_areas(entry) & set(consent.areas):
                        entry.until_withdrawal = True
                record.given = given.model_dump()
            if consent.visit_id is not None:
                self._redraft(db, visit, before)  # type: ignore[attr-defined] - from TreatmentMixin
            self._audit(db, actor, "consent.withdraw", client_id=consent.client_id, visit_id=consent.visit_id,
                        detail=f"{consent.scope} {' '.join(consent.areas)}")
            return consent.visit_id

    def client_consents(self, actor: Actor, client_id: int) -> list[ConsentRow]:
        """Every consent of a client, oldest first (audited)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = self._consents(db, client_id)
            self._audit(db, actor, "consent.read", client_id=client_id, detail=f"{len(rows)} consents")
            return rows


def consent_export(c: ConsentRow, person: Any) -> dict[str, Any]:
    """A consent as exported records carry it (people by e-mail and name, through `person`)."""
    return {"visit": c.visit_id, "scope": c.scope, "pack": c.pack, "areas": c.areas, "elements": c.elements,
            "methods": c.methods, "decision": c.decision, "techniques": c.techniques, "signed_name": c.signed_name,
            "signature": c.signature, "witness": c.witness, "taken_by": person, "given_at": c.given_at.isoformat(),
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None, "withdrawn_note": c.withdrawn_note}
