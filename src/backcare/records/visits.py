"""Visits: the findings and assessment as given, the SOAP note, signing and amendments.

Only the treating therapist edits and signs a visit's note; once signed it never
changes, and corrections are dated amendments by the treating therapist or an
admin. Saving and signing is one transaction: a refused signature saves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import bindparam, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session, selectinload

from ..clinical import soap
from ..clinical.api import assess_data
from ..clinical.caseio import parse_case
from ..clinical.errors import CaseError
from ..clinical.vocabulary import vocabulary
from ..safetext import NOTE, SafeText
from ..storage.models import Amendment, User, Visit, VisitDraft
from .base import EARLIEST_DATE, Actor, FieldErrors, Forbidden, Locked, RecordsBase, Refused, in_range, storable_text, validated

TIMELINE_PAGE = 20
PALPATION_KINDS = ("hypertonic", "trigger_points", "reproduces_familiar_pain", "tender", "not_tender")
SIDES = ("left", "right")


class VisitDetails(BaseModel):
    """What the form records beyond the case format: the side of each palpation finding.

    The case lists a structure once; the sides are kept here for the note and the next visit.
    """

    model_config = ConfigDict(extra="forbid")

    palpation_sides: dict[str, dict[str, list[str]]] = {}

    @field_validator("palpation_sides")
    @classmethod
    def _known(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        structures = {**vocabulary().structures, **vocabulary().landmarks}  # tenderness is felt at landmarks too
        for kind, by_structure in value.items():
            if kind not in PALPATION_KINDS:
                raise ValueError(f"unknown palpation finding {kind!r}")
            for structure, sides in by_structure.items():
                if structure not in structures or not sides or not set(sides) <= set(SIDES):
                    raise ValueError(f"palpation {kind}: {structure!r} needs left, right or both")
        return value


def _keep_medical_history(client, case: dict[str, Any]) -> None:
    """The medical history asked at a visit is the client's: each answer given (yes or no) replaces the
    one on record, and a question not asked leaves it as it was."""
    answered = case.get("medical") or {}
    kept = {**(client.medical or {}), **answered}
    if answered and kept != client.medical:  # unchanged, the client stays clean: nothing for the flush to compare
        client.medical = kept


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visit_date: date
    case: dict[str, Any]
    treatment_given: SafeText(NOTE) = ""
    details: VisitDetails | None = None

    @field_validator("visit_date")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not (EARLIEST_DATE <= value <= date.today()):
            raise ValueError("the visit date must be between 1900 and today")
        return value


class SoapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjective: SafeText(NOTE) = ""
    objective: SafeText(NOTE) = ""
    assessment: SafeText(NOTE) = ""
    plan: SafeText(NOTE) = ""
    treatment_given: SafeText(NOTE) = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One visit as the client's timeline shows it: no findings, no assessment JSON."""

    id: int
    visit_date: date
    therapist: str
    pain_nrs: int | None
    referral: str
    lead_condition: str
    signed: bool


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    next_before: int | None  # pass as `before` for older visits; None when there are none
    first_number: int = 0  # the first entry is the client's visit number this (the first visit is 1)


# Statements every save runs, built once. No draft is loaded in a session, so the delete has nothing there to bring
# in line.
_ADD_VISIT = insert(Visit).returning(Visit.id, Visit.created_at)
_DROP_DRAFT = delete(VisitDraft).where(
    VisitDraft.therapist_id == bindparam("therapist"), VisitDraft.client_id == bindparam("client"),
    VisitDraft.kind == bindparam("kind"), VisitDraft.target == bindparam("target")).execution_options(synchronize_session=False)


def allowed(choice: dict[str, Any]) -> bool:
    """A self-care item this visit's findings allow on a handout."""
    return not (choice["no_treatment"] or choice["ruled_out_by"] or choice["aggravates"])


class VisitsMixin(RecordsBase):
    @staticmethod
    def _visit(db: Session, visit_id: int, actor: Actor, fresh: bool = False) -> Visit:
        query = select(Visit).where(Visit.id == visit_id).options(
            selectinload(Visit.client), selectinload(Visit.therapist), selectinload(Visit.signer),
            selectinload(Visit.amendments).selectinload(Amendment.author))
        if fresh:  # after a change in this transaction: load the relationships again (the signer, a new amendment)
            query = query.execution_options(populate_existing=True)
        visit = db.scalar(query) if in_range(visit_id) else None
        if visit is None or visit.clinic_id != actor.clinic_id:
            raise Refused("visit", visit_id, visit.clinic_id if visit else None)
        return visit

    def _read_back(self, db: Session, actor: Actor, visit_id: int) -> Visit:
        """The visit as just saved, read in the saving transaction and audited there: a save that answers
        with what it saved is one write transaction, not two (each a turn at the database's one writer)."""
        db.flush()
        visit = self._visit(db, visit_id, actor, fresh=True)
        self._audit(db, actor, "visit.read", client_id=visit.client_id, visit_id=visit.id)
        return visit

    @staticmethod
    def _assessed(data: VisitIn | dict[str, Any]) -> tuple[VisitIn, dict[str, Any], dict[str, Any], SoapIn]:
        """Validate a visit's findings (unless given as a VisitIn, checked already) and assess them; the drafted
        note obeys the note's own limits."""
        visit_in: VisitIn = data if isinstance(data, VisitIn) else validated(VisitIn, data)
        try:
            case = parse_case(visit_in.case).findings()
        except CaseError as exc:
            raise FieldErrors({p.split(": ", 1)[0]: p.split(": ", 1)[-1] for p in exc.problems}) from None
        assessment = assess_data(case)
        details = visit_in.details.model_dump() if visit_in.details else None
        # Never commit what cannot be read back.
        note: SoapIn = validated(SoapIn, soap.draft(case, assessment, details))
        return visit_in, case, assessment, note

    @staticmethod
    def _drop_draft(db: Session, actor: Actor, kind: str, client_id: int, visit_id: int | None) -> None:
        db.execute(_DROP_DRAFT, {"therapist": actor.user_id, "client": client_id, "kind": kind,
                                 "target": "" if visit_id is None else str(visit_id)})

    def create_visit(self, actor: Actor, client_id: int, data: VisitIn | dict[str, Any], intake_id: int | None = None,
                     read_back: bool = False) -> int | Visit:
        """Save a new visit; the therapist's draft of it goes in the same transaction, and the client's
        intake it started from (if any) is marked as taken up. Returns its id, or with `read_back`
        the visit as saved (its reading audited in the same transaction): its columns as written, no
        signer and no amendments yet (its relationships are not loaded)."""
        visit_in, case, assessment, note = self._assessed(data)
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episode = self._open_episode(db, actor.clinic_id, client, visit_in.visit_date)  # type: ignore[attr-defined] - OutcomesMixin
            values = dict(clinic_id=actor.clinic_id, client_id=client.id, therapist_id=actor.user_id, episode_id=episode.id,
                          visit_date=visit_in.visit_date, case=case, assessment=assessment,
                          kb_version=assessment["knowledge_base"]["version"],
                          pain_nrs=(case.get("symptoms") or {}).get("pain_nrs"),
                          referral=assessment["referral"]["urgency"],
                          lead_condition=assessment["differential"][0]["name"][:100],
                          treatment_given=visit_in.treatment_given,
                          soap_subjective=note.subjective, soap_objective=note.objective,
                          soap_assessment=note.assessment, soap_plan=note.plan,
                          details=visit_in.details.model_dump() if visit_in.details else None)
            # One plain insert: the ORM's unit of work, walking every relationship a visit has, cost a save 0.4-0.5 ms.
            visit_id, created_at = db.connection().execute(_ADD_VISIT, values).one()
            if client.last_visit_date is None or client.last_visit_date < visit_in.visit_date:
                client.last_visit_date = visit_in.visit_date
            _keep_medical_history(client, case)
            self._drop_draft(db, actor, "new", client.id, None)
            if intake_id is not None:
                self._take_up(db, actor, intake_id, client.id, visit_id)  # type: ignore[attr-defined] - IntakeMixin
            self._audit(db, actor, "visit.create", client_id=client.id, visit_id=visit_id)
            if not read_back:
                return visit_id
            self._audit(db, actor, "visit.read", client_id=client.id, visit_id=visit_id)
            # Kept out of the session: what was written, for the answer (no lazy loads, nothing to insert twice).
            visit = Visit(id=visit_id, created_at=created_at, **values)
            visit.signer, visit.amendments = None, []
            return visit

    def update_findings(self, actor: Actor, visit_id: int, data: dict[str, Any]) -> bool:
        """Replace an unsigned visit's findings and assessment (treating therapist only).

        The drafted note follows the new findings unless the therapist has
        already edited it; then their text stays. Returns True when the note was
        redrafted. The handout choice goes back to the engine's.
        """
        visit_in, case, assessment, note = self._assessed(data)
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            # What the note was drafted as: the findings, and the treatment and consents when recorded (TreatmentMixin).
            previous = self._draft_now(db, visit)  # type: ignore[attr-defined]
            untouched = all(getattr(visit, f"soap_{k}") == previous[k] for k in ("subjective", "objective", "assessment", "plan"))
            visit.visit_date, visit.case, visit.assessment = visit_in.visit_date, case, assessment
            visit.kb_version = assessment["knowledge_base"]["version"]
            visit.pain_nrs = (case.get("symptoms") or {}).get("pain_nrs")
            visit.referral = assessment["referral"]["urgency"]
            visit.lead_condition = assessment["differential"][0]["name"][:100]
            visit.treatment_given = visit_in.treatment_given
            visit.details = visit_in.details.model_dump() if visit_in.details else None
            visit.handout_items = None
            visit.updated_at = datetime.now(timezone.utc)
            if visit.episode_id is not None:
                self._date_episode(db, visit.episode_id)  # type: ignore[attr-defined] - OutcomesMixin
            if untouched:
                db.flush()
                note = validated(SoapIn, self._draft_now(db, visit))  # type: ignore[attr-defined]
                visit.soap_subjective, visit.soap_objective = note.subjective, note.objective
                visit.soap_assessment, visit.soap_plan = note.assessment, note.plan
            client = visit.client
            if client.last_visit_date is None or client.last_visit_date <= visit_in.visit_date:
                client.last_visit_date = visit_in.visit_date
                _keep_medical_history(client, case)  # only the latest visit speaks for the client's history now
            self._drop_draft(db, actor, "findings", visit.client_id, visit.id)
            self._audit(db, actor, "visit.update", client_id=visit.client_id, visit_id=visit.id,
                        detail="note redrafted" if untouched else "note text kept")
            return untouched

    def set_handout(self, actor: Actor, visit_id: int, items: list[str] | None) -> None:
        """Choose and order the handout's exercises (until the note is signed); None: back to the default.

        Only items the engine allows for this visit's findings may be chosen: a
        contraindicated or aggravating exercise can never reach a handout.
        """
        from ..clinical.engine import self_care_choices
        from ..clinical.knowledge.runtime import load_knowledge

        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            if items is None:
                visit.handout_items = None
                self._audit(db, actor, "visit.handout", client_id=visit.client_id, visit_id=visit.id, detail="default")
                return
            choices = {c["id"]: c for c in self_care_choices(visit.case, load_knowledge())}
            items = list(dict.fromkeys(items))
            refused = [i for i in items if i not in choices or not allowed(choices[i])]
            if refused:
                raise FieldErrors({"handout": "These cannot go on this client's handout: " + ", ".join(
                    choices[i]["title"] if i in choices else "an unknown item" for i in refused)})
            if len(items) > 20:
                raise FieldErrors({"handout": "Choose at most 20 items"})
            visit.handout_items = items
            self._audit(db, actor, "visit.handout", client_id=visit.client_id, visit_id=visit.id, detail=", ".join(items))

    def get_visit(self, actor: Actor, visit_id: int, purpose: str = "visit.read") -> Visit:
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._audit(db, actor, purpose, client_id=visit.client_id, visit_id=visit.id)
            return visit

    def timeline(self, actor: Actor, client_id: int, before: int | None = None, limit: int = TIMELINE_PAGE) -> Timeline:
        """A client's visits, newest first, a page at a time, from the visit's summary columns."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            query = (select(Visit.id, Visit.visit_date, User.name, Visit.pain_nrs, Visit.referral, Visit.lead_condition,
                            Visit.signed_at)
                     .join(User, User.id == Visit.therapist_id).where(Visit.client_id == client_id))
            if before is not None and in_range(before):
                anchor = db.execute(select(Visit.visit_date, Visit.id).where(
                    Visit.id == before, Visit.client_id == client_id)).first()
                if anchor is not None:
                    query = query.where(tuple_(Visit.visit_date, Visit.id) < tuple_(anchor.visit_date, anchor.id))
            found = db.execute(query.order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(limit + 1)).all()
            entries = [TimelineEntry(r.id, r.visit_date, r.name, r.pain_nrs, r.referral, r.lead_condition,
                                     r.signed_at is not None) for r in found[:limit]]
            self._audit(db, actor, "visit.list", client_id=client_id, detail=f"{len(entries)} visits shown")
            number = 0
            if entries:  # counted in the client's own index: the oldest visit is 1, whatever the page
                number = db.scalar(select(func.count()).select_from(Visit).where(
                    Visit.client_id == client_id,
                    tuple_(Visit.visit_date, Visit.id) <= tuple_(entries[0].visit_date, entries[0].id)))
            return Timeline(entries, entries[-1].id if len(found) > limit else None, number)

    def last_findings(self, actor: Actor, client_id: int) -> tuple[date, dict[str, Any], dict[str, Any] | None] | None:
        """The latest visit's date, findings and details, for a new visit to start from (audited)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            row = db.execute(select(Visit.id, Visit.visit_date, Visit.case, Visit.details).where(Visit.client_id == client_id)
                             .order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(1)).first()
            if row is None:
                return None
            self._audit(db, actor, "visit.read", client_id=client_id, visit_id=row.id, detail="to carry forward")
            return row.visit_date, row.case, row.details

    def pain_scores(self, actor: Actor, client_id: int) -> list[tuple[date, int]]:
        """Every recorded pain score of a client, oldest first (two small columns)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = db.execute(select(Visit.visit_date, Visit.pain_nrs).where(
                Visit.client_id == client_id, Visit.pain_nrs.is_not(None)).order_by(Visit.visit_date, Visit.id)).all()
            return [(r.visit_date, r.pain_nrs) for r in rows]

    @staticmethod
    def _may_edit(visit: Visit, actor: Actor) -> None:
        if visit.signed_at is not None:
            raise Locked("signed")
        if visit.therapist_id != actor.user_id:
            raise Forbidden("only the treating therapist edits and signs this note")

    def save_soap(self, actor: Actor, visit_id: int, data: dict[str, Any], sign: bool = False,
                  read_back: bool = False) -> Visit | None:
        """Save the draft note; with `sign`, sign it in the same transaction (all or nothing); with
        `read_back`, return the visit as saved."""
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            note: SoapIn = validated(SoapIn, data)
            visit.soap_subjective, visit.soap_objective = note.subjective, note.objective
            visit.soap_assessment, visit.soap_plan = note.assessment, note.plan
            visit.treatment_given = note.treatment_given
            self._drop_draft(db, actor, "soap", visit.client_id, visit.id)
            self._audit(db, actor, "soap.save", client_id=visit.client_id, visit_id=visit.id)
            if sign:
                self._sign(db, visit, actor)
            return self._read_back(db, actor, visit.id) if read_back else None

    def sign(self, actor: Actor, visit_id: int, read_back: bool = False) -> Visit | None:
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            self._sign(db, visit, actor)
            return self._read_back(db, actor, visit.id) if read_back else None

    def _sign(self, db: Session, visit: Visit, actor: Actor) -> None:
        # Sensitive-area work without a consent of this visit is refused here, in the signature itself.
        self._check_consents(db, visit)  # type: ignore[attr-defined] - from TreatmentMixin
        visit.signed_at, visit.signed_by = datetime.now(timezone.utc), actor.user_id
        # A signed visit never changes: drafts of its findings or note have nothing left to become.
        db.execute(delete(VisitDraft).where(VisitDraft.visit_id == visit.id))
        self._audit(db, actor, "soap.sign", client_id=visit.client_id, visit_id=visit.id)

    def amend(self, actor: Actor, visit_id: int, text: str, read_back: bool = False) -> Visit | None:
        text = text.strip()
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            if visit.therapist_id != actor.user_id and not actor.is_admin:
                raise Forbidden("only the treating therapist or an admin amends this note")
            if not text:
                raise FieldErrors({"amendment": "Write the correction"})
            if len(text) > NOTE:
                raise FieldErrors({"amendment": f"Keep an amendment under {NOTE:,} characters"})
            storable_text("amendment", "The amendment", text)
            if visit.signed_at is None:
                raise FieldErrors({"amendment": "Edit the note directly until it is signed"})
            db.add(Amendment(visit_id=visit.id, author_id=actor.user_id, text=text))
            self._drop_pdfs(db, visit.id)  # type: ignore[attr-defined] - from PdfsMixin: its papers now say more
            self._audit(db, actor, "soap.amend", client_id=visit.client_id, visit_id=visit.id)
            return self._read_back(db, actor, visit.id) if read_back else None

