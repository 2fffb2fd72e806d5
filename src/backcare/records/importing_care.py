"""Importing the treatment sessions, consents and the home programme of an imported record (records.importing).

Each is checked by the models the visit page and the client's own page use
(the treatment as given, a consent, a programme's items, a week's check-in)
and by the rules that hold between them: a session's after-effects name an
earlier visit of the same client, a consent to sensitive areas belongs to a
visit, a tick or a check-in's "how it felt" names an exercise of the episode's
programme, one tick per exercise a day and one check-in a week. A check-in is
screened again and keeps the higher urgency, so an emergency not yet seen stays
flagged after the move.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from ..homecare import MAX_ITEMS, CheckInAnswers, CheckInError, ProgrammeItem, screen_check_in, validate, week_of
from ..homecare.checkin import RANK
from ..safetext import NOTE, SafeText, check_text
from ..storage.models import CheckIn, Client, ExerciseTick, HomeProgramme, TreatmentConsent, TreatmentRecord
from ..treatment import ConsentIn, TreatmentIn, treatment_data
from .base import FieldErrors
from .import_checks import Person, Strict, checked, plausible_day, plausible_time

Urgency = Literal["none", "routine", "urgent", "emergency"]


class SessionIn(Strict):
    updated_at: AwareDatetime
    updated_by: Person | None = None

    _time = field_validator("updated_at")(plausible_time)


class ConsentRecordIn(Strict):
    """What a consent carries beyond what the therapist or client gives (ConsentIn)."""

    pack: SafeText(20) = ""
    taken_by: Person | None = None
    given_at: AwareDatetime
    withdrawn_at: AwareDatetime | None = None
    withdrawn_note: SafeText(500) = ""

    _time = field_validator("given_at", "withdrawn_at")(plausible_time)


class ProgrammeIn(Strict):
    items: list[ProgrammeItem] = Field(max_length=MAX_ITEMS)
    kb_version: SafeText(40) = ""
    created_at: AwareDatetime
    created_by: Person | None = None

    _time = field_validator("created_at")(plausible_time)

    @field_validator("items")
    @classmethod
    def _storable(cls, items: list[ProgrammeItem]) -> list[ProgrammeItem]:
        for item in items:
            for text in (item.id, item.title, item.instructions, item.frequency, item.replaces or ""):
                check_text(text)
        return items


class TickIn(Strict):
    item: SafeText(60, 1)
    done_on: date

    _day = field_validator("done_on")(plausible_day)


class FlagIn(Strict):
    id: SafeText(100, 1)
    evidence: list[SafeText(500)] = Field(max_length=50)


class CheckInScreeningIn(Strict):
    urgency: Urgency
    answered_yes: list[SafeText(100)] = Field(default=[], max_length=50)
    red_flags: list[FlagIn] = Field(max_length=50)
    advice: SafeText(NOTE) | None = None
    tell_client: SafeText(NOTE) | None = None


class CheckInRowIn(Strict):
    week_of: date
    submitted_at: AwareDatetime
    urgency: Urgency
    screening: CheckInScreeningIn
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: Person | None = None
    clinic_alerted_at: AwareDatetime | None = None

    _day = field_validator("week_of")(plausible_day)
    _time = field_validator("submitted_at", "acknowledged_at", "clinic_alerted_at")(plausible_time)


class CareImporter:
    """The care parts of `_Importer` (records.importing): it provides the state and the writing helpers used here."""

    def _care_state(self) -> None:
        self.sessions: dict[Any, tuple[str, TreatmentIn, Any, SessionIn]] = {}  # visit key -> its session, until written
        self.exercises: dict[int, set[str]] = {}  # episode id -> the items its programmes hold
        self.ticked: set[tuple[int, str, date]] = set()
        self.weeks: set[tuple[int, date]] = set()

    def _episode_of(self, item: dict[str, Any], client_id: int, on: date) -> int:
        """The episode an item names, or the client's open one (opened on `on`), as a normal save finds it."""
        return self.episodes.get(item["episode"]) or self.records._open_episode(  # type: ignore[attr-defined] - OutcomesMixin
            self.db, self.actor.clinic_id, self.db.get(Client, client_id), on).id

    # --- the treatment as given, with its visit --------------------------------------------------

    def _session(self, key: Any, source: str, session: dict[str, Any]) -> None:
        where = f"{source}, extension treatment"
        after = dict(session["after_effects"])
        of_visit = after.pop("of_visit", None)
        record: TreatmentIn = checked(TreatmentIn, {**session, "after_effects": after}, where)
        if record.after_effects.effects and of_visit is None:
            raise FieldErrors({f"{where}, after_effects": "There is no previous visit to record after-effects for"})
        self.sessions[key] = (where, record, of_visit, checked(SessionIn, session, where))

    def _write_sessions(self, written: list[tuple[Any, int, int]]) -> None:
        """The sessions of visits just written ((key, visit id, client id) each)."""
        rows = []
        for key, visit_id, client_id in written:
            found = self.sessions.pop(key, None)
            if found is None:
                continue
            where, record, of_visit, meta = found
            after = record.after_effects.model_dump()
            if of_visit is not None:
                earlier = self.visits.get(of_visit)
                if earlier is None or earlier[1] != client_id:
                    raise FieldErrors({f"{where}, after_effects.of_visit": "Names a visit of another client"})
                after["of_visit"] = earlier[0]
            rows.append({"clinic_id": self.actor.clinic_id, "client_id": client_id, "visit_id": visit_id,
                         "given": record.given.model_dump(), "response": record.response.model_dump(), "after_effects": after,
                         "updated_by": self._user(meta.updated_by, False) or self.actor.user_id, "updated_at": meta.updated_at})
        if rows:
            self.conn.execute(TreatmentRecord.__table__.insert(), rows)

    # --- consents ---------------------------------------------------------------------------------

    def _consent(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        given: ConsentIn = checked(ConsentIn, item, source)
        meta: ConsentRecordIn = checked(ConsentRecordIn, item, source)
        if meta.withdrawn_at is not None and meta.withdrawn_at < meta.given_at:
            raise FieldErrors({f"{source}, provision.period.end": "The consent is withdrawn before it was given"})
        visit = self.visits[item["visit"]] if item.get("visit") is not None else None
        if given.scope == "areas" and visit is None:
            raise FieldErrors({f"{source}, extension encounter": "A consent to sensitive areas belongs to a visit"})
        client_id = self.clients[item["client"]]
        if visit is not None and visit[1] != client_id:
            raise FieldErrors({f"{source}, extension encounter": "Names a visit of another client"})
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "visit_id": visit[0] if visit else None,
                      **given.model_dump(), "pack": treatment_data().pack_id(meta.pack),
                      "taken_by": self._user(meta.taken_by, True) or self.actor.user_id, "given_at": meta.given_at,
                      "withdrawn_at": meta.withdrawn_at, "withdrawn_note": meta.withdrawn_note}

    def _write_consent(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(TreatmentConsent.__table__.insert(), [row for _, row in pending])

    # --- the home programme -----------------------------------------------------------------------

    def _programme(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        p: ProgrammeIn = checked(ProgrammeIn, item, source)
        client_id = self.clients[item["client"]]
        visit = self.visits[item["visit"]] if item.get("visit") is not None else None
        if visit is not None and visit[1] != client_id:
            raise FieldErrors({f"{source}, encounter": "Names a visit of another client"})
        episode_id = self._episode_of(item, client_id, p.created_at.date())
        self.exercises.setdefault(episode_id, set()).update(i.id for i in p.items if i.tickable)
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "episode_id": episode_id,
                      "visit_id": visit[0] if visit else None, "items": [i.model_dump() for i in p.items],
                      "kb_version": p.kb_version, "created_by": self._user(p.created_by, True) or self.actor.user_id,
                      "created_at": p.created_at}

    def _write_programme(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(HomeProgramme.__table__.insert(), [row for _, row in pending])

    def _tick(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        t: TickIn = checked(TickIn, item, source)
        client_id = self.clients[item["client"]]
        episode_id = self._episode_of(item, client_id, t.done_on)
        if t.item not in self.exercises.get(episode_id, ()):
            raise FieldErrors({f"{source}, code": "That exercise is not in the client's programme"})
        if (client_id, t.item, t.done_on) in self.ticked:
            raise FieldErrors({f"{source}, valueDateTime": "The same exercise is ticked twice on one day"})
        self.ticked.add((client_id, t.item, t.done_on))
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "episode_id": episode_id, "item": t.item,
                      "done_on": t.done_on, "created_at": self.now}

    def _write_tick(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(ExerciseTick.__table__.insert(), [row for _, row in pending])

    def _check_in(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        c: CheckInRowIn = checked(CheckInRowIn, item, source)
        client_id = self.clients[item["client"]]
        episode_id = self._episode_of(item, client_id, c.week_of)
        raw = item["answers"]
        try:
            answers: CheckInAnswers = validate(raw, sorted(self.exercises.get(episode_id, ())),
                                               raw.get("psfs_activity") if isinstance(raw, dict) else None)
        except CheckInError as exc:
            raise FieldErrors({f"{source}, extension check-in-answers.{k}": m for k, m in exc.errors.items()}) from None
        if c.week_of != week_of(c.week_of):
            raise FieldErrors({f"{source}, extension week-of": "A week starts on a Monday"})
        if (client_id, c.week_of) in self.weeks:
            raise FieldErrors({f"{source}, extension week-of": "Two check-ins for the same week"})
        self.weeks.add((client_id, c.week_of))
        now = screen_check_in(answers.screening)
        # Never less urgent than the client was told at the time, nor than the screening says now.
        screening = c.screening.model_dump() if RANK[c.urgency] >= RANK[now["urgency"]] else now
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "episode_id": episode_id, "link_id": None,
                      "week_of": c.week_of, "submitted_at": c.submitted_at, "answers": answers.model_dump(),
                      "urgency": max(c.urgency, now["urgency"], key=RANK.get), "screening": screening,
                      "acknowledged_at": c.acknowledged_at, "acknowledged_by": self._user(c.acknowledged_by, True),
                      "clinic_alerted_at": c.clinic_alerted_at}

    def _write_check_in(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(CheckIn.__table__.insert(), [row for _, row in pending])
