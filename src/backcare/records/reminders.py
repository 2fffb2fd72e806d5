"""Work for `backcare reminders send`, across every clinic of the database: the weekly check-ins
due a reminder, each claimed once, and the clinic alerts for flagged check-ins not yet e-mailed.

Several servers may run the command at once (a timer on each). One sends at a
time: `job_lock` holds a row lock on PostgreSQL (released by the database if
the process dies) and, on SQLite, a lease on a lock row taken under the write
lock (BEGIN IMMEDIATE). Each reminder is also claimed by inserting its row,
unique per link and week, before it is sent: never twice, even without the lock.
"""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..homecare import flagged, rules, week_of
from ..storage.models import CheckIn, CheckInReminder, Client, Clinic, Episode, HomeLink, HomeLinkKey, JobLock
from .base import RecordsBase, utc
from .links import client_event, new_token, token_hash
from .programmes import local_day

LEASE = timedelta(minutes=15)  # SQLite: a holder that died frees the lock after this long


@dataclass(frozen=True)
class DueReminder:
    link_id: int
    clinic_id: int
    clinic: str
    client_id: int
    client_name: str
    email: str | None
    week_of: date


@dataclass(frozen=True)
class ClinicAlert:
    check_in_id: int
    clinic_id: int
    clinic: str
    clinic_email: str
    client_id: int
    urgency: str
    submitted_at: datetime


class RemindersMixin(RecordsBase):
    @contextmanager
    def job_lock(self, name: str) -> Iterator[bool]:
        """True inside the block when this process alone holds the named lock; False when another does."""
        engine = self.sessions.kw["bind"]
        # The lock row exists before anyone locks it. Two servers starting together may both find it
        # missing: the second insert then loses on the primary key, which is fine (the row is there).
        with self.sessions.begin() as db:
            if db.get(JobLock, name) is None:
                try:
                    with db.begin_nested():
                        db.add(JobLock(name=name, holder=""))
                except IntegrityError:
                    pass
        if engine.dialect.name == "postgresql":
            with self.sessions.begin() as db:
                held = db.scalar(select(JobLock.name).where(JobLock.name == name).with_for_update(skip_locked=True))
                yield held is not None  # the row stays locked until this transaction ends
            return
        me = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"[:100]
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:  # BEGIN IMMEDIATE: one writer decides at a time
            taken = db.execute(update(JobLock).where(JobLock.name == name, (JobLock.held_until.is_(None)) | (JobLock.held_until < now))
                               .values(holder=me, held_until=now + LEASE)).rowcount == 1
        try:
            yield taken
        finally:
            if taken:
                with self.sessions.begin() as db:
                    db.execute(update(JobLock).where(JobLock.name == name, JobLock.holder == me).values(holder="", held_until=None))

    def due_reminders(self, now: datetime | None = None) -> list[DueReminder]:
        """Check-ins to remind: a live link whose client has not checked in this week, from the rules' weekday
        on, once a week, and not in a link's first days."""
        now = now or datetime.now(timezone.utc)
        timing = rules().reminders
        due = []
        with self.read_sessions() as db:
            rows = db.execute(select(HomeLink, Clinic, Client.name, Client.email)
                              .join(Clinic, Clinic.id == HomeLink.clinic_id).join(Client, Client.id == HomeLink.client_id)
                              .join(Episode, Episode.id == HomeLink.episode_id)
                              .where(HomeLink.ended_at.is_(None), HomeLink.expires_at > now, Episode.closed_on.is_(None))
                              .order_by(HomeLink.clinic_id, HomeLink.id)).all()
            for link, clinic, name, email in rows:
                today = local_day(now, clinic)
                week = week_of(today)
                if today.weekday() < timing.weekday or local_day(link.created_at, clinic) > today - timedelta(days=timing.after_days):
                    continue
                checked_in = db.scalar(select(CheckIn.id).where(CheckIn.client_id == link.client_id, CheckIn.week_of == week))
                reminded = db.scalar(select(CheckInReminder.id).where(CheckInReminder.link_id == link.id,
                                                                      CheckInReminder.week_of == week))
                if checked_in is None and reminded is None:
                    due.append(DueReminder(link.id, clinic.id, clinic.name, link.client_id, name, email, week))
        return due

    def claim_reminder(self, due: DueReminder, now: datetime | None = None) -> str | None:
        """Record the reminder as sent and make a key for its message; None when it was claimed already."""
        now = now or datetime.now(timezone.utc)
        token = new_token()
        try:
            with self.sessions.begin() as db:
                db.add(CheckInReminder(clinic_id=due.clinic_id, client_id=due.client_id, link_id=due.link_id,
                                       week_of=due.week_of, sent_at=now))
                db.add(HomeLinkKey(link_id=due.link_id, token_hash=token_hash(token), purpose="reminder", created_at=now))
                client_event(db, due.clinic_id, "homecare.reminder", due.client_id, f"link {due.link_id}, week of {due.week_of}")
        except IntegrityError:
            return None
        return token

    def release_reminder(self, due: DueReminder, token: str) -> None:
        """A reminder that could not be sent: forget it (and its key), so the next run tries again."""
        with self.sessions.begin() as db:
            db.execute(delete(HomeLinkKey).where(HomeLinkKey.token_hash == token_hash(token)))
            db.execute(delete(CheckInReminder).where(CheckInReminder.link_id == due.link_id, CheckInReminder.week_of == due.week_of))
            client_event(db, due.clinic_id, "homecare.reminder_failed", due.client_id, f"link {due.link_id}")

    def pending_clinic_alerts(self) -> list[ClinicAlert]:
        """Flagged check-ins whose clinic has an e-mail address and has not been e-mailed yet."""
        with self.read_sessions() as db:
            rows = db.execute(select(CheckIn, Clinic).join(Clinic, Clinic.id == CheckIn.clinic_id)
                              .where(CheckIn.clinic_alerted_at.is_(None), CheckIn.acknowledged_at.is_(None),
                                     CheckIn.urgency.in_(("emergency", "urgent")), Clinic.email != "")
                              .order_by(CheckIn.id)).all()
            return [ClinicAlert(c.id, clinic.id, clinic.name, clinic.email, c.client_id, c.urgency, utc(c.submitted_at))
                    for c, clinic in rows if flagged(c.urgency)]

    def claim_clinic_alert(self, alert: ClinicAlert) -> bool:
        """Mark the alert as e-mailed; False when another process did so first (then it does not send)."""
        with self.sessions.begin() as db:
            claimed = db.execute(update(CheckIn).where(CheckIn.id == alert.check_in_id, CheckIn.clinic_alerted_at.is_(None))
                                 .values(clinic_alerted_at=datetime.now(timezone.utc))).rowcount == 1
            if claimed:
                client_event(db, alert.clinic_id, "homecare.clinic_alert", alert.client_id, f"check-in {alert.check_in_id}")
            return claimed

    def release_clinic_alert(self, alert: ClinicAlert) -> None:
        with self.sessions.begin() as db:
            db.execute(update(CheckIn).where(CheckIn.id == alert.check_in_id).values(clinic_alerted_at=None))
