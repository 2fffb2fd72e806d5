"""Pre-visit intake: links a client opens without an account, and the intakes they send.

A link's token is random (256 bits) and only its SHA-256 is stored; the link
is for one client, expires, and is spent by the one intake it receives. A
wrong, spent or expired token is told apart nowhere outside the audit log.
The client's steps (opening, sending) are audited in the clinic's log with no
user, as the client's own; the therapist's reading and taking up are audited
as theirs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clinical.knowledge.runtime import load_knowledge
from ..intake import IntakeError, screen, to_case, validate
from ..storage.models import Client, Clinic, Intake, IntakeLink, QuestionnaireResponse, User
from .base import Actor, FieldErrors, RecordsBase, Refused, in_range, storable_text, utc
from .links import client_event, malformed, new_token, token_hash

MAX_DAYS = 30


class IntakeUnavailable(LookupError):
    """No such link, or spent, or expired: the client is told the same in each case.

    `refusal` is what the clinic's log should say about a known link (spent or
    expired), written by `record_intake_refusal` after the answer has gone, so
    that a link that once existed answers exactly as fast as a made-up one."""

    def __init__(self, refusal: tuple[int, int, str] | None = None):
        super().__init__("intake link unavailable")
        self.refusal = refusal


def _refusal(link: IntakeLink | None, why: str) -> tuple[int, int, str] | None:
    """(clinic, client, what to log) for a known link; None for a token that names no link (no clinic to tell)."""
    return None if link is None else (link.clinic_id, link.client_id, f"link {link.id}: {why}")


@dataclass(frozen=True)
class Invitation:
    """What the client's page may show: their first name, the clinic, the questionnaires."""

    link_id: int
    first_name: str
    clinic: str
    instruments: list[str]
    expires_at: datetime


@dataclass(frozen=True)
class LinkView:
    id: int
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None
    instruments: list[str]
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> str:
        return ("sent back" if self.spent_at else "withdrawn" if self.revoked_at else "expired" if self.expires_at <= now
                else "waiting")


@dataclass(frozen=True)
class IntakeView:
    id: int
    client_id: int
    submitted_at: datetime
    answers: dict[str, Any]
    case: dict[str, Any]
    urgency: str
    screening: dict[str, Any]
    visit_id: int | None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledgement: str = ""

    @property
    def pending(self) -> bool:
        """Waiting for the therapist: not taken up in a visit and not dealt with otherwise."""
        return self.visit_id is None and self.acknowledged_at is None


@dataclass(frozen=True)
class Flagged:
    """A client whose intake, not yet taken up in a visit, points to an urgent or emergency referral."""

    client_id: int
    client_name: str
    urgency: str
    submitted_at: datetime
    intake_id: int


def _view(i: Intake, by: str = "") -> IntakeView:
    return IntakeView(i.id, i.client_id, utc(i.submitted_at), i.answers, i.case, i.urgency, i.screening, i.visit_id,
                      utc(i.acknowledged_at), by, i.acknowledgement or "")


class IntakeMixin(RecordsBase):
    def create_intake_link(self, actor: Actor, client_id: int, instruments: list[str], days: int = 7) -> tuple[str, datetime]:
        """A new link for one client; returns the token (shown once, never stored) and when it expires."""
        known = load_knowledge().outcomes["instruments"]
        instruments = list(dict.fromkeys(instruments))
        if any(i not in known for i in instruments):
            raise FieldErrors({"instruments": "Choose questionnaires from the list"})
        if not 1 <= days <= MAX_DAYS:
            raise FieldErrors({"days": f"Choose from 1 to {MAX_DAYS} days"})
        token = new_token()
        expires = datetime.now(timezone.utc) + timedelta(days=days)
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            link = IntakeLink(clinic_id=actor.clinic_id, client_id=client.id, token_hash=token_hash(token),
                              instruments=instruments, created_by=actor.user_id, expires_at=expires)
            db.add(link)
            db.flush()
            self._audit(db, actor, "intake.link_create", client_id=client.id, detail=f"link {link.id}, {days} days")
        return token, expires

    def intake_links(self, actor: Actor, client_id: int) -> list[LinkView]:
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = db.scalars(select(IntakeLink).where(IntakeLink.client_id == client_id).order_by(IntakeLink.id.desc()).limit(10))
            return [LinkView(r.id, utc(r.created_at), utc(r.expires_at), utc(r.spent_at), r.instruments, utc(r.revoked_at))
                    for r in rows]

    def intake_link_client(self, actor: Actor, link_id: int) -> int:
        """The client a link of the actor's clinic was made for (404 otherwise)."""
        with self._transaction(actor) as db:
            link = db.get(IntakeLink, link_id) if in_range(link_id) else None
            if link is None or link.clinic_id != actor.clinic_id:
                raise Refused("intake link", link_id, link.clinic_id if link else None)
            return link.client_id

    def revoke_intake_link(self, actor: Actor, link_id: int) -> None:
        """Withdraw a link before it is used (sent to the wrong address, or no longer wanted): it opens no more."""
        with self._transaction(actor) as db:
            link = db.get(IntakeLink, link_id) if in_range(link_id) else None
            if link is None or link.clinic_id != actor.clinic_id:
                raise Refused("intake link", link_id, link.clinic_id if link else None)
            if link.spent_at is not None:
                raise FieldErrors({"link": "The client has already sent this intake"})
            if link.revoked_at is None:
                link.revoked_at = datetime.now(timezone.utc)
                self._audit(db, actor, "intake.link_revoke", client_id=link.client_id, detail=f"link {link.id}")

    @staticmethod
    def _lookup(db: Session, token: str) -> tuple[IntakeLink | None, str]:
        """The link of a token (when there is one), and why it cannot be used ("" when it can)."""
        if malformed(token):
            return None, "malformed"
        link = db.scalar(select(IntakeLink).where(IntakeLink.token_hash == token_hash(token)))
        if link is None:
            return None, "unknown"
        if link.spent_at is not None:
            return link, "spent"
        if link.revoked_at is not None:
            return link, "withdrawn"
        if utc(link.expires_at) <= datetime.now(timezone.utc):
            return link, "expired"
        return link, ""

    @classmethod
    def _usable(cls, db: Session, token: str) -> tuple[IntakeLink | None, str]:
        """The link of a token if it can still be used, and otherwise why not (for the audit log only)."""
        link, why = cls._lookup(db, token)
        return (None, why) if why else (link, why)

    def open_intake(self, token: str) -> Invitation:
        # The same one read for every refused token, known or not; the log is written after the answer.
        with self.read_sessions() as db:
            link, why = self._lookup(db, token)
            if why:
                raise IntakeUnavailable(_refusal(link, why))
        with self._tx() as db:
            link, why = self._lookup(db, token)  # again, writing: it may have been spent meanwhile
            if why:
                raise IntakeUnavailable(_refusal(link, why))
            else:
                client = db.get(Client, link.client_id)
                clinic = db.get(Clinic, link.clinic_id)
                client_event(db, link.clinic_id, "intake.open", link.client_id, f"link {link.id}")
                invitation = Invitation(link.id, (client.name.split() or ["there"])[0][:50], clinic.name,
                                        list(link.instruments), utc(link.expires_at))
        if link is None:
            raise IntakeUnavailable()
        return invitation

    def record_intake_refusal(self, refusal: tuple[int, int, str] | None) -> None:
        """Log a refused known link in its clinic's audit log (called after the answer is sent)."""
        if refusal is not None:
            with self._tx() as db:
                client_event(db, refusal[0], "intake.refused", refusal[1], refusal[2])

    def _refused_link(self, db: Session, token: str, why: str) -> None:
        # A known link (spent or expired) is recorded in its clinic's log; a token that names no link has no clinic to tell.
        if why in ("spent", "expired", "withdrawn"):
            link = db.scalar(select(IntakeLink).where(IntakeLink.token_hash == token_hash(token)))
            client_event(db, link.clinic_id, "intake.refused", link.client_id, f"link {link.id}: {why}")

    def submit_intake(self, token: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Keep what the client sent, spend the link, score the questionnaires and screen the answers.

        Returns the screening (urgency, red flags, advice for the client).
        IntakeUnavailable for a link that cannot be used; FieldErrors for answers to fix.
        """
        with self._tx() as db:
            link, why = self._usable(db, token)
            if link is None:
                self._refused_link(db, token, why)
            instruments = list(link.instruments) if link else []
        if link is None:
            raise IntakeUnavailable()
        try:
            answers, scores = validate(raw, instruments)
        except IntakeError as exc:
            raise FieldErrors(exc.errors) from None
        case = to_case(answers)
        screening = screen(case)
        now = datetime.now(timezone.utc)
        with self._tx() as db:
            link, why = self._usable(db, token)  # again, inside the writing transaction: spent exactly once
            if link is None:
                self._refused_link(db, token, why)
                spent_meanwhile = True
            else:
                spent_meanwhile = False
                self._keep(db, link, answers, case, screening, scores, now)
        if spent_meanwhile:
            raise IntakeUnavailable()
        return screening

    def _keep(self, db: Session, link: IntakeLink, answers, case, screening, scores, now: datetime) -> None:
        """Spend the link and store the intake with its questionnaires, in the caller's transaction."""
        link.spent_at = now
        intake = Intake(clinic_id=link.clinic_id, client_id=link.client_id, link_id=link.id, submitted_at=now,
                        answers=answers.model_dump(), case=case, urgency=screening["urgency"], screening=screening)
        db.add(intake)
        client = db.get(Client, link.client_id)
        episode = self._open_episode(db, link.clinic_id, client, now.date())  # type: ignore[attr-defined] - OutcomesMixin
        for instrument, result in scores.items():
            db.add(QuestionnaireResponse(
                clinic_id=link.clinic_id, client_id=link.client_id, episode_id=episode.id, visit_id=None,
                instrument=instrument, answers=result.answers, score=result.value, result=result.as_dict(),
                complete=result.complete, answered_on=now.date(), entered_by=link.created_by, mode="intake",
                kb_version=load_knowledge().version))
        db.flush()
        client_event(db, link.clinic_id, "intake.submit", link.client_id,
                           f"link {link.id}, intake {intake.id}, screening {screening['urgency']}")

    def intakes(self, actor: Actor, client_id: int) -> list[IntakeView]:
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = list(db.execute(select(Intake, User.name).outerjoin(User, User.id == Intake.acknowledged_by)
                                   .where(Intake.client_id == client_id).order_by(Intake.id.desc()).limit(10)).all())
            if rows:
                self._audit(db, actor, "intake.read", client_id=client_id, detail=f"{len(rows)} intakes")
            return [_view(r, by or "") for r, by in rows]

    def acknowledge_intake(self, actor: Actor, intake_id: int, note: str) -> None:
        """Record that an intake was dealt with without a visit ("phoned the client: told to go to the
        emergency department now"); it leaves the alerts, and the note stays with it."""
        text = (note or "").strip()
        if not text:
            raise FieldErrors({"acknowledgement": "Say what you did, for the record (e.g. phoned the client at 10:20)"})
        if len(text) > 2000:
            raise FieldErrors({"acknowledgement": "Keep this under 2,000 characters"})
        storable_text("acknowledgement", "This note", text)
        with self._transaction(actor) as db:
            row = db.get(Intake, intake_id) if in_range(intake_id) else None
            if row is None or row.clinic_id != actor.clinic_id:
                raise Refused("intake", intake_id, row.clinic_id if row else None)
            if row.acknowledged_at is None:
                row.acknowledged_at, row.acknowledged_by, row.acknowledgement = datetime.now(timezone.utc), actor.user_id, text
                self._audit(db, actor, "intake.acknowledge", client_id=row.client_id, detail=f"intake {row.id}")

    def waiting_intakes(self, actor: Actor) -> list[Flagged]:
        """Every intake sent back and not yet taken up or dealt with, the most urgent first (the Today page)."""
        with self._transaction(actor) as db:
            rows = db.execute(select(Intake.id, Intake.client_id, Client.name, Intake.urgency, Intake.submitted_at)
                              .join(Client, Client.id == Intake.client_id)
                              .where(Intake.clinic_id == actor.clinic_id, Intake.visit_id.is_(None),
                                     Intake.acknowledged_at.is_(None))
                              .order_by(Intake.submitted_at.desc()).limit(50)).all()
            if rows:  # one event for the list, naming every client it showed
                self._audit(db, actor, "client.list", detail=f"{len(rows)} intake{'' if len(rows) == 1 else 's'} waiting",
                            clients=sorted({r.client_id for r in rows}))
            order = {"emergency": 0, "urgent": 1, "routine": 2, "none": 3}
            return sorted((Flagged(r.client_id, r.name, r.urgency, utc(r.submitted_at), r.id) for r in rows),
                          key=lambda f: order.get(f.urgency, 4))

    def intake(self, actor: Actor, intake_id: int) -> IntakeView:
        with self._transaction(actor) as db:
            row = db.get(Intake, intake_id) if in_range(intake_id) else None
            if row is None or row.clinic_id != actor.clinic_id:
                raise Refused("intake", intake_id, row.clinic_id if row else None)
            self._audit(db, actor, "intake.read", client_id=row.client_id, detail=f"intake {row.id}")
            return _view(row)

    def flagged_intakes(self, actor: Actor) -> list[Flagged]:
        """Clients whose intake points to an urgent or emergency referral and no visit has taken it up yet."""
        with self._transaction(actor) as db:
            rows = db.execute(select(Intake.id, Intake.client_id, Client.name, Intake.urgency, Intake.submitted_at)
                              .join(Client, Client.id == Intake.client_id)
                              .where(Intake.clinic_id == actor.clinic_id, Intake.visit_id.is_(None),
                                     Intake.acknowledged_at.is_(None), Intake.urgency.in_(("emergency", "urgent")))
                              .order_by(Intake.urgency.desc(), Intake.submitted_at.desc()).limit(50)).all()
            if rows:
                self._audit(db, actor, "client.list", detail=f"{len(rows)} intake alerts", clients=[r.client_id for r in rows])
            return [Flagged(r.client_id, r.name, r.urgency, utc(r.submitted_at), r.id) for r in rows]

    @staticmethod
    def _take_up(db: Session, actor: Actor, intake_id: int, client_id: int, visit_id: int) -> None:
        """Mark an intake as taken up by a visit (called inside the visit's own transaction)."""
        intake = db.get(Intake, intake_id) if in_range(intake_id) else None
        if intake is None or intake.clinic_id != actor.clinic_id or intake.client_id != client_id:
            raise Refused("intake", intake_id, intake.clinic_id if intake else None)
        if intake.visit_id is None:
            intake.visit_id = visit_id
            client = db.get(Client, client_id)
            if intake.answers.get("consent") and not client.consent_given:
                # The client's own consent in the intake, confirmed by the therapist who took it up in a visit.
                client.consent_given, client.consent_date = True, utc(intake.submitted_at).date()
