"""A client's whole record as plain data, out (for FHIR and CSV) and back in (a clinic moving servers).

`export_clients` reads everything of a client: details, episodes, visits with
their notes, signatures, amendments and referral letters, questionnaires, the
intakes the client sent (with their screening, and the visit that took each
up), and the home programme with its ticks and weekly check-ins
(homecare_exchange).
People are named by e-mail and name, never by this server's ids. `import_client`
writes such a record into the actor's clinic as it was: signed notes stay
signed (and so locked), with their signer and time; a therapist missing from
this clinic is added as an inactive account that cannot sign in. An imported
intake hangs on a spent link whose token nobody knows: links still waiting for
a client are not moved (their tokens exist only in the message the client got),
so the therapist sends a new one from the new server.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..storage.models import Amendment, Client, Episode, Intake, IntakeLink, QuestionnaireResponse, ReferralLetter, User, Visit
from .base import Actor, RecordsBase, utc
from . import homecare_exchange
from .treatment import TreatmentMixin
from .clients import ClientIn, normalise, search_text
from .links import unusable_hash
from .users import hash_password, normalise_email


def _person(user: User | None) -> dict[str, str] | None:
    return {"email": user.email, "name": user.name} if user else None


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return utc(value).isoformat() if isinstance(value, datetime) else value.isoformat()


# The client's details beyond name and contact: they move with the record (FHIR: gender, address,
# generalPractitioner, contact, and backcare's extension for the rest).
CLIENT_DETAILS = ("sex", "address", "occupation", "family_doctor", "family_doctor_contact", "emergency_contact",
                  "medications", "allergies")


class ExchangeMixin(RecordsBase):
    def export_clients(self, actor: Actor, client_id: int | None = None, purpose: str = "export") -> list[dict[str, Any]]:
        """One client (or, for an admin, every client of the clinic) as plain data; each is audited."""
        if client_id is None:
            self._require_admin(actor)
        with self._transaction(actor) as db:
            if client_id is not None:
                clients = [self._client(db, client_id, actor)]  # type: ignore[attr-defined] - from ClientsMixin
            else:
                clients = list(db.scalars(select(Client).where(Client.clinic_id == actor.clinic_id).order_by(Client.id)))
            users = {u.id: u for u in db.scalars(select(User).where(User.clinic_id == actor.clinic_id))}
            out = [self._dump(db, client, users) for client in clients]
            for client in clients:
                self._audit(db, actor, purpose, client_id=client.id)
            return out

    @staticmethod
    def _dump(db: Session, client: Client, users: dict[int, User]) -> dict[str, Any]:
        episodes = list(db.scalars(select(Episode).where(Episode.client_id == client.id).order_by(Episode.id)))
        visits = list(db.scalars(select(Visit).where(Visit.client_id == client.id).order_by(Visit.visit_date, Visit.id)
                                 .options(selectinload(Visit.amendments))))
        letters: dict[int, list[ReferralLetter]] = {}
        for letter in db.scalars(select(ReferralLetter).where(ReferralLetter.client_id == client.id).order_by(ReferralLetter.id)):
            letters.setdefault(letter.visit_id, []).append(letter)
        responses = list(db.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.client_id == client.id)
                                    .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)))
        intakes = db.execute(select(Intake, IntakeLink.instruments).join(IntakeLink, IntakeLink.id == Intake.link_id)
                             .where(Intake.client_id == client.id).order_by(Intake.submitted_at, Intake.id)).all()
        return {
            "id": client.id,
            "client": {"name": client.name, "date_of_birth": _iso(client.date_of_birth), "phone": client.phone,
                       "email": client.email, "medical": dict(client.medical or {}), "consent_given": client.consent_given,
                       "consent_date": _iso(client.consent_date), **{k: getattr(client, k) for k in CLIENT_DETAILS}},
            "episodes": [{"key": e.id, "started_on": _iso(e.started_on), "closed_on": _iso(e.closed_on),
                          "closed_by": _person(users.get(e.closed_by)), "discharge_reason": e.discharge_reason,
                          "discharge_note": e.discharge_note} for e in episodes],
            "visits": [{
                "key": v.id, "episode": v.episode_id, "visit_date": _iso(v.visit_date), "therapist": _person(users.get(v.therapist_id)),
                "case": v.case, "assessment": v.assessment, "kb_version": v.kb_version, "treatment_given": v.treatment_given,
                "soap": {"subjective": v.soap_subjective, "objective": v.soap_objective, "assessment": v.soap_assessment,
                         "plan": v.soap_plan},
                "signed_at": _iso(v.signed_at), "signer": _person(users.get(v.signed_by)), "created_at": _iso(v.created_at),
                "handout_items": v.handout_items, "details": v.details,
                "amendments": [{"author": _person(users.get(a.author_id)), "text": a.text, "created_at": _iso(a.created_at)}
                               for a in v.amendments],
                "letters": [{"addressee": lt.addressee, "urgency": lt.urgency, "body": lt.body,
                             "author": _person(users.get(lt.created_by)), "created_at": _iso(lt.created_at)}
                            for lt in letters.get(v.id, [])],
            } for v in visits],
            "questionnaires": [{"episode": r.episode_id, "visit": r.visit_id, "instrument": r.instrument, "answers": r.answers,
                                "score": r.score, "result": r.result, "complete": r.complete, "answered_on": _iso(r.answered_on),
                                "entered_by": _person(users.get(r.entered_by)), "mode": r.mode, "kb_version": r.kb_version,
                                "created_at": _iso(r.created_at)} for r in responses],
            "intakes": [{"submitted_at": _iso(i.submitted_at), "instruments": list(instruments), "answers": i.answers,
                         "case": i.case, "urgency": i.urgency, "screening": i.screening, "visit": i.visit_id}
                        for i, instruments in intakes],
            # The treatment as given at each visit, and the client's consents (records/treatment.py).
            **TreatmentMixin._dump_treatment(db, client.id, lambda uid: _person(users.get(uid))),
            "homecare": homecare_exchange.dump(db, client, users),
        }

    def import_client(self, actor: Actor, record: dict[str, Any]) -> int:
        """Write one exported client into the actor's clinic (admins only); returns the new client's id."""
        self._require_admin(actor)
        details: ClientIn = ClientIn.model_validate(record["client"])
        with self._transaction(actor) as db:
            people: dict[str, int] = {}

            def user(person: dict[str, str] | None) -> int | None:
                return None if person is None else self._user_for(db, actor, person, people)

            values = details.model_dump()
            client = Client(clinic_id=actor.clinic_id, created_by=actor.user_id, **values, name_norm=normalise(values["name"]),
                            search_norm=search_text(values["name"], values["email"], values["phone"]))
            db.add(client)
            db.flush()
            episodes: dict[Any, int] = {}
            for e in record["episodes"]:
                row = Episode(clinic_id=actor.clinic_id, client_id=client.id, started_on=date.fromisoformat(e["started_on"]),
                              closed_on=date.fromisoformat(e["closed_on"]) if e["closed_on"] else None,
                              closed_by=user(e["closed_by"]), discharge_reason=e["discharge_reason"], discharge_note=e["discharge_note"])
                db.add(row)
                db.flush()
                episodes[e["key"]] = row.id
            closed = [date.fromisoformat(e["closed_on"]) for e in record["episodes"] if e["closed_on"]]
            if closed and len(closed) == len(record["episodes"]):  # every episode closed: discharged, as at home
                client.discharged_on = max(closed)
            visits: dict[Any, int] = {}
            for v in record["visits"]:
                row = Visit(clinic_id=actor.clinic_id, client_id=client.id, episode_id=episodes.get(v["episode"]),
                            therapist_id=user(v["therapist"]) or actor.user_id, visit_date=date.fromisoformat(v["visit_date"]),
                            case=v["case"], assessment=v["assessment"], kb_version=v["kb_version"],
                            pain_nrs=(v["case"].get("symptoms") or {}).get("pain_nrs"),
                            referral=v["assessment"]["referral"]["urgency"],
                            lead_condition=v["assessment"]["differential"][0]["name"][:100] if v["assessment"]["differential"] else "",
                            treatment_given=v["treatment_given"], soap_subjective=v["soap"]["subjective"],
                            soap_objective=v["soap"]["objective"], soap_assessment=v["soap"]["assessment"],
                            soap_plan=v["soap"]["plan"], signed_at=_when(v["signed_at"]), signed_by=user(v["signer"]),
                            created_at=_when(v["created_at"]), handout_items=v["handout_items"], details=v["details"])
                db.add(row)
                db.flush()
                visits[v["key"]] = row.id
                for a in v["amendments"]:
                    db.add(Amendment(visit_id=row.id, author_id=user(a["author"]) or actor.user_id, text=a["text"],
                                     created_at=_when(a["created_at"])))
                for lt in v["letters"]:
                    db.add(ReferralLetter(clinic_id=actor.clinic_id, client_id=client.id, visit_id=row.id,
                                          addressee=lt["addressee"], urgency=lt["urgency"], body=lt["body"],
                                          created_by=user(lt["author"]) or actor.user_id, created_at=_when(lt["created_at"])))
            for q in record["questionnaires"]:
                episode_id = episodes.get(q["episode"]) or self._open_episode(  # type: ignore[attr-defined] - OutcomesMixin
                    db, actor.clinic_id, client, date.fromisoformat(q["answered_on"])).id
                db.add(QuestionnaireResponse(
                    clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode_id, visit_id=visits.get(q["visit"]),
                    instrument=q["instrument"], answers=q["answers"], score=q["score"], result=q["result"], complete=q["complete"],
                    answered_on=date.fromisoformat(q["answered_on"]), entered_by=user(q["entered_by"]) or actor.user_id,
                    mode=q["mode"], kb_version=q["kb_version"], created_at=_when(q["created_at"])))
            for i in record.get("intakes", []):  # absent from records exported before intakes existed
                self._import_intake(db, actor, client.id, i, visits.get(i["visit"]))
            db.flush()
            self._import_treatment(db, actor, client.id, record, visits, user)  # type: ignore[attr-defined] - TreatmentMixin
            check_ins = homecare_exchange.restore(  # absent from records exported before the home programme existed
                db, actor, client, record.get("homecare", {}),
                lambda key, on: episodes.get(key) or self._open_episode(db, actor.clinic_id, client, on).id,  # type: ignore[attr-defined]
                visits, user)
            dates = [date.fromisoformat(v["visit_date"]) for v in record["visits"]]
            client.last_visit_date = max(dates) if dates else None
            self._audit(db, actor, "import", client_id=client.id, detail=f"{len(visits)} visits, {len(record['questionnaires'])} questionnaires, "
                        f"{len(record.get('intakes', []))} intakes, {check_ins} check-ins")
            return client.id

    @staticmethod
    def _import_intake(db: Session, actor: Actor, client_id: int, intake: dict[str, Any], visit_id: int | None) -> None:
        submitted = _when(intake["submitted_at"])
        # A spent link for the intake to hang on; its token is random and thrown away, so it opens nothing.
        link = IntakeLink(clinic_id=actor.clinic_id, client_id=client_id, token_hash=unusable_hash(),
                          instruments=intake["instruments"], created_by=actor.user_id, created_at=submitted, expires_at=submitted,
                          spent_at=submitted)
        db.add(link)
        db.flush()
        db.add(Intake(clinic_id=actor.clinic_id, client_id=client_id, link_id=link.id, submitted_at=submitted,
                      answers=intake["answers"], case=intake["case"], urgency=intake["urgency"], screening=intake["screening"],
                      visit_id=visit_id))

    @staticmethod
    def _user_for(db: Session, actor: Actor, person: dict[str, str], seen: dict[str, int]) -> int:
        """This clinic's account for a person of the exported record, added (inactive) when missing."""
        key = email = normalise_email(person["email"])
        if key in seen:
            return seen[key]
        found = db.scalar(select(User).where(User.email == email))
        if found is not None and found.clinic_id != actor.clinic_id:
            # The address belongs to an account of another clinic: keep the person under a stand-in address.
            email = f"imported-{hashlib.sha256(email.encode()).hexdigest()[:12]}@import.invalid"
            found = db.scalar(select(User).where(User.email == email))
        if found is None:
            found = User(clinic_id=actor.clinic_id, email=email, name=person["name"][:200], role="therapist",
                         password_hash=hash_password(secrets.token_urlsafe(32)), active=False)
            db.add(found)
            db.flush()
        seen[key] = found.id
        return found.id


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
