"""Database tables. Health data: every client row belongs to one clinic, and all
reads go through `records.Records`, which filters by clinic and writes the audit."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_identifier() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Printed on handouts and letters.
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    # An IANA zone name: every time the clinic's pages show is in it.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Whose records law applies (backcare.retention: how long records are kept, how fast requests are answered).
    jurisdiction: Mapped[str] = mapped_column(String(20), default="CA-ON", server_default="CA-ON")
    # The consent pack its jurisdiction asks for (treatment/consent_packs.yaml); "" is the default pack.
    consent_pack: Mapped[str] = mapped_column(String(20), default="")
    # A Babel locale: the order of day, month and year on every page and paper (the month always in words).
    locale: Mapped[str] = mapped_column(String(20), default="en_GB", server_default="en_GB")
    # Minutes without a request before a session ends (the clinic sets it; a treatment is long).
    idle_minutes: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # therapist | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's reset: the next login must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # A short PIN (argon2 hash) that ends client mode on a shared tablet; the password always works too.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    clinic: Mapped[Clinic] = relationship()


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    # The client's identifier in every export (a random UUID, or the one a record was imported with):
    # importing the same client again finds them instead of adding a copy.
    identifier: Mapped[str] = mapped_column(String(64), default=new_identifier, server_default="")
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, accents removed: the sort key and the prefix index of the client list.
    name_norm: Mapped[str] = mapped_column(String(200), default="")
    # Name, e-mail and phone digits, normalised: what a substring search looks in.
    search_norm: Mapped[str] = mapped_column(String(500), default="")
    # Kept with each new visit, so the list never scans the visits table.
    last_visit_date: Mapped[date | None] = mapped_column(Date)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    medical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # vocabulary medical_history flags
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    # The client's details: letters go to the family doctor; pronouns in papers follow the sex recorded.
    sex: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(300))
    family_doctor: Mapped[str | None] = mapped_column(String(200))
    family_doctor_contact: Mapped[str | None] = mapped_column(String(300))
    emergency_contact: Mapped[str | None] = mapped_column(String(300))
    occupation: Mapped[str | None] = mapped_column(String(200))
    medications: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    # Set when the client's episode of care is closed, cleared when a new one opens: lists mark and filter by it.
    discharged_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    visits: Mapped[list[Visit]] = relationship(back_populates="client", order_by="Visit.visit_date.desc(), Visit.id.desc()")


class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    case: Mapped[dict[str, Any]] = mapped_column(JSON)  # the recorded findings (case format)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)  # as given at the time
    kb_version: Mapped[str] = mapped_column(String(40))
    pain_nrs: Mapped[int | None] = mapped_column(Integer)
    # What the timeline shows, kept beside the JSON so listing never loads it.
    referral: Mapped[str] = mapped_column(String(10), default="none")
    lead_condition: Mapped[str] = mapped_column(String(100), default="")
    treatment_given: Mapped[str] = mapped_column(Text, default="")
    soap_subjective: Mapped[str] = mapped_column(Text, default="")
    soap_objective: Mapped[str] = mapped_column(Text, default="")
    soap_assessment: Mapped[str] = mapped_column(Text, default="")
    soap_plan: Mapped[str] = mapped_column(Text, default="")
    # The exercises chosen for the handout, in order; None: the engine's choice.
    handout_items: Mapped[list[str] | None] = mapped_column(JSON)
    # What the form records beyond the case format (the side of each palpation finding).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the visit came in by an import: its signature is the other system's, shown as imported.
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client: Mapped[Client] = relationship(back_populates="visits")
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])
    signer: Mapped[User | None] = relationship(foreign_keys=[signed_by])
    amendments: Mapped[list[Amendment]] = relationship(order_by="Amendment.id")


class Episode(Base):
    """An episode of care: the visits from a first assessment to discharge."""

    __tablename__ = "episodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    started_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discharge_reason: Mapped[str] = mapped_column(String(40), default="")
    discharge_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closer: Mapped[User | None] = relationship(foreign_keys=[closed_by])


class QuestionnaireResponse(Base):
    """A questionnaire as answered, and its score as given (like an assessment, never recomputed)."""

    __tablename__ = "questionnaire_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    instrument: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)  # None when incomplete
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # subscore, risk group, band, missing items
    complete: Mapped[bool] = mapped_column(Boolean)
    answered_on: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(String(10))  # therapist | client (the client answered on the tablet)
    kb_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReferralLetter(Base):
    """A referral letter as the therapist edited and printed it."""

    __tablename__ = "referral_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    addressee: Mapped[str] = mapped_column(String(300))
    urgency: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[User] = relationship()


class IntakeLink(Base):
    """A link a client opens without an account to fill in the pre-visit intake.

    The link carries a random token; only its SHA-256 is stored. It is for one
    client, expires, and is spent when the intake is sent.
    """

    __tablename__ = "intake_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    instruments: Mapped[list[str]] = mapped_column(JSON)  # the questionnaires the therapist chose
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # withdrawn by the clinic before use


class Intake(Base):
    """What a client sent before a visit, with the engine's screening of it as given."""

    __tablename__ = "intakes"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    link_id: Mapped[int] = mapped_column(ForeignKey("intake_links.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    case: Mapped[dict[str, Any]] = mapped_column(JSON)  # the answers as a case, for the screening and the next visit
    urgency: Mapped[str] = mapped_column(String(10))  # the screening's referral urgency
    screening: Mapped[dict[str, Any]] = mapped_column(JSON)  # red flags, what to tell the client
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))  # the visit that took it up
    # An emergency or urgent intake dealt with before any visit ("phoned the client, sent to the emergency department").
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(Integer)
    acknowledgement: Mapped[str | None] = mapped_column(Text)


class HomeProgramme(Base):
    """A client's home programme from one visit on: its items as given (title, instructions, dosage,
    days a week, and what the visit changed). Never edited: the next visit adds the next version."""

    __tablename__ = "home_programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    kb_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HomeLink(Base):
    """The link to a client's home programme, for one episode of care (no account).

    It opens with any of its keys (home_link_keys: the first, and one per
    reminder e-mail), and ends when it expires, is revoked or replaced, or the
    episode is closed.
    """

    __tablename__ = "home_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    psfs_activity: Mapped[str | None] = mapped_column(String(200))  # the baseline's activity asked about each week
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(String(20), default="")  # revoked | replaced


class HomeLinkKey(Base):
    """One random token that opens a home link; only its SHA-256 is stored."""

    __tablename__ = "home_link_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("home_links.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))  # link | reminder
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExerciseTick(Base):
    """A home exercise the client ticked as done on a day (the clinic's calendar day)."""

    __tablename__ = "exercise_ticks"
    __table_args__ = (UniqueConstraint("client_id", "item", "done_on", name="uq_exercise_ticks_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    item: Mapped[str] = mapped_column(String(60))
    done_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CheckIn(Base):
    """A client's weekly check-in, one a calendar week, with the screening of its emergency answers as given."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("client_id", "week_of", name="uq_check_ins_week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("home_links.id"))  # None when imported
    week_of: Mapped[date] = mapped_column(Date)  # the Monday of its week
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(10))
    screening: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    clinic_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the e-mail to the clinic


class CheckInReminder(Base):
    """A check-in reminder sent (or listed) for one link and week: the unique pair makes it once only."""

    __tablename__ = "check_in_reminders"
    __table_args__ = (UniqueConstraint("link_id", "week_of", name="uq_check_in_reminders_week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    link_id: Mapped[int] = mapped_column(ForeignKey("home_links.id"))
    week_of: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobLock(Base):
    """A named lock for work one server at a time must do (sending reminders): a row lock on
    PostgreSQL, a lease on this row under SQLite's write lock."""

    __tablename__ = "job_locks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Amendment(Base):
    """A dated correction to a signed SOAP note; never edited, never deleted."""

    __tablename__ = "amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[User] = relationship()


class SignedPdf(Base):
    """A signed visit's PDF as last rendered (summary or handout), so printing it again costs nothing.

    Keyed by the SHA-256 of the page it was laid out from, which holds the note, its
    signature and amendments and the clinic's letterhead: any change makes a new
    render. Dropped when the note is amended, and after a while unused (see records.pdfs).
    """

    __tablename__ = "signed_pdfs"
    __table_args__ = (UniqueConstraint("visit_id", "kind", name="uq_signed_pdfs_visit_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(20))  # summary | handout
    content_key: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class VisitDraft(Base):
    """A visit form (new visit, changed findings, or SOAP note) as last typed, saved as the therapist types.

    One per therapist and target; private to that therapist; deleted when the
    visit or note it drafts is saved.
    """

    __tablename__ = "visit_drafts"
    __table_args__ = (UniqueConstraint("therapist_id", "client_id", "kind", "target", name="uq_visit_drafts_owner_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(10))  # new | findings | soap
    target: Mapped[str] = mapped_column(String(20))  # "" for a new visit, else the visit id
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # form field -> value or list of values
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Autosaves are audited when a draft starts and then at most every few minutes.
    audited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordRequest(Base):
    """A client's request to see their record (access) or to correct it, with the day it came in."""

    __tablename__ = "record_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # access | correction
    received_on: Mapped[date] = mapped_column(Date)
    details: Mapped[str] = mapped_column(Text, default="")  # what the client asked for, in their words
    extended: Mapped[bool] = mapped_column(Boolean, default=False)  # the law's one extension, with notice to the client
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | answered | refused
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordCorrection(Base):
    """A correction of the record, or the client's statement of disagreement: attached, never replacing the original."""

    __tablename__ = "record_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))  # None: the client's details
    request_id: Mapped[int | None] = mapped_column(ForeignKey("record_requests.id"))
    kind: Mapped[str] = mapped_column(String(12))  # correction | disagreement
    part: Mapped[str] = mapped_column(String(200))  # what it is about, in words ("Subjective", "date of birth")
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[User] = relationship()


class DestroyedRecord(Base):
    """What is left of a record destroyed at the end of its retention: who it was, its span, who approved. No health data."""

    __tablename__ = "destroyed_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    former_client_id: Mapped[int] = mapped_column(Integer)  # as the audit log names it
    identifier: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    first_entry: Mapped[date] = mapped_column(Date)
    last_entry: Mapped[date] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(Integer)
    kept_until: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(300))  # the jurisdiction and the source the retention came from
    approved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    destroyed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approver: Mapped[User] = relationship()


class Breach(Base):
    """The clinic's register of privacy breaches: what happened, what was done, who was told and when."""

    __tablename__ = "breaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    discovered_on: Mapped[date] = mapped_column(Date)
    occurred_on: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # theft | loss | use | disclosure | other (as PHIPA's annual report counts)
    description: Mapped[str] = mapped_column(Text)  # what happened and which information, without copying it
    clients_affected: Mapped[int] = mapped_column(Integer)
    containment: Mapped[str] = mapped_column(Text, default="")
    clients_notified_on: Mapped[date | None] = mapped_column(Date)
    regulator_notified_on: Mapped[date | None] = mapped_column(Date)
    college_notified_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
class TreatmentRecord(Base):
    """What was actually done at a visit, and how the client responded (treatment.model, as JSON).

    Part of the visit's note: it changes only until the note is signed.
    """

    __tablename__ = "treatment_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    given: Mapped[dict[str, Any]] = mapped_column(JSON)  # entries, positioning, hydrotherapy, draping, exercises, total
    response: Mapped[dict[str, Any]] = mapped_column(JSON)  # pain before and after, the re-test, the client's words
    after_effects: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the client reports of the previous treatment
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TreatmentConsent(Base):
    """A consent as given (or declined): to treatment in general, or to sensitive areas at one visit.

    Never edited: a withdrawal adds its time; a new consent is a new row.
    """

    __tablename__ = "treatment_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    scope: Mapped[str] = mapped_column(String(10))  # treatment | areas
    pack: Mapped[str] = mapped_column(String(20))
    areas: Mapped[list[str]] = mapped_column(JSON)
    elements: Mapped[list[str]] = mapped_column(JSON)
    methods: Mapped[list[str]] = mapped_column(JSON)  # verbal | written | tablet
    decision: Mapped[str] = mapped_column(String(10))  # given | declined
    techniques: Mapped[list[str]] = mapped_column(JSON)  # the plan it was given for
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    signature: Mapped[str] = mapped_column(Text, default="")  # SVG path data drawn on the tablet
    witness: Mapped[str] = mapped_column(String(200), default="")
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_note: Mapped[str] = mapped_column(String(500), default="")
    taker: Mapped[User] = relationship()


class AuditEvent(Base):
    """One event of a clinic's audit log, linked to the one before it by a hash (records.audit).

    The client and visit ids are plain numbers, not references: the log outlives
    a record destroyed at the end of its retention.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("clinic_id", "seq", name="uq_audit_events_clinic_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(Integer)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(500), default="")
    # The clients a summarised event names (one event per page of a list).
    clients: Mapped[list[int] | None] = mapped_column(JSON)
    # Position in the clinic's chain, the previous event's hash, and this event's own.
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    user: Mapped[User | None] = relationship()


class AuditHead(Base):
    """The last link of a clinic's audit chain; locked while an event is added, so events join one at a time."""

    __tablename__ = "audit_heads"
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class LoginSession(Base):
    """A server-side session; the cookie holds a random token, the table only its hash."""

    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set while the tablet is in the client's hands: only one questionnaire is reachable.
    client_mode: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Tries at ending client mode, counted by one UPDATE before each is checked (so racing tries cannot pass the limit).
    unlock_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins by key (an account from unknown devices, one known device, an address) and the time of the next try.

    Each try is counted before the password is checked, in one locked row, so tries racing each other
    are counted one by one; after a few, each further try waits longer (progressive delay).
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_allowed: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnownDevice(Base):
    """A browser that signed in to an account before (a cookie holds a random token; this, its hash).

    Failed sign-ins from elsewhere do not slow the account down on its known devices.
    """

    __tablename__ = "known_devices"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A shared clinic computer is known for each account that signed in on it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RateLimitEvent(Base):
    """One failed login, by key (an account or an address); counted over a window."""

    __tablename__ = "rate_limit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_audit_clinic_at", AuditEvent.clinic_id, AuditEvent.at)
Index("ix_audit_clinic_id_desc", AuditEvent.clinic_id, AuditEvent.id)
Index("ix_audit_clinic_client", AuditEvent.clinic_id, AuditEvent.client_id, AuditEvent.id)
Index("ix_audit_clinic_user", AuditEvent.clinic_id, AuditEvent.user_id, AuditEvent.id)
Index("ix_clients_clinic_name", Client.clinic_id, Client.name_norm, Client.id)
Index("uq_clients_clinic_identifier", Client.clinic_id, Client.identifier, unique=True)
Index("ix_clients_clinic_discharged", Client.clinic_id, Client.discharged_on, Client.name_norm, Client.id)
Index("ix_visits_client_date", Visit.client_id, Visit.visit_date, Visit.id)
Index("ix_intake_links_client", IntakeLink.client_id)
Index("ix_intakes_clinic_pending", Intake.clinic_id, Intake.visit_id, Intake.urgency)
Index("ix_intakes_client", Intake.client_id, Intake.submitted_at)
Index("ix_episodes_client", Episode.client_id, Episode.started_on)
Index("ix_questionnaires_client", QuestionnaireResponse.client_id, QuestionnaireResponse.instrument, QuestionnaireResponse.answered_on)
Index("ix_referral_letters_visit", ReferralLetter.visit_id)
Index("ix_visits_episode", Visit.episode_id, Visit.visit_date)
Index("ix_visit_drafts_client", VisitDraft.client_id, VisitDraft.therapist_id)
Index("ix_rate_limit_key_at", RateLimitEvent.key, RateLimitEvent.at)
Index("ix_treatment_records_client", TreatmentRecord.client_id)
Index("ix_treatment_consents_client", TreatmentConsent.client_id, TreatmentConsent.scope, TreatmentConsent.given_at)
Index("ix_treatment_consents_visit", TreatmentConsent.visit_id)
Index("ix_home_programmes_episode", HomeProgramme.episode_id, HomeProgramme.id)
Index("ix_home_links_client", HomeLink.client_id)
Index("ix_exercise_ticks_episode", ExerciseTick.episode_id, ExerciseTick.done_on)
Index("ix_check_ins_clinic_flagged", CheckIn.clinic_id, CheckIn.acknowledged_at, CheckIn.urgency)
Index("ix_check_ins_episode", CheckIn.episode_id, CheckIn.week_of)
