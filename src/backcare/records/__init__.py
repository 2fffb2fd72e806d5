"""Client records: the one object the web pages, the JSON API and the CLI share.

`Records` is composed of one part per domain (users, clinics, clients, visits,
drafts, outcomes, letters, intake, treatment, consents, exchange, importing, retention, requests, audit, today,
homecare with its programmes and reminders, signed visits' PDFs), each in its own module; all of them keep to the acting user's clinic, run one
transaction per operation and audit every access (see `base`). `tables` writes a
clinic's exported records as CSV tables.

An adapter over storage: it may import storage, fhir, the domains (outcomes,
intake, treatment, homecare), the clinical core and the shared safe-text rules; never the web or the CLI.
"""
from __future__ import annotations

from .audit import AuditFilter, AuditMixin, AuditPage
from .base import MAX_ID, Actor, FieldErrors, Forbidden, Locked, NotFound, utc, validated
from .clients import ClientIn, ClientPage, ClientRow, ClientsMixin, normalise
from .clinics import LOCALES, MAX_IDLE, MIN_IDLE, ClinicDetails, ClinicIn, ClinicsMixin, time_zones
from .consents import ConsentRow, ConsentsMixin
from .drafts import KINDS as DRAFT_KINDS
from .drafts import Draft, DraftConflict, DraftsMixin, DraftSummary
from .exchange import ExchangeMixin
from .importing import ImportMixin, ImportReport
from .requests import RequestsMixin, RequestView
from .retention import QueueRow, RetentionMixin, RetentionView
from .homecare import (CheckInSent, CheckInView, FlaggedCheckIn, HomecareMixin, HomeLinkView, HomePage, HomeRecord,
                       HomeUnavailable)
from .intake import Flagged, IntakeMixin, IntakeUnavailable, IntakeView, Invitation, LinkView
from .letters import Letter, LettersMixin
from .treatment import PreviousVisit, TreatmentMixin, TreatmentView
from .outcomes import DISCHARGE_REASONS, EpisodeRecord, EpisodeView, OutcomesMixin, Response, VisitPoint
from .pdfs import PdfsMixin
from .programmes import ProgrammeView
from .reminders import ClinicAlert, DueReminder, RemindersMixin
from .today import DayVisit, OpenDraft, TodayMixin
from .users import ROLES, UsersMixin, check_password_strength, hash_password, normalise_email
from .visits import SoapIn, Timeline, TimelineEntry, VisitIn, VisitsMixin

__all__ = ["QueueRow", "RequestView", "RetentionView", "ImportReport", "CheckInSent", "CheckInView", "ClinicAlert", "DueReminder", "FlaggedCheckIn", "HomeLinkView", "HomePage",
           "HomeRecord", "HomeUnavailable", "ProgrammeView", "ConsentRow", "PreviousVisit", "TreatmentView", "Flagged", "IntakeUnavailable", "IntakeView", "Invitation", "LinkView", "DISCHARGE_REASONS", "EpisodeRecord", "EpisodeView", "Letter", "Response", "VisitPoint", "DRAFT_KINDS", "MAX_ID", "ROLES", "Actor", "AuditPage", "ClientIn", "ClientPage", "ClientRow", "ClinicDetails",
           "ClinicIn", "Draft", "DraftConflict", "DraftSummary", "FieldErrors", "Forbidden", "Locked", "NotFound", "Records",
           "SoapIn", "Timeline", "TimelineEntry", "VisitIn", "check_password_strength", "hash_password", "normalise",
           "normalise_email", "time_zones", "utc", "validated", "LOCALES", "MIN_IDLE", "MAX_IDLE", "DayVisit", "OpenDraft", "AuditFilter"]


class Records(UsersMixin, ClinicsMixin, ClientsMixin, VisitsMixin, DraftsMixin, OutcomesMixin, LettersMixin, IntakeMixin,
              ExchangeMixin, ImportMixin, RetentionMixin, RequestsMixin, AuditMixin, TreatmentMixin, ConsentsMixin,
              TodayMixin, HomecareMixin, RemindersMixin, PdfsMixin):
    """Every records operation, for any adapter (pages, API, command line)."""
