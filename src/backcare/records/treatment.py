"""The treatment as given at a visit, and how the client responded.

Saved with the visit's note and locked with it. Every entry is checked
against the visit's contraindications (its stored assessment and the
knowledge base's `forbids`): what they rule out is refused with the reason,
unless the therapist records a clinical reason, which goes into the audit
log. Work on an area the client declined today is refused outright. The note
cannot be signed while it records sensitive-area work that no consent of
that visit covers (`_check_consents`, called by the signature itself).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clinical.knowledge.runtime import load_knowledge
from ..storage.models import Clinic, TreatmentRecord, User, Visit
from ..treatment import (AfterEffects, Given, Refusal, Response, Rules, Session as CourseSession, TechniqueCourse, TreatmentIn, as_planned,
                         consent_lines, course, entry_areas, entry_text, overridden, propose, signing_problems, soap_draft,
                         treatment_data, unresolved, visit_status)
from ..treatment.consent import declined as declined_areas
from .base import Actor, FieldErrors, RecordsBase, Refused, utc, validated
from .consents import ConsentRow


@dataclass(frozen=True)
class PreviousVisit:
    id: int
    visit_date: date
    given: Given | None


@dataclass(frozen=True)
class TreatmentView:
    """What the visit page shows of the treatment: the record, the consents, the last visit's treatment."""

    visit_id: int
    client_id: int
    pack: str
    record: TreatmentIn | None
    updated_at: datetime | None
    updated_by: str
    consents: list[ConsentRow]  # this visit's, and the client's general consents, oldest first
    previous: PreviousVisit | None

    @property
    def visit_consents(self) -> list[ConsentRow]:
        return [c for c in self.consents if c.visit_id == self.visit_id and c.scope == "areas"]

    @property
    def general_consents(self) -> list[ConsentRow]:
        return [c for c in self.consents if c.scope == "treatment"]


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def paper_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time for the note, which may leave the clinic: the month in words, the clinic's zone named."""
    if moment is None:
        return ""
    local = utc(moment).astimezone(zone)
    return f"{local.day} {local.strftime('%B %Y, %H:%M')} {local.strftime('%Z')}"


def refusal_messages(refused: list[Refusal]) -> dict[str, str]:
    """One message per form field: what is ruled out, every reason, and (for a technique) how to give it anyway."""
    by_field: dict[str, list[Refusal]] = {}
    for refusal in refused:
        by_field.setdefault(refusal.field, []).append(refusal)
    out = {}
    for field, found in by_field.items():
        what = "; ".join(dict.fromkeys(r.what for r in found))
        reasons = "; and ".join(dict.fromkeys(r.reason.rstrip(". ") for r in found))
        text = f"{what[:1].upper()}{what[1:]}: ruled out today because {reasons}."
        out[field] = text + (" Record a clinical reason to give it anyway." if found[0].entry is not None else "")
    return out


def _record_in(row: TreatmentRecord | None) -> TreatmentIn | None:
    if row is None:
        return None
    return TreatmentIn.model_validate({"given": row.given, "response": row.response, "after_effects": row.after_effects})


class TreatmentMixin(RecordsBase):
    @staticmethod
    def _pack(db: Session, clinic_id: int) -> str:
        return treatment_data().pack_id(db.scalar(select(Clinic.consent_pack).where(Clinic.id == clinic_id)))

    @staticmethod
    def _previous(db: Session, visit: Visit) -> PreviousVisit | None:
        row = db.execute(select(Visit.id, Visit.visit_date).where(
            Visit.client_id == visit.client_id, (Visit.visit_date < visit.visit_date)
            | ((Visit.visit_date == visit.visit_date) & (Visit.id < visit.id)))
            .order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(1)).first()
        if row is None:
            return None
        record = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == row.id))
        return PreviousVisit(row.id, row.visit_date, Given.model_validate(record.given) if record else None)

    def treatment_view(self, actor: Actor, visit_id: int) -> TreatmentView:
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
            row = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit.id))
            editor = db.get(User, row.updated_by) if row else None
            consents = self._consents(db, visit.client_id, visit.id)  # type: ignore[attr-defined] - from ConsentsMixin
            self._audit(db, actor, "treatment.read", client_id=visit.client_id, visit_id=visit.id)
            return TreatmentView(visit.id, visit.client_id, self._pack(db, actor.clinic_id), _record_in(row),
                                 utc(row.updated_at) if row else None, editor.name if editor else "", consents,
                                 self._previous(db, visit))

    def save_treatment(self, actor: Actor, visit_id: int, data: dict[str, Any]) -> list[str]:
        """Save the treatment as given (until the note is signed); returns the contraindications overridden.

        Refused, with the reason beside each part: what today's contraindications
        rule out without a clinical reason, and work on an area the client
        declined today. The drafted note follows the treatment unless the
        therapist has already edited it.
        """
        record: TreatmentIn = validated(TreatmentIn, data)
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
            self._may_edit(visit, actor)  # type: ignore[attr-defined] - from VisitsMixin
            return self._store(db, actor, visit, record)

    def record_as_planned(self, actor: Actor, visit_id: int) -> None:
        """One tap: the engine's plan becomes the treatment as given, without the areas declined today.

        The response so far (and the pain before, from today's findings) is kept,
        and the re-test worth doing is proposed.
        """
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
            self._may_edit(visit, actor)  # type: ignore[attr-defined] - from VisitsMixin
            consents = [c.fact for c in self._consents(db, visit.client_id, visit.id)  # type: ignore[attr-defined]
                        if c.visit_id == visit.id]
            kb = load_knowledge()
            handout = visit.handout_items
            given = as_planned(visit.assessment, visit.case, visit.details, kb, declined_areas(consents),
                               exercises=[i for i in handout if i in {s["id"] for s in visit.assessment.get("self_care", [])}]
                               if handout is not None else None)
            existing = _record_in(db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit.id)))
            response = existing.response if existing else Response()
            if response.pain_before is None:
                response.pain_before = visit.pain_nrs
            if response.retest is None:
                response.retest = propose(visit.case, visit.assessment)
            after = existing.after_effects if existing else AfterEffects()
            self._store(db, actor, visit, TreatmentIn(given=given, response=response, after_effects=after), "as planned")

    def _store(self, db: Session, actor: Actor, visit: Visit, record: TreatmentIn, how: str = "") -> list[str]:
        rules = Rules(visit.assessment, load_knowledge())
        errors = refusal_messages(unresolved(record.given, rules))
        consents = [c.fact for c in self._consents(db, visit.client_id, visit.id)  # type: ignore[attr-defined]
                    if c.visit_id == visit.id]
        refused_areas = declined_areas(consents)
        withdrawn = {a for c in consents if c.withdrawn_at is not None for a in c.areas}
        data = treatment_data()
        for n, entry in enumerate(record.given.entries):
            touched = entry_areas(entry) & refused_areas
            if touched and not (entry.until_withdrawal and touched <= withdrawn):
                declined_text = ("The client declined consent today for the " + " and ".join(data.areas[a].words for a in sorted(touched))
                                 + f": {entry_text(entry)} cannot be recorded.")
                errors[f"entries.{n}"] = " ".join(x for x in (errors.get(f"entries.{n}"), declined_text) if x)
        previous = self._previous(db, visit)
        if record.after_effects.of_visit is not None and (previous is None or record.after_effects.of_visit != previous.id):
            errors["after_effects"] = "After-effects are recorded for the client's previous visit only"
        if record.after_effects.effects and record.after_effects.of_visit is None:
            errors["after_effects"] = "There is no previous visit to record after-effects for"
        if errors:
            raise FieldErrors(dict(sorted(errors.items())))
        row = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit.id))
        before = self._draft_now(db, visit)
        if row is None:
            row = TreatmentRecord(clinic_id=actor.clinic_id, client_id=visit.client_id, visit_id=visit.id, updated_by=actor.user_id)
            db.add(row)
        row.given, row.response = record.given.model_dump(), record.response.model_dump()
        row.after_effects = record.after_effects.model_dump()
        row.updated_by, row.updated_at = actor.user_id, datetime.now(timezone.utc)
        self._redraft(db, visit, before)
        self._audit(db, actor, "treatment.save", client_id=visit.client_id, visit_id=visit.id,
                    detail=f"{len(record.given.entries)} techniques{', ' + how if how else ''}")
        overrides = overridden(record.given, rules)
        for refusal in overrides:
            self._audit(db, actor, "treatment.override", client_id=visit.client_id, visit_id=visit.id,
                        detail=f"{refusal.what} despite: {refusal.reason}")
        return [r.message for r in overrides]

    def _draft_now(self, db: Session, visit: Visit) -> dict[str, str]:
        """The note as it would be drafted now: the findings, the treatment, this visit's consents."""
        record = _record_in(db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit.id)))
        if record is None:
            return soap_draft(visit.case, visit.assessment, visit.details)
        consents = [c.fact for c in self._consents(db, visit.client_id, visit.id)  # type: ignore[attr-defined]
                    if c.visit_id == visit.id]
        zone = _zone(db.scalar(select(Clinic.timezone).where(Clinic.id == visit.clinic_id)))
        statuses = visit_status(visit.assessment.get("plan") or {}, record.given, consents, self._pack(db, visit.clinic_id))
        lines = consent_lines(statuses, [], lambda moment: paper_time(moment, zone))
        return soap_draft(visit.case, visit.assessment, visit.details, record.given, record.response, lines)

    def _redraft(self, db: Session, visit: Visit, before: dict[str, str]) -> None:
        """The drafted Objective and Plan follow the change, unless the therapist has edited the note."""
        if all(getattr(visit, f"soap_{k}") == before[k] for k in ("subjective", "objective", "assessment", "plan")):
            db.flush()
            note = self._draft_now(db, visit)
            visit.soap_objective, visit.soap_plan = note["objective"][:20_000], note["plan"][:20_000]

    def _check_consents(self, db: Session, visit: Visit) -> None:
        """Refuse to sign a note that records sensitive-area work without a consent of this visit covering it."""
        row = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit.id))
        if row is None:
            return
        consents = [c.fact for c in self._consents(db, visit.client_id, visit.id)  # type: ignore[attr-defined]
                    if c.visit_id == visit.id]
        problems = signing_problems(Given.model_validate(row.given), consents, self._pack(db, visit.clinic_id))
        if problems:
            raise FieldErrors({"sign": "The note cannot be signed yet: " + "; ".join(problems) + "."})

    def treatment_course(self, actor: Actor, visits: list[Any]) -> tuple[list[TechniqueCourse], list[tuple[date, date | None, str]]]:
        """Over these visits (one client's, oldest first): per technique, pain before and after and at the next visit;
        and each after-effect reported (the visit it was reported at, the visit it followed, what it was)."""
        ids = [v.id for v in visits]
        if not ids:
            return [], []
        with self._transaction(actor) as db:
            rows = {r.visit_id: r for r in db.scalars(select(TreatmentRecord).where(
                TreatmentRecord.visit_id.in_(ids), TreatmentRecord.clinic_id == actor.clinic_id))}
            if rows:
                self._audit(db, actor, "treatment.read", client_id=next(iter(rows.values())).client_id,
                            detail=f"{len(rows)} treatments for the progress page")
        sessions, reported = [], []
        effects = treatment_data().after_effects
        dates = {v.id: v.visit_date for v in visits}
        for n, v in enumerate(visits):
            row = rows.get(v.id)
            if row is None:
                continue
            after = row.after_effects or {}
            if after.get("effects") and after["effects"] != ["none"]:
                reported.append((v.visit_date, dates.get(after.get("of_visit")),
                                 "; ".join(effects.get(e, e) for e in after["effects"]) + (f" ({after['note']})" if after.get("note") else "")))
            response = row.response or {}
            nxt = visits[n + 1] if n + 1 < len(visits) else None
            next_pain = None
            if nxt is not None:
                next_pain = (rows[nxt.id].response or {}).get("pain_before") if nxt.id in rows else None
                next_pain = nxt.pain_nrs if next_pain is None else next_pain
            before = response.get("pain_before")
            sessions.append(CourseSession(v.visit_date, tuple(e["technique"] for e in row.given.get("entries", [])),
                                          v.pain_nrs if before is None else before, response.get("pain_after"), next_pain))
        return course(sessions), reported
