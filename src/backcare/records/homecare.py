"""Between visits, the therapist's side: the link to the client's home programme (made, listed,
revoked; one live link per client, for the episode of care), a reminder's key, and what came
back (the episode's programmes, ticks and check-ins; flagged check-ins until acknowledged).
The client's side is home_page; the programme's versions are programmes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..homecare import CheckIn as CheckInData
from ..homecare import Version, flagged, rules
from ..storage.models import CheckIn, Client, Clinic, Episode, ExerciseTick, HomeLink, HomeLinkKey, User, Visit
from .base import Actor, FieldErrors, Refused, in_range, utc
from .home_page import CheckInSent, HomePage, HomePageMixin, HomeUnavailable
from .links import new_token, token_hash
from .programmes import ProgrammeView, local_day

__all__ = ["CheckInSent", "CheckInView", "FlaggedCheckIn", "HomeLinkView", "HomePage", "HomeRecord", "HomeUnavailable",
           "HomecareMixin"]


@dataclass(frozen=True)
class HomeLinkView:
    id: int
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: str
    episode_open: bool
    psfs_activity: str | None

    def state(self, now: datetime) -> str:
        if self.ended_at:
            return self.end_reason
        if not self.episode_open:
            return "ended at discharge"
        return "expired" if self.expires_at <= now else "active"


@dataclass(frozen=True)
class CheckInView:
    id: int
    client_id: int
    week_of: date
    submitted_at: datetime
    submitted_on: date  # the clinic's calendar day
    answers: dict[str, Any]
    urgency: str
    screening: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def needs_attention(self) -> bool:
        return flagged(self.urgency) and self.acknowledged_at is None


@dataclass(frozen=True)
class FlaggedCheckIn:
    """A client whose weekly check-in points to an urgent or emergency referral, not yet acknowledged."""

    check_in_id: int
    client_id: int
    client_name: str
    urgency: str
    submitted_at: datetime


@dataclass(frozen=True)
class HomeRecord:
    """An episode's programmes, ticks and check-ins: what adherence and the progress page read."""

    episode_id: int
    episode_open: bool
    visits: list[tuple[int, date, int | None]]  # (id, date, pain now), oldest first
    programmes: list[ProgrammeView]  # oldest first
    ticks: list[tuple[date, str]]
    check_ins: list[CheckInView]  # oldest first
    today: date
    closed_on: date | None = None

    @property
    def until(self) -> date:
        """The last day the programme was planned: discharge, or today."""
        return min(self.closed_on, self.today) if self.closed_on else self.today

    def versions(self) -> list[Version]:
        return [Version(p.starts, p.items) for p in self.programmes]

    def check_in_data(self) -> list[CheckInData]:
        return [CheckInData(c.week_of, c.submitted_on, c.answers, c.urgency) for c in self.check_ins]


def _check_in_view(c: CheckIn, clinic: Clinic, acknowledger: str | None) -> CheckInView:
    submitted = utc(c.submitted_at)
    return CheckInView(c.id, c.client_id, c.week_of, submitted, local_day(submitted, clinic), c.answers, c.urgency,
                       c.screening, utc(c.acknowledged_at), acknowledger)


class HomecareMixin(HomePageMixin):
    # --- the therapist's side: links -------------------------------------------------------------

    def create_home_link(self, actor: Actor, client_id: int, weeks: int | None = None, psfs_activity: str | None = None,
                         now: datetime | None = None) -> tuple[str, datetime]:
        """A link to the client's programme for the open episode (replacing any earlier link); returns the
        token (shown once, never stored) and when the link expires. The programme starts from the latest
        visit's handout when the episode has none yet."""
        limits = rules().link
        weeks = limits.default_weeks if weeks is None else weeks
        if not 1 <= weeks <= limits.most_weeks:
            raise FieldErrors({"weeks": f"Choose from 1 to {limits.most_weeks} weeks"})
        now = now or datetime.now(timezone.utc)
        token = new_token()
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episode = self._open_episode_of(db, client.id)
            if episode is None:
                raise FieldErrors({"programme": "Record a visit first: the programme comes from a visit's handout"})
            if psfs_activity is not None and psfs_activity not in self._baseline_activities(db, episode.id):
                raise FieldErrors({"psfs_activity": "Choose an activity from the baseline PSFS"})
            if self._current_programme(db, episode.id) is None:
                self._programme_from_latest_visit(db, actor, episode, now)
            for old in db.scalars(select(HomeLink).where(HomeLink.client_id == client.id, HomeLink.ended_at.is_(None))):
                old.ended_at, old.ended_by, old.end_reason = now, actor.user_id, "replaced"
            link = HomeLink(clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode.id, psfs_activity=psfs_activity,
                            created_by=actor.user_id, created_at=now, expires_at=now + timedelta(weeks=weeks))
            db.add(link)
            db.flush()
            db.add(HomeLinkKey(link_id=link.id, token_hash=token_hash(token), purpose="link", created_at=now))
            self._audit(db, actor, "homecare.link_create", client_id=client.id, detail=f"link {link.id}, {weeks} weeks")
            return token, utc(link.expires_at)

    def home_links(self, actor: Actor, client_id: int) -> list[HomeLinkView]:
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = db.execute(select(HomeLink, Episode.closed_on).join(Episode, Episode.id == HomeLink.episode_id)
                              .where(HomeLink.client_id == client_id).order_by(HomeLink.id.desc()).limit(10)).all()
            return [HomeLinkView(r.id, utc(r.created_at), utc(r.expires_at), utc(r.ended_at), r.end_reason, closed is None,
                                 r.psfs_activity) for r, closed in rows]

    def revoke_home_link(self, actor: Actor, client_id: int, link_id: int) -> None:
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            link = db.get(HomeLink, link_id) if in_range(link_id) else None
            if link is None or link.clinic_id != actor.clinic_id or link.client_id != client_id:
                raise Refused("home link", link_id, link.clinic_id if link else None)
            if link.ended_at is None:
                link.ended_at, link.ended_by, link.end_reason = datetime.now(timezone.utc), actor.user_id, "revoked"
                self._audit(db, actor, "homecare.link_revoke", client_id=client_id, detail=f"link {link.id}")

    def reminder_key(self, actor: Actor, client_id: int) -> str:
        """A new key to the client's active link, for a reminder the therapist sends by hand (the link stays the same)."""
        now = datetime.now(timezone.utc)
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            link = db.scalar(select(HomeLink).where(HomeLink.client_id == client_id, HomeLink.ended_at.is_(None),
                                                    HomeLink.expires_at > now).order_by(HomeLink.id.desc()).limit(1))
            if link is None or db.get(Episode, link.episode_id).closed_on is not None:
                raise FieldErrors({"reminder": "There is no active link to remind the client of: make a link first"})
            token = new_token()
            db.add(HomeLinkKey(link_id=link.id, token_hash=token_hash(token), purpose="reminder", created_at=now))
            self._audit(db, actor, "homecare.reminder_copy", client_id=client_id, detail=f"link {link.id}")
            return token

    def psfs_activities(self, actor: Actor, client_id: int) -> list[str]:
        """The activities the client named in the open episode's first complete PSFS (the baseline)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episode = self._open_episode_of(db, client_id)
            activities = self._baseline_activities(db, episode.id) if episode else []
            if activities:
                self._audit(db, actor, "questionnaire.read", client_id=client_id, detail="the baseline PSFS's activities")
            return activities

    # --- what the therapist sees ---------------------------------------------------------------

    def home_record(self, actor: Actor, client_id: int, episode_id: int | None = None,
                    purpose: str = "homecare.read") -> HomeRecord | None:
        """An episode's programmes, ticks and check-ins (the open or latest episode when none is named)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            query = select(Episode).where(Episode.client_id == client_id)
            query = query.where(Episode.id == episode_id) if episode_id else query.order_by(
                Episode.closed_on.is_not(None), Episode.started_on.desc(), Episode.id.desc())
            episode = db.scalar(query.limit(1))
            if episode is None:
                return None
            clinic = db.get(Clinic, actor.clinic_id)
            programmes = self._programme_versions(db, episode.id, clinic)
            ticks = [(r.done_on, r.item) for r in db.execute(select(ExerciseTick.done_on, ExerciseTick.item).where(
                ExerciseTick.episode_id == episode.id).order_by(ExerciseTick.done_on, ExerciseTick.id))]
            names = dict(db.execute(select(User.id, User.name).where(User.clinic_id == actor.clinic_id)).all())
            check_ins = [_check_in_view(c, clinic, names.get(c.acknowledged_by)) for c in db.scalars(
                select(CheckIn).where(CheckIn.episode_id == episode.id).order_by(CheckIn.week_of, CheckIn.id))]
            visits = [(v.id, v.visit_date, v.pain_nrs) for v in db.execute(select(Visit.id, Visit.visit_date, Visit.pain_nrs).where(
                Visit.episode_id == episode.id).order_by(Visit.visit_date, Visit.id))]
            if programmes or check_ins:
                self._audit(db, actor, purpose, client_id=client_id, detail=f"episode {episode.id}")
            return HomeRecord(episode.id, episode.closed_on is None, visits, programmes, ticks, check_ins,
                              local_day(datetime.now(timezone.utc), clinic), episode.closed_on)

    def flagged_check_ins(self, actor: Actor, client_id: int | None = None) -> list[FlaggedCheckIn]:
        """Check-ins that point to an urgent or emergency referral and no one has acknowledged yet (of one client, or all)."""
        with self._transaction(actor) as db:
            query = (select(CheckIn.id, CheckIn.client_id, Client.name, CheckIn.urgency, CheckIn.submitted_at)
                     .join(Client, Client.id == CheckIn.client_id)
                     .where(CheckIn.clinic_id == actor.clinic_id, CheckIn.acknowledged_at.is_(None),
                            CheckIn.urgency.in_(("emergency", "urgent"))))
            if client_id is not None:
                query = query.where(CheckIn.client_id == client_id)
            # No limit: every flagged check-in stays listed until someone acknowledges it (none may scroll out of sight).
            rows = db.execute(query.order_by(CheckIn.urgency.desc(), CheckIn.submitted_at.desc())).all()
            if rows:  # one event for the list, naming every client it showed
                self._audit(db, actor, "client.list", client_id=client_id, detail=f"{len(rows)} check-in alert{'' if len(rows) == 1 else 's'}",
                            clients=sorted({r.client_id for r in rows}) if client_id is None else None)
            return [FlaggedCheckIn(r.id, r.client_id, r.name, r.urgency, utc(r.submitted_at)) for r in rows]

    def acknowledge_check_in(self, actor: Actor, check_in_id: int) -> int:
        """The therapist has seen a flagged check-in (and acted on it); returns the client's id."""
        with self._transaction(actor) as db:
            row = db.get(CheckIn, check_in_id) if in_range(check_in_id) else None
            if row is None or row.clinic_id != actor.clinic_id:
                raise Refused("check-in", check_in_id, row.clinic_id if row else None)
            if row.acknowledged_at is None:
                row.acknowledged_at, row.acknowledged_by = datetime.now(timezone.utc), actor.user_id
                self._audit(db, actor, "homecare.acknowledge", client_id=row.client_id, detail=f"check-in {row.id}, {row.urgency}")
            return row.client_id

    @staticmethod
    def _open_episode_of(db: Session, client_id: int) -> Episode | None:
        return db.scalar(select(Episode).where(Episode.client_id == client_id, Episode.closed_on.is_(None))
                         .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1))

    @staticmethod
    def _baseline_activities(db: Session, episode_id: int) -> list[str]:
        from ..storage.models import QuestionnaireResponse

        answers = db.scalar(select(QuestionnaireResponse.answers).where(
            QuestionnaireResponse.episode_id == episode_id, QuestionnaireResponse.instrument == "psfs",
            QuestionnaireResponse.complete.is_(True)).order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id).limit(1))
        return [a["activity"] for a in (answers or {}).values() if isinstance(a, dict) and a.get("activity")]


