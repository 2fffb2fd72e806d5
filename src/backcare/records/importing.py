"""Importing records exported by backcare (a Bundle, or a whole clinic as Bulk Data NDJSON): all or nothing.

Everything goes in one transaction: one bad resource and nothing at all is
saved. Each part passes the same models and limits as a normal save (the
client's details, the visit's date, findings and assessment, the note, each
amendment, letter, questionnaire and intake; the treatment sessions, consents
and home programme in importing_care.py); a problem is reported as
FieldErrors keyed by the resource and its field. What was signed elsewhere stays
signed, marked as imported, and is never attributed to an active account here:
the people of an imported record who attested something (signed, amended,
wrote a letter, closed an episode, entered a questionnaire) become inactive
stand-in accounts unless an inactive account of this clinic already has their
address. A client already here (same identifier) is reported and skipped, not
copied. Rows are written a batch at a time; a visit's note, signature and
amendments, when they come while the visit waits in its batch (a bulk export
reads them beside it: fhir.bulk_reading), are written with it.
"""
from __future__ import annotations

import hashlib
import secrets
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Literal

import orjson
from pydantic import AwareDatetime, Field, ValidationError, field_validator
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from ..clinical.assessment import check_json as check_assessment_json, summary
from ..clinical.caseio import parse_case
from ..clinical.errors import CaseError
from ..intake.answers import IntakeAnswers
from ..outcomes import AnswerError, score
from ..safetext import NOTE, SafeText
from ..storage.models import (Amendment, Client, Episode, Intake, IntakeLink, QuestionnaireResponse, RecordCorrection,
                              ReferralLetter, User, Visit)
from .base import EARLIEST_DATE, Actor, FieldErrors, RecordsBase, _field_errors
from .bulk_insert import insert_rows
from .clients import ClientIn, normalise, search_text
from .import_checks import Person, Strict, checked, plausible_day, plausible_time
from .importing_care import CareImporter
from .outcomes import DISCHARGE_REASONS
from .users import hash_password, normalise_email
from .visits import SoapIn, VisitDetails

AUDIT_EVERY = 100  # imported clients named per audit event


class EpisodeIn(Strict):
    started_on: date
    closed_on: date | None = None
    closed_by: Person | None = None
    discharge_reason: Literal["", *DISCHARGE_REASONS] = ""
    discharge_note: SafeText(NOTE) = ""

    _days = field_validator("started_on", "closed_on")(plausible_day)


class VisitRowIn(Strict):
    visit_date: date
    therapist: Person | None = None
    case: dict[str, Any]
    assessment: str  # JSON text
    kb_version: SafeText(40, 1)
    treatment_given: SafeText(NOTE) = ""
    created_at: AwareDatetime | None = None
    handout_items: list[SafeText(100)] | None = Field(default=None, max_length=20)
    details: VisitDetails | None = None

    _day = field_validator("visit_date")(plausible_day)
    _time = field_validator("created_at")(plausible_time)


class SignatureIn(Strict):
    signer: Person
    signed_at: AwareDatetime

    _time = field_validator("signed_at")(plausible_time)


class AmendmentIn(Strict):
    author: Person | None = None
    text: SafeText(NOTE, 1)
    created_at: AwareDatetime

    _time = field_validator("created_at")(plausible_time)


class LetterIn(Strict):
    addressee: SafeText(300, 1)
    urgency: Literal["routine", "urgent", "emergency"]
    body: SafeText(NOTE, 1)
    author: Person | None = None
    created_at: AwareDatetime

    _time = field_validator("created_at")(plausible_time)


class QuestionnaireIn(Strict):
    instrument: SafeText(20, 1)
    answers: dict[str, Any]
    score: float | None = None
    result: dict[str, Any]
    complete: bool
    answered_on: date
    entered_by: Person | None = None
    mode: Literal["therapist", "client", "intake"]
    kb_version: SafeText(40, 1)
    created_at: AwareDatetime

    _day = field_validator("answered_on")(plausible_day)
    _time = field_validator("created_at")(plausible_time)


class CorrectionRowIn(Strict):
    correction: Literal["correction", "disagreement"]
    part: SafeText(200, 1)
    text: SafeText(NOTE, 1)
    author: Person | None = None
    created_at: AwareDatetime

    _time = field_validator("created_at")(plausible_time)


class ScreeningFlag(Strict):
    id: SafeText(100, 1)
    evidence: list[SafeText(500)] = Field(max_length=50)


class ScreeningIn(Strict):
    urgency: Literal["none", "routine", "urgent", "emergency"]
    red_flags: list[ScreeningFlag] = Field(max_length=50)
    tell_client: SafeText(NOTE) | None = None
    advice: SafeText(NOTE) | None = None


class IntakeIn(Strict):
    submitted_at: AwareDatetime
    instruments: list[SafeText(20)] = Field(max_length=10)
    answers: IntakeAnswers
    case: dict[str, Any]
    urgency: Literal["none", "routine", "urgent", "emergency"]
    screening: ScreeningIn

    _time = field_validator("submitted_at")(plausible_time)


def _case(value: Any, source: str, where: str = "case") -> dict[str, Any]:
    try:
        return parse_case(value).findings()
    except CaseError as exc:
        raise FieldErrors({f"{source}, {where}.{p.split(': ', 1)[0]}": p.split(": ", 1)[-1] for p in exc.problems[:5]}) from None
    except RecursionError:
        raise FieldErrors({f"{source}, {where}": "Nested too deeply"}) from None


@dataclass
class ImportReport:
    """What an import did: clients added (ids), clients already here (identifier, id), and counts by kind."""

    imported: list[int] = field(default_factory=list)
    matched: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


READ_AHEAD_FROM = 2000  # visits in a bulk export from which a second process reads it (starting one takes a moment)
BATCH = 200  # rows written at a time: one statement for many rows, and memory stays flat
TO_A_VISIT = ("note", "signature", "amendment")  # written with their visit when it is still waiting to be written
CLIENTS, EPISODES, VISITS = Client.__table__, Episode.__table__, Visit.__table__
AMENDMENTS, LETTERS, RESPONSES = Amendment.__table__, ReferralLetter.__table__, QuestionnaireResponse.__table__
LINKS, INTAKES, CORRECTIONS = IntakeLink.__table__, Intake.__table__, RecordCorrection.__table__


class _Importer(CareImporter):
    """Checks each item as it comes and writes them a batch at a time; items of one kind follow each other."""

    def __init__(self, db: Session, actor: Actor, records: RecordsBase):
        self.db, self.actor, self.records = db, actor, records
        self.conn = db.connection()
        self.report = ImportReport()
        self.kind: str | None = None
        self.pending: list[tuple[Any, dict[str, Any]]] = []  # (key or None, row) of the current kind
        self.clients: dict[str, int] = {}
        self.identifiers: set[str] = set()
        self.episodes: dict[str, int] = {}
        self.visits: dict[str, tuple[int, int]] = {}  # key -> (visit id, client id)
        self.skipped: set[str] = set()  # keys of what belongs to a client already here
        self.signed: set[Any] = set()  # keys of the visits whose note is signed
        self.waiting: dict[Any, dict[str, Any]] = {}  # key -> row of the visits checked but not yet written
        self.following: list[tuple[Any, dict[str, Any]]] = []  # (visit key, row) of amendments to visits still waiting
        self.last_visit: dict[int, date] = {}
        self.people: dict[tuple[str, bool], int] = {}
        self.unaudited: list[int] = []
        self.now = datetime.now(timezone.utc)
        self._care_state()

    def add(self, item: dict[str, Any]) -> None:
        kind = item["kind"]
        if kind in TO_A_VISIT and item["visit"] in self.waiting:
            # Read beside its visit (fhir.bulk_reading): it goes into the visit's row, or follows it, in the same batch.
            getattr(self, f"_{kind}")(item)
            self.report.counts[kind] = self.report.counts.get(kind, 0) + 1
            return
        if kind != self.kind or len(self.pending) >= BATCH:
            self.flush()  # which also finds the clients already here: what is theirs is skipped
            self.kind = kind
        if any(item.get(ref) in self.skipped for ref in ("client", "visit", "episode")):
            if kind in ("visit", "episode"):
                self.skipped.add(item["key"])
            return
        self.pending.append(getattr(self, f"_{kind}")(item))
        self.report.counts[kind] = self.report.counts.get(kind, 0) + 1

    def flush(self) -> None:
        if self.pending:
            getattr(self, f"_write_{self.kind}")(self.pending)
            self.pending = []

    def _insert(self, table, rows: list[dict[str, Any]]) -> list[int]:
        return insert_rows(self.conn, table, rows)

    def _update(self, table, rows: list[dict[str, Any]], **values: str) -> None:
        self.conn.execute(table.update().where(table.c.id == bindparam("row_id"))
                          .values({column: bindparam(name) for column, name in values.items()}), rows)

    # --- people ---------------------------------------------------------------------------

    def _user(self, person: Person | None, attests: bool) -> int | None:
        """This clinic's account for a person of the record; see the module's docstring."""
        if person is None:
            return None
        email = normalise_email(person.email)
        key = (email, attests)
        if key in self.people:
            return self.people[key]
        found = self.db.scalar(select(User).where(User.email == email))
        usable = found is not None and found.clinic_id == self.actor.clinic_id and (not found.active or not attests)
        if not usable:
            stand_in = hashlib.sha256(f"{self.actor.clinic_id}:{email}".encode()).hexdigest()[:16]
            email = f"imported-{stand_in}@import.invalid"
            found = self.db.scalar(select(User).where(User.email == email))
            if found is None:
                found = User(clinic_id=self.actor.clinic_id, email=email, name=person.name, role="therapist",
                             password_hash=hash_password(secrets.token_urlsafe(32)), active=False)
                self.db.add(found)
                self.db.flush()
        self.people[key] = found.id
        return found.id

    # --- each kind: check the item, then write a batch ------------------------------------

    def _client(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        details: ClientIn = checked(ClientIn, item["details"], source)
        identifier = item["identifier"]
        if not isinstance(identifier, str) or not 0 < len(identifier) <= 64 or "\x00" in identifier:
            raise FieldErrors({f"{source}, identifier": "Must be text of up to 64 characters"})
        if identifier in self.identifiers:
            raise FieldErrors({f"{source}, identifier": "The same client appears twice in the file"})
        self.identifiers.add(identifier)
        values = details.model_dump()
        return item["key"], {
            "clinic_id": self.actor.clinic_id, "created_by": self.actor.user_id, "identifier": identifier, **values,
            "name_norm": normalise(values["name"]), "search_norm": search_text(values["name"], values["email"], values["phone"]),
            "created_at": self.now, "updated_at": self.now}

    def _write_client(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        here = {row.identifier: row for row in self.conn.execute(
            select(Client.id, Client.identifier, Client.name, Client.date_of_birth).where(
                Client.clinic_id == self.actor.clinic_id, Client.identifier.in_([r["identifier"] for _, r in pending])))}
        new = []
        for key, row in pending:
            found = here.get(row["identifier"])
            # An identifier from before identifiers were UUIDs (a number) matches only with the same name and birth date.
            if found is not None and (len(row["identifier"]) >= 32 or (found.name, found.date_of_birth) == (row["name"], row["date_of_birth"])):
                self.report.matched.append((row["identifier"], found.id))
                self.skipped.add(key)
                continue
            if found is not None:
                row["identifier"] = f"{row['identifier']}-{secrets.token_hex(4)}"
            new.append((key, row))
        for (key, _), client_id in zip(new, self._insert(CLIENTS, [row for _, row in new])):
            self.clients[key] = client_id
            self.report.imported.append(client_id)
            self.unaudited.append(client_id)
            if len(self.unaudited) >= AUDIT_EVERY:
                self._audit_imported()

    def _episode(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        e: EpisodeIn = checked(EpisodeIn, item, item["source"])
        if e.closed_on is not None and e.closed_on < e.started_on:
            raise FieldErrors({f"{item['source']}, period.end": "The episode closes before it starts"})
        return item["key"], {"clinic_id": self.actor.clinic_id, "client_id": self.clients[item["client"]], "started_on": e.started_on,
                             "closed_on": e.closed_on, "closed_by": self._user(e.closed_by, True),
                             "discharge_reason": e.discharge_reason, "discharge_note": e.discharge_note, "created_at": self.now}

    def _write_episode(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        for (key, _), episode_id in zip(pending, self._insert(EPISODES, [row for _, row in pending])):
            self.episodes[key] = episode_id

    def _visit(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        v: VisitRowIn = checked(VisitRowIn, item, source)
        case = _case(v.case, source)
        # Kept as given, once it has the engine's shape: checked as it was read (fhir.reading), or here.
        kept = item.get("assessment_summary") or self._assessment(v.assessment, source)
        if v.handout_items:
            self._check_handout(case, v.handout_items, source)
        client_id = self.clients[item["client"]]
        if v.visit_date > self.last_visit.get(client_id, EARLIEST_DATE):
            self.last_visit[client_id] = v.visit_date
        if item.get("treatment") is not None:
            self._session(item["key"], source, item["treatment"])
        row = {
            "clinic_id": self.actor.clinic_id, "client_id": client_id, "episode_id": self.episodes.get(item["episode"]),
            "therapist_id": self._user(v.therapist, False) or self.actor.user_id, "visit_date": v.visit_date, "case": case,
            "assessment": orjson.Fragment(v.assessment), "kb_version": v.kb_version,
            "pain_nrs": (case.get("symptoms") or {}).get("pain_nrs"), **kept, "treatment_given": v.treatment_given,
            "created_at": v.created_at or self.now, "imported_at": self.now,
            "handout_items": v.handout_items, "details": v.details.model_dump() if v.details else None,
            "soap_subjective": "", "soap_objective": "", "soap_assessment": "", "soap_plan": "", "signed_at": None, "signed_by": None}
        self.waiting[item["key"]] = row
        return item["key"], row

    def _write_visit(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        written = []
        for (key, row), visit_id in zip(pending, self._insert(VISITS, [row for _, row in pending])):
            self.visits[key] = (visit_id, row["client_id"])
            written.append((key, visit_id, row["client_id"]))
        self.waiting.clear()
        self._write_sessions(written)
        if self.following:
            self._write_amendment([(None, {**row, "visit_id": self.visits[key][0]}) for key, row in self.following])
            self.following = []

    @staticmethod
    def _assessment(text: str, source: str) -> dict[str, str]:
        try:
            return summary(check_assessment_json(text))
        except ValidationError as exc:
            raise FieldErrors({f"{source}, assessment.{k}": m for k, m in _field_errors(exc).errors.items()}) from None

    @staticmethod
    def _check_handout(case: dict[str, Any], chosen: list[str], source: str) -> None:
        from ..clinical.engine import self_care_choices
        from ..clinical.knowledge.runtime import load_knowledge
        from .visits import allowed

        choices = {c["id"]: c for c in self_care_choices(case, load_knowledge())}
        if any(i not in choices or not allowed(choices[i]) for i in chosen):
            raise FieldErrors({f"{source}, extension handout-items": "Holds an exercise these findings do not allow"})

    def _into_visit(self, key: Any, values: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        """Columns of a visit: into its row while it waits to be written, else an update of the row written."""
        if key in self.waiting:
            self.waiting[key].update(values)
            return None
        return None, {"row_id": self.visits[key][0], **values}

    def _write_visit_columns(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        columns = [c for c in pending[0][1] if c != "row_id"]
        self._update(VISITS, [{"row_id": row["row_id"], **{f"new_{c}": row[c] for c in columns}} for _, row in pending],
                     **{c: f"new_{c}" for c in columns})

    def _note(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        note: SoapIn = checked(SoapIn, item["soap"], item["source"])
        return self._into_visit(item["visit"], {"soap_subjective": note.subjective, "soap_objective": note.objective,
                                                "soap_assessment": note.assessment, "soap_plan": note.plan})

    _write_note = _write_visit_columns

    def _signature(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        s: SignatureIn = checked(SignatureIn, item, item["source"])
        if item["visit"] in self.signed:
            raise FieldErrors({f"{item['source']}, target": "The note is signed twice"})
        self.signed.add(item["visit"])
        return self._into_visit(item["visit"], {"signed_at": s.signed_at, "signed_by": self._user(s.signer, True)})

    _write_signature = _write_visit_columns

    def _amendment(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        a: AmendmentIn = checked(AmendmentIn, item, item["source"])
        row = {"author_id": self._user(a.author, True) or self.actor.user_id, "text": a.text, "created_at": a.created_at}
        if item["visit"] in self.waiting:
            self.following.append((item["visit"], row))
            return None
        return None, {"visit_id": self.visits[item["visit"]][0], **row}

    def _write_amendment(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(AMENDMENTS.insert(), [row for _, row in pending])

    def _letter(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        lt: LetterIn = checked(LetterIn, item, item["source"])
        visit_id, client_id = self.visits[item["visit"]]
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "visit_id": visit_id, "addressee": lt.addressee,
                      "urgency": lt.urgency, "body": lt.body, "created_by": self._user(lt.author, True) or self.actor.user_id,
                      "created_at": lt.created_at}

    def _write_letter(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(LETTERS.insert(), [row for _, row in pending])

    def _questionnaire(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        q: QuestionnaireIn = checked(QuestionnaireIn, item, source)
        try:
            result = score(q.instrument, q.answers)
        except (AnswerError, KeyError, LookupError) as exc:
            errors = exc.errors if isinstance(exc, AnswerError) else {"questionnaire": "An unknown questionnaire"}
            raise FieldErrors({f"{source}, {k}": m for k, m in errors.items()}) from None
        if (result.value, result.complete) != (q.score, q.complete):
            raise FieldErrors({f"{source}, extension result": "The score does not match the answers"})
        client_id = self.clients[item["client"]]
        episode_id = self.episodes.get(item["episode"]) or self.records._open_episode(  # type: ignore[attr-defined] - OutcomesMixin
            self.db, self.actor.clinic_id, self.db.get(Client, client_id), q.answered_on).id
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "episode_id": episode_id,
                      "visit_id": self.visits[item["visit"]][0] if item.get("visit") else None, "instrument": q.instrument,
                      "answers": result.answers, "score": result.value, "result": result.as_dict(), "complete": result.complete,
                      "answered_on": q.answered_on, "entered_by": self._user(q.entered_by, True) or self.actor.user_id,
                      "mode": q.mode, "kb_version": q.kb_version, "created_at": q.created_at}

    def _write_questionnaire(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(RESPONSES.insert(), [row for _, row in pending])

    def _correction(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        k: CorrectionRowIn = checked(CorrectionRowIn, item, item["source"])
        visit_id, client_id = self.visits[item["visit"]] if item.get("visit") is not None else (None, self.clients[item["client"]])
        return None, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "visit_id": visit_id, "request_id": None,
                      "kind": k.correction, "part": k.part, "text": k.text,
                      "created_by": self._user(k.author, True) or self.actor.user_id, "created_at": k.created_at}

    def _write_correction(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        self.conn.execute(CORRECTIONS.insert(), [row for _, row in pending])

    def _intake(self, item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        source = item["source"]
        i: IntakeIn = checked(IntakeIn, item, source)
        case = _case(i.case, source, "extension intake-case")
        client_id = self.clients[item["client"]]
        # A spent link for the intake to hang on; its token is random and thrown away, so it opens nothing.
        link = {"clinic_id": self.actor.clinic_id, "client_id": client_id,
                "token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(), "instruments": i.instruments,
                "created_by": self.actor.user_id, "created_at": i.submitted_at, "expires_at": i.submitted_at,
                "spent_at": i.submitted_at}
        return link, {"clinic_id": self.actor.clinic_id, "client_id": client_id, "submitted_at": i.submitted_at,
                      "answers": i.answers.model_dump(), "case": case, "urgency": i.urgency, "screening": i.screening.model_dump(),
                      "visit_id": self.visits[item["visit"]][0] if item.get("visit") else None}

    def _write_intake(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        links = self._insert(LINKS, [link for link, _ in pending])
        self.conn.execute(INTAKES.insert(), [{**row, "link_id": link_id} for (_, row), link_id in zip(pending, links)])

    # --- the end --------------------------------------------------------------------------

    def _audit_imported(self) -> None:
        if self.unaudited:
            self.records._audit(self.db, self.actor, "import", detail=f"{len(self.unaudited)} clients imported",
                                clients=self.unaudited)
            self.unaudited = []

    def _mark_discharged(self) -> None:
        """A client whose every episode is closed is discharged (on the last closing day), as at home."""
        self.db.flush()  # episodes opened for a questionnaire or a check-in count too
        ids = self.report.imported
        for start in range(0, len(ids), 1000):
            closed = [{"row_id": r.client_id, "on": r.last} for r in self.conn.execute(
                select(Episode.client_id, func.max(Episode.closed_on).label("last"))
                .where(Episode.client_id.in_(ids[start:start + 1000])).group_by(Episode.client_id)
                .having(func.count() == func.count(Episode.closed_on)))]
            if closed:
                self._update(CLIENTS, closed, discharged_on="on")

    def finish(self) -> ImportReport:
        self.flush()
        if self.last_visit:
            self._update(CLIENTS, [{"row_id": c, "last": d} for c, d in self.last_visit.items()], last_visit_date="last")
        self._mark_discharged()
        self._audit_imported()
        if self.report.matched:
            self.records._audit(self.db, self.actor, "import.matched",
                                detail=f"{len(self.report.matched)} clients already here, not imported again",
                                clients=[client_id for _, client_id in self.report.matched][:1000])
        return self.report


class ImportMixin(RecordsBase):
    def import_bundle(self, actor: Actor, bundle: Any) -> ImportReport:
        """Import a Bundle exported by backcare (BundleError or FieldErrors name what is wrong; nothing is saved then)."""
        from ..fhir import bundle_resources, items

        return self.import_items(actor, items(bundle_resources(bundle)))

    def import_ndjson(self, actor: Actor, directory: Path) -> ImportReport:
        """Import a whole clinic exported as Bulk Data NDJSON (`backcare export fhir --bulk DIR`), read a line at a time
        (by a second process, reading ahead, when it holds READ_AHEAD_FROM visits or more: fhir.read_ahead)."""
        from ..fhir import items, ndjson_resources
        from ..fhir.bulk_reading import read_manifest
        from ..fhir.read_ahead import read_ahead

        self._require_admin(actor)
        visits = (read_manifest(directory).get("Encounter") or (None, 0))[1] or 0
        with closing(read_ahead(directory) if visits >= READ_AHEAD_FROM else items(ndjson_resources(directory))) as stream:
            return self.import_items(actor, stream)

    def import_items(self, actor: Actor, items: Iterable[dict[str, Any]]) -> ImportReport:
        """Import a stream of items (fhir.items) into the actor's clinic (admins only), all in one transaction."""
        self._require_admin(actor)
        with self._transaction(actor) as db:
            sqlite = db.get_bind().dialect.name == "sqlite"
            if not sqlite and db.scalar(text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")):
                # A visit's findings and assessment are kilobytes of JSON each: PostgreSQL's own compression (pglz)
                # of a whole clinic's cost the server as much CPU as the import itself; lz4 a third of it.
                db.execute(text("SET LOCAL default_toast_compression = 'lz4'"))
            if sqlite:
                # One long transaction: a larger page cache keeps more of its pages in memory instead of spilling
                # them to the log before the commit (and a visit whose note comes out of step is rewritten).
                db.connection().exec_driver_sql("PRAGMA cache_size = -32768")
            try:
                importer = _Importer(db, actor, self)
                for item in items:
                    importer.add(item)
                return importer.finish()
            finally:
                if sqlite:
                    db.connection().exec_driver_sql("PRAGMA cache_size = -2000")
