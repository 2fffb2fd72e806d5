"""The client's home programme in the records: versions of an episode, each from a visit.

A version is never edited: the first comes from a visit's handout, and a later
visit adds the next, with each exercise kept, stepped up or down, swapped or
stopped (homecare.revise). Only items the visit's findings allow can come in,
so a contraindicated or aggravating exercise never reaches the client's phone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clinical.engine import self_care_choices
from ..clinical.knowledge.runtime import load_knowledge
from ..homecare import ProgrammeError, ProgrammeItem, from_handout, handout_choice, revise
from ..outcomes import stratified_care
from ..storage.models import Clinic, Episode, HomeProgramme, Visit
from .base import Actor, FieldErrors, RecordsBase, utc
from .visits import allowed


@dataclass(frozen=True)
class ProgrammeView:
    id: int
    visit_id: int | None
    created_at: datetime
    starts: date  # the clinic's calendar day it was made
    items: list[ProgrammeItem]

    @property
    def exercises(self) -> list[ProgrammeItem]:
        return [i for i in self.items if i.tickable]


def local_day(moment: datetime, clinic: Clinic) -> date:
    """The clinic's calendar day at a moment (its time zone)."""
    try:
        zone = ZoneInfo(clinic.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return utc(moment).astimezone(zone).date()


def _view(row: HomeProgramme, clinic: Clinic) -> ProgrammeView:
    return ProgrammeView(row.id, row.visit_id, utc(row.created_at), local_day(row.created_at, clinic),
                         [ProgrammeItem.model_validate(i) for i in row.items])


class ProgrammesMixin(RecordsBase):
    def _programme_versions(self, db: Session, episode_id: int, clinic: Clinic) -> list[ProgrammeView]:
        rows = db.scalars(select(HomeProgramme).where(HomeProgramme.episode_id == episode_id).order_by(HomeProgramme.id))
        return [_view(r, clinic) for r in rows]

    def _current_programme(self, db: Session, episode_id: int) -> ProgrammeView | None:
        row = db.scalar(select(HomeProgramme).where(HomeProgramme.episode_id == episode_id)
                        .order_by(HomeProgramme.id.desc()).limit(1))
        return _view(row, db.get(Clinic, row.clinic_id)) if row else None

    def _handout_of(self, db: Session, visit: Visit) -> list[dict[str, Any]]:
        """The visit's handout items as the handout shows them (with what the STarT Back risk group adds)."""
        group = self.latest_risk_group(None, visit, db)  # type: ignore[attr-defined] - from OutcomesMixin
        added = (stratified_care(group, visit.case, visit.assessment) or {}).get("self_care_add", []) if group else []
        return handout_choice(visit.assessment, visit.handout_items, added, self_care_choices(visit.case, load_knowledge()),
                              visit.case)

    @staticmethod
    def _allowed_items(visit: Visit) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self_care_choices(visit.case, load_knowledge()) if allowed(c)}

    def _keep_programme(self, db: Session, actor: Actor, visit: Visit, episode_id: int, items: list[ProgrammeItem],
                        now: datetime, detail: str) -> int:
        if not items:
            raise FieldErrors({"programme": "This visit's handout has no exercises or advice to send"})
        row = HomeProgramme(clinic_id=actor.clinic_id, client_id=visit.client_id, episode_id=episode_id, visit_id=visit.id,
                            items=[i.model_dump() for i in items], kb_version=load_knowledge().version,
                            created_by=actor.user_id, created_at=now)
        db.add(row)
        db.flush()
        self._audit(db, actor, "homecare.programme", client_id=visit.client_id, visit_id=visit.id, detail=detail[:500])
        return row.id

    def _programme_from_latest_visit(self, db: Session, actor: Actor, episode: Episode, now: datetime) -> int:
        visit = db.scalar(select(Visit).where(Visit.episode_id == episode.id).order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(1))
        if visit is None:
            raise FieldErrors({"programme": "Record a visit first: the programme comes from a visit's handout"})
        return self._keep_programme(db, actor, visit, episode.id, from_handout(self._handout_of(db, visit)), now,
                                    "from the handout")

    def _visit_in_open_episode(self, db: Session, actor: Actor, visit_id: int) -> Visit:
        visit = self._visit(db, visit_id, actor)  # type: ignore[attr-defined] - from VisitsMixin
        episode = db.get(Episode, visit.episode_id) if visit.episode_id else None
        if episode is None or episode.closed_on is not None:
            raise FieldErrors({"programme": "This visit's episode of care is closed: a new visit starts a new programme"})
        return visit

    def start_programme(self, actor: Actor, visit_id: int, now: datetime | None = None) -> int:
        """A new version of the programme: this visit's handout as it stands."""
        with self._transaction(actor) as db:
            visit = self._visit_in_open_episode(db, actor, visit_id)
            items = from_handout(self._handout_of(db, visit))
            return self._keep_programme(db, actor, visit, visit.episode_id, items, now or datetime.now(timezone.utc),
                                        "from the handout")

    def revise_programme(self, actor: Actor, visit_id: int, changes: dict[str, str], added: list[str],
                         now: datetime | None = None) -> int:
        """The next version: each exercise kept, one step harder or easier, swapped or stopped; items added."""
        with self._transaction(actor) as db:
            visit = self._visit_in_open_episode(db, actor, visit_id)
            current = self._current_programme(db, visit.episode_id)
            items = current.items if current else from_handout(self._handout_of(db, visit))
            try:
                revised = revise(items, changes, added, self._allowed_items(visit))
            except ProgrammeError as exc:
                raise FieldErrors(exc.errors) from None
            detail = ", ".join(f"{i.id} {i.change}" for i in revised if i.change != "same") or "no change"
            return self._keep_programme(db, actor, visit, visit.episode_id, revised, now or datetime.now(timezone.utc), detail)

    def programme_choices(self, actor: Actor, visit_id: int) -> dict[str, dict[str, Any]]:
        """The self-care items this visit's findings allow: what a swap or an addition may bring in."""
        with self._transaction(actor) as db:
            return self._allowed_items(self._visit(db, visit_id, actor))  # type: ignore[attr-defined] - from VisitsMixin

    def current_programme(self, actor: Actor, client_id: int) -> ProgrammeView | None:
        """The programme the client's link shows now (the open episode's latest version)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episode = db.scalar(select(Episode.id).where(Episode.client_id == client_id, Episode.closed_on.is_(None))
                                .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1))
            programme = self._current_programme(db, episode) if episode else None
            if programme is not None:
                self._audit(db, actor, "homecare.read", client_id=client_id, detail=f"programme {programme.id}")
            return programme
