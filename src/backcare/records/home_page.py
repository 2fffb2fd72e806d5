"""The client's side of the home programme: the page behind the link, the exercises ticked and
the weekly check-in, with no account.

The link follows the intake's rules (records.links): random 256-bit keys of
which only the hash is stored, one client, every step audited as the client's
own (no user). Any link that cannot be used (no such key; revoked, replaced,
expired, or its episode closed at discharge) answers like one that never
existed (HomeUnavailable); why is told only in the clinic's audit log. Days are
the clinic's calendar days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..homecare import CheckInError, ProgrammeItem, screen_check_in, validate, week_of
from ..storage.models import CheckIn, Client, Clinic, Episode, ExerciseTick, HomeLink, HomeLinkKey
from .base import FieldErrors, utc
from .links import client_event, malformed, token_hash
from .programmes import ProgrammesMixin, local_day


class HomeUnavailable(LookupError):
    """No such link, or ended (revoked, replaced, discharged) or expired: the client is told the same in each case."""


class CheckInSent(LookupError):
    """This week's check-in was sent already."""


@dataclass(frozen=True)
class HomePage:
    """What the client's page may show: their first name, the clinic, today's programme and this week's check-in."""

    link_id: int
    first_name: str
    clinic: str
    today: date
    items: list[ProgrammeItem]
    done_today: frozenset[str]
    check_in_sent_on: date | None
    psfs_activity: str | None

    @property
    def exercises(self) -> list[ProgrammeItem]:
        return [i for i in self.items if i.tickable]

    @property
    def advice(self) -> list[ProgrammeItem]:
        return [i for i in self.items if not i.tickable]

    @property
    def next_check_in(self) -> date:
        return week_of(self.today) + timedelta(days=7)


class HomePageMixin(ProgrammesMixin):
    # --- the client's side: the page behind the link --------------------------------------------

    @staticmethod
    def _usable_home(db: Session, token: str, now: datetime) -> tuple[HomeLink | None, str]:
        """The link of a token if it can still be used, and otherwise why not (for the audit log only)."""
        if malformed(token):
            return None, "malformed"
        key = db.scalar(select(HomeLinkKey).where(HomeLinkKey.token_hash == token_hash(token)))
        if key is None:
            return None, "unknown"
        link = db.get(HomeLink, key.link_id)
        if link.ended_at is not None:
            return None, link.end_reason
        if utc(link.expires_at) <= now:
            return None, "expired"
        if db.get(Episode, link.episode_id).closed_on is not None:
            return None, "discharged"
        return link, ""

    def _refused_home(self, db: Session, token: str, why: str) -> None:
        # A known link is refused in its clinic's log; a token that names no link has no clinic to tell.
        if why not in ("malformed", "unknown"):
            link = db.scalar(select(HomeLink).join(HomeLinkKey, HomeLinkKey.link_id == HomeLink.id)
                             .where(HomeLinkKey.token_hash == token_hash(token)))
            client_event(db, link.clinic_id, "homecare.refused", link.client_id, f"link {link.id}: {why}")

    def _open_home(self, db: Session, token: str, now: datetime, action: str, detail: str = "") -> tuple[HomeLink, Clinic]:
        link, _why = self._usable_home(db, token, now)
        if link is None:
            raise _Refusal()
        client_event(db, link.clinic_id, action, link.client_id, f"link {link.id}{detail}")
        return link, db.get(Clinic, link.clinic_id)

    def _home_step(self, token: str, now: datetime | None, step):
        """Run `step(db, now)` in one transaction; a link found unusable in it is audited and told as HomeUnavailable."""
        now = now or datetime.now(timezone.utc)
        try:
            with self._tx() as db:
                return step(db, now)
        except _Refusal:
            with self._tx() as db:  # the refusal is audited, whatever the step rolled back
                self._refused_home(db, token, self._usable_home(db, token, now)[1])
            raise HomeUnavailable() from None

    def open_home(self, token: str, now: datetime | None = None) -> HomePage:
        def step(db: Session, now: datetime) -> HomePage:
            link, clinic = self._open_home(db, token, now, "homecare.open")
            return self._home_page(db, link, clinic, now)

        return self._home_step(token, now, step)

    def _home_page(self, db: Session, link: HomeLink, clinic: Clinic, now: datetime) -> HomePage:
        client = db.get(Client, link.client_id)
        today = local_day(now, clinic)
        programme = self._current_programme(db, link.episode_id)
        done = db.scalars(select(ExerciseTick.item).where(ExerciseTick.client_id == link.client_id, ExerciseTick.done_on == today))
        sent = db.scalar(select(CheckIn.submitted_at).where(CheckIn.client_id == link.client_id, CheckIn.week_of == week_of(today)))
        return HomePage(link.id, (client.name.split() or ["there"])[0][:50], clinic.name, today,
                        programme.items if programme else [], frozenset(done),
                        local_day(utc(sent), clinic) if sent else None, link.psfs_activity)

    def tick_exercise(self, token: str, item: str, done: bool = True, now: datetime | None = None) -> HomePage:
        """Tick (or untick) one of today's exercises as done; an item not in the programme is refused."""
        def step(db: Session, now: datetime) -> HomePage:
            link, clinic = self._open_home(db, token, now, "homecare.tick", f", {item[:60]} {'done' if done else 'undone'}")
            today = local_day(now, clinic)
            programme = self._current_programme(db, link.episode_id)
            if programme is None or item not in {i.id for i in programme.items if i.tickable}:
                raise FieldErrors({"item": "That exercise is not in your programme"})
            found = db.scalar(select(ExerciseTick).where(ExerciseTick.client_id == link.client_id, ExerciseTick.item == item,
                                                         ExerciseTick.done_on == today))
            if done and found is None:
                db.add(ExerciseTick(clinic_id=link.clinic_id, client_id=link.client_id, episode_id=link.episode_id, item=item,
                                    done_on=today, created_at=now))
            elif not done and found is not None:
                db.delete(found)
            db.flush()
            return self._home_page(db, link, clinic, now)

        try:
            return self._home_step(token, now, step)
        except IntegrityError:  # the same tick from a second tap at the same moment: it is there already
            return self.open_home(token, now)

    def send_check_in(self, token: str, raw: dict[str, Any], now: datetime | None = None) -> tuple[int, dict[str, Any]]:
        """Keep this week's check-in with the screening of its emergency answers; returns its id and the
        screening (urgency, advice for the client). HomeUnavailable, CheckInSent, or FieldErrors to fix."""
        now = now or datetime.now(timezone.utc)
        page = self.open_home(token, now)
        try:
            answers = validate(raw, [i.id for i in page.exercises], page.psfs_activity)
        except CheckInError as exc:
            raise FieldErrors(exc.errors) from None
        screening = screen_check_in(answers.screening)

        def step(db: Session, now: datetime) -> int:
            link, clinic = self._open_home(db, token, now, "homecare.check_in", f", screening {screening['urgency']}")
            week = week_of(local_day(now, clinic))
            if db.scalar(select(CheckIn.id).where(CheckIn.client_id == link.client_id, CheckIn.week_of == week)) is not None:
                raise CheckInSent()
            row = CheckIn(clinic_id=link.clinic_id, client_id=link.client_id, episode_id=link.episode_id, link_id=link.id,
                          week_of=week, submitted_at=now, answers=answers.model_dump(), urgency=screening["urgency"],
                          screening=screening)
            db.add(row)
            db.flush()
            return row.id

        try:
            return self._home_step(token, now, step), screening
        except IntegrityError:  # a second copy sent at the same moment: the unique week kept the first
            raise CheckInSent() from None


class _Refusal(Exception):
    """Inside a client step: the link cannot be used (rolled back, then audited and told as HomeUnavailable)."""

