"""A client's whole record as plain data, out (for FHIR and CSV) and back in (a clinic moving servers).

`export_clients` reads everything of a client: details, episodes, visits with
their notes, signatures, amendments, referral letters and corrections,
questionnaires, the intakes the client sent (with their screening, and the
visit that took each up), the treatment as given at each visit and the
client's consents, and the home programme with its ticks and weekly check-ins
(homecare_exchange). `export_batches` streams a whole clinic of any size the same way, a
hundred clients at a time from one snapshot. People are named by e-mail and
name, never by this server's ids; a client by their identifier (a UUID kept
with the record, so that importing the same client again finds them).
Importing is in `importing.py`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from ..fhir.bundle import ReadJson
from ..storage.models import (Amendment, Client, Episode, Intake, IntakeLink, QuestionnaireResponse, RecordCorrection,
                              ReferralLetter, TreatmentConsent, TreatmentRecord, User, Visit)
from . import homecare_exchange
from .base import Actor, RecordsBase, utc
from .consents import ConsentRow, consent_export

EXPORT_BATCH = 100  # clients read, written out and audited at a time: memory stays flat at any clinic size


def _person(user: User | None) -> dict[str, str] | None:
    return {"email": user.email, "name": user.name} if user else None


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return utc(value).isoformat() if isinstance(value, datetime) else value.isoformat()


class ExchangeMixin(RecordsBase):
    def export_clients(self, actor: Actor, client_id: int | None = None, purpose: str = "export") -> list[dict[str, Any]]:
        """One client (or, for an admin, every client of the clinic) as plain data; each is audited.

        For a whole clinic of any size, `export_batches` streams the same records."""
        if client_id is None:
            return [record for batch in self.export_batches(actor, purpose) for record in batch]
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            people = {u.id: _person(u) for u in db.scalars(select(User).where(User.clinic_id == actor.clinic_id))}
            out = _dump_many(db, [client], people)
            self._audit(db, actor, purpose, client_id=client.id)
            return out

    def export_batches(self, actor: Actor, purpose: str = "export", size: int = EXPORT_BATCH) -> Iterator[list[dict[str, Any]]]:
        """Every client of the clinic (admins), `size` at a time, from one consistent snapshot.

        The records are read in one read-only transaction (REPEATABLE READ on
        PostgreSQL; SQLite's read snapshot), so writers carry on meanwhile; each
        batch is audited, naming its clients, before it is handed out.
        """
        self._require_admin(actor)
        with self.read_sessions() as db:
            if db.get_bind().dialect.name == "postgresql":
                db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            people = {u.id: _person(u) for u in db.scalars(select(User).where(User.clinic_id == actor.clinic_id))}
            last = 0
            while True:
                clients = db.execute(select(Client.__table__).where(Client.clinic_id == actor.clinic_id, Client.id > last)
                                     .order_by(Client.id).limit(size)).all()
                if not clients:
                    return
                batch = _dump_many(db, clients, people)
                last = clients[-1].id
                with self._tx() as audit:
                    self._audit(audit, actor, purpose, detail=f"{len(clients)} clients", clients=[c.id for c in clients])
                yield batch
                del batch  # not held while the next one is read: one batch in memory at a time


def _group(rows, key) -> dict[int, list]:
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out


def _columns(model, *skip: str) -> list:
    return [c for c in model.__table__.columns if c.name not in skip]


# The client's details beyond name and contact: they move with the record (FHIR: gender, address,
# generalPractitioner, contact, and backcare's extension for the rest).
CLIENT_DETAILS = ("sex", "address", "occupation", "family_doctor", "family_doctor_contact", "emergency_contact",
                  "medications", "allergies")


def _dump_many(db: Session, clients: list[Any], people: dict[int, dict[str, str] | None]) -> list[dict[str, Any]]:
    """Each client's whole record as plain data, read with one query per kind of row for all of them.

    Plain rows, not ORM objects: a whole clinic's export reads millions of them.
    """
    ids = [c.id for c in clients]
    rows = lambda query: db.execute(query).all()  # noqa: E731
    episodes = _group(rows(select(Episode.__table__).where(Episode.client_id.in_(ids)).order_by(Episode.id)), lambda e: e.client_id)
    # The findings and assessment as their JSON text: read once, and written out as they are (fhir.bundle.ReadJson).
    visits = rows(select(*_columns(Visit, "case", "assessment"), cast(Visit.case, Text).label("case"),
                         cast(Visit.assessment, Text).label("assessment"))
                  .where(Visit.client_id.in_(ids)).order_by(Visit.visit_date, Visit.id))
    visit_ids = [v.id for v in visits]
    amendments = _group(rows(select(Amendment.__table__).where(Amendment.visit_id.in_(visit_ids)).order_by(Amendment.id)),
                        lambda a: a.visit_id) if visit_ids else {}
    letters = _group(rows(select(ReferralLetter.__table__).where(ReferralLetter.client_id.in_(ids)).order_by(ReferralLetter.id)),
                     lambda lt: lt.visit_id)
    responses = _group(rows(select(QuestionnaireResponse.__table__).where(QuestionnaireResponse.client_id.in_(ids))
                            .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)), lambda r: r.client_id)
    intakes = _group(rows(select(*_columns(Intake), IntakeLink.instruments).join(IntakeLink, IntakeLink.id == Intake.link_id)
                          .where(Intake.client_id.in_(ids)).order_by(Intake.submitted_at, Intake.id)), lambda i: i.client_id)
    corrections = _group(rows(select(RecordCorrection.__table__).where(RecordCorrection.client_id.in_(ids))
                              .order_by(RecordCorrection.id)), lambda k: k.visit_id or -k.client_id)
    by_client = _group(visits, lambda v: v.client_id)
    treatments = _group(rows(select(TreatmentRecord.__table__).where(TreatmentRecord.client_id.in_(ids))
                             .order_by(TreatmentRecord.id)), lambda t: t.client_id)
    consents = _group(rows(select(TreatmentConsent.__table__).where(TreatmentConsent.client_id.in_(ids))
                           .order_by(TreatmentConsent.given_at, TreatmentConsent.id)), lambda c: c.client_id)
    home = homecare_exchange.read(db, ids)
    return [{**_dump(client, people, episodes.get(client.id, []), by_client.get(client.id, []), amendments, letters,
                     responses.get(client.id, []), intakes.get(client.id, []), corrections),
             **_treatment(treatments.get(client.id, []), consents.get(client.id, []), people),
             "homecare": homecare_exchange.dump(home, client.id, people)} for client in clients]


def _treatment(treatments: list, consents: list, people: dict[int, dict[str, str] | None]) -> dict[str, Any]:
    """The treatment as given at each visit, and the client's consents (records/treatment.py, consents.py)."""
    return {"treatments": [{"visit": t.visit_id, "given": t.given, "response": t.response, "after_effects": t.after_effects,
                            "updated_by": people.get(t.updated_by), "updated_at": utc(t.updated_at).isoformat()} for t in treatments],
            "consents": [consent_export(ConsentRow(c.id, c.client_id, c.visit_id, c.scope, c.pack, list(c.areas), list(c.elements),
                                                   list(c.methods), c.decision, list(c.techniques), c.signed_name, c.signature,
                                                   c.witness, "", utc(c.given_at), utc(c.withdrawn_at), c.withdrawn_note),
                                        people.get(c.taken_by)) for c in consents]}


def _corrections(rows: list, people: dict[int, dict[str, str] | None]) -> list[dict[str, Any]]:
    return [{"kind": k.kind, "part": k.part, "text": k.text, "author": people.get(k.created_by), "created_at": _iso(k.created_at)}
            for k in rows]


def _dump(client: Any, people: dict[int, dict[str, str] | None], episodes: list, visits: list, amendments: dict[int, list],
          letters: dict[int, list], responses: list, intakes: list, corrections: dict[int, list]) -> dict[str, Any]:
    return {
        "id": client.id,
        "identifier": client.identifier,
        # Corrections and statements of disagreement about the client's details; those about a visit go with it.
        "corrections": _corrections(corrections.get(-client.id, []), people),
        "client": {"name": client.name, "date_of_birth": _iso(client.date_of_birth), "phone": client.phone,
                   "email": client.email, "medical": dict(client.medical or {}), "consent_given": client.consent_given,
                   "consent_date": _iso(client.consent_date), **{k: getattr(client, k) for k in CLIENT_DETAILS}},
        "episodes": [{"key": e.id, "started_on": _iso(e.started_on), "closed_on": _iso(e.closed_on),
                      "closed_by": people.get(e.closed_by), "discharge_reason": e.discharge_reason,
                      "discharge_note": e.discharge_note} for e in episodes],
        "visits": [{
            "key": v.id, "episode": v.episode_id, "visit_date": _iso(v.visit_date), "therapist": people.get(v.therapist_id),
            "case": ReadJson(v.case), "assessment": ReadJson(v.assessment), "kb_version": v.kb_version, "treatment_given": v.treatment_given,
            "soap": {"subjective": v.soap_subjective, "objective": v.soap_objective, "assessment": v.soap_assessment,
                     "plan": v.soap_plan},
            "signed_at": _iso(v.signed_at), "signer": people.get(v.signed_by), "created_at": _iso(v.created_at),
            "imported_at": _iso(v.imported_at), "handout_items": v.handout_items, "details": v.details,
            "amendments": [{"author": people.get(a.author_id), "text": a.text, "created_at": _iso(a.created_at)}
                           for a in amendments.get(v.id, [])],
            "letters": [{"addressee": lt.addressee, "urgency": lt.urgency, "body": lt.body,
                         "author": people.get(lt.created_by), "created_at": _iso(lt.created_at)}
                        for lt in letters.get(v.id, [])],
            "corrections": _corrections(corrections.get(v.id, []), people),
        } for v in visits],
        "questionnaires": [{"episode": r.episode_id, "visit": r.visit_id, "instrument": r.instrument, "answers": r.answers,
                            "score": r.score, "result": r.result, "complete": r.complete, "answered_on": _iso(r.answered_on),
                            "entered_by": people.get(r.entered_by), "mode": r.mode, "kb_version": r.kb_version,
                            "created_at": _iso(r.created_at)} for r in responses],
        "intakes": [{"submitted_at": _iso(i.submitted_at), "instruments": list(i.instruments), "answers": i.answers,
                     "case": i.case, "urgency": i.urgency, "screening": i.screening, "visit": i.visit_id}
                    for i in intakes],
    }
