"""Clients: details, the list and search.

The list reads indexed columns only (a normalised name, the stored latest
visit date) and is paginated by key, so a page costs the same at 100 clients
and at 100,000. Every client a list shows is audited by name.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator
from sqlalchemy import and_, column, insert, not_, select, table, text, tuple_
from sqlalchemy.orm import Session

from ..clinical.vocabulary import vocabulary
from ..safetext import LINE, SHORT, NameText, SafeText
from ..storage.models import Client
from .base import EARLIEST_DATE, Actor, RecordsBase, Refused, in_range, validated

PAGE = 50


def normalise(value: str | None) -> str:
    """Lower case, accents and control characters removed, single spaces: 'Zoë  Ünal' -> 'zoe unal'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    kept = (c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c)[0] != "C")
    return " ".join("".join(kept).lower().split())


def search_text(name: str, email: str | None, phone: str | None) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return " ".join(x for x in (normalise(name), normalise(email), digits) if x)[:500]


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: NameText(SHORT)
    date_of_birth: date | None = None
    phone: SafeText(50) | None = Field(default=None, pattern=r"^[0-9 +()\-.]*$")
    email: EmailStr | None = Field(default=None, max_length=254)
    medical: dict[str, bool] = {}
    sex: Literal["female", "male", "other"] | None = None
    address: SafeText(300) | None = None
    family_doctor: SafeText(SHORT) | None = None
    family_doctor_contact: SafeText(300) | None = None
    emergency_contact: SafeText(300) | None = None
    occupation: SafeText(SHORT) | None = None
    medications: SafeText(LINE * 4) | None = None
    allergies: SafeText(LINE * 2) | None = None
    consent_given: bool = False
    # Checked as a field (not a whole-model rule) so it is reported with the other fields' problems.
    consent_date: date | None = Field(default=None, validate_default=True)

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and not (EARLIEST_DATE <= value <= date.today()):
            raise ValueError("date of birth must be between 1900 and today")
        return value

    @field_validator("medical")
    @classmethod
    def _known_flags(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(vocabulary().medical_history))
        if unknown:
            raise ValueError(f"unknown medical history {unknown}; allowed: {', '.join(vocabulary().medical_history)}")
        return value

    @field_validator("consent_date")
    @classmethod
    def _consent_is_dated(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("consent_given") and value is None:
            raise ValueError("give the date consent to treatment was recorded")
        if value is not None and not (EARLIEST_DATE <= value <= date.today()):
            raise ValueError("the consent date must be between 1900 and today")
        return value


@dataclass(frozen=True)
class ClientRow:
    """What the client list shows: enough to pick the right person, nothing clinical."""

    id: int
    name: str
    date_of_birth: date | None
    last_visit_date: date | None
    discharged_on: date | None = None


@dataclass(frozen=True)
class ClientPage:
    rows: list[ClientRow]
    next_after: int | None  # pass as `after` for the next page; None on the last page


class ClientsMixin(RecordsBase):
    @staticmethod
    def _client(db: Session, client_id: int, actor: Actor) -> Client:
        client = db.get(Client, client_id) if in_range(client_id) else None
        if client is None or client.clinic_id != actor.clinic_id:
            raise Refused("client", client_id, client.clinic_id if client else None)
        return client

    def list_clients(self, actor: Actor, search: str = "", after: int | None = None, limit: int = PAGE,
                     status: str = "all") -> ClientPage:
        """A page of the clinic's clients by name; with a search term, names that start with it
        first (an index range, in name order), then, from three letters, those that contain it
        elsewhere, newest client first (a trigram index read in id order, so a page stops after
        its rows however many clients match). `status` keeps only the clients in care
        ("current") or those discharged ("discharged")."""
        term = normalise(search)[:100].replace("%", "").replace("_", "")
        kept = {"current": Client.discharged_on.is_(None), "discharged": Client.discharged_on.is_not(None)}.get(status)
        with self._tx() as db:
            anchor = None
            if after is not None and in_range(after):
                anchor = db.execute(select(Client.name_norm, Client.id).where(
                    Client.id == after, Client.clinic_id == actor.clinic_id)).first()
            if not term:
                found = self._page(db, actor, kept, anchor, limit + 1)
            else:
                starts = and_(Client.name_norm >= term, Client.name_norm < term + "\U0010ffff")
                in_first_part = anchor is None or anchor.name_norm.startswith(term)
                found = self._page(db, actor, and_(starts, kept) if kept is not None else starts, anchor,
                                   limit + 1) if in_first_part else []
                if len(term) >= 3 and len(found) <= limit:
                    others = and_(not_(starts), *([kept] if kept is not None else []))
                    found += self._containing(db, actor, term, others, None if in_first_part else anchor.id, limit + 1 - len(found))
            rows = [ClientRow(r.id, r.name, r.date_of_birth, r.last_visit_date, r.discharged_on) for r in found[:limit]]
            if rows:
                # One event per page, naming every client it showed: "who saw this client" must have an answer.
                self._audit(db, actor, "client.list", detail=f"{len(rows)} clients, search={term!r}", clients=[r.id for r in rows])
            return ClientPage(rows, rows[-1].id if len(found) > limit else None)

    @staticmethod
    def _page(db: Session, actor: Actor, condition, anchor, limit: int) -> list:
        query = (select(Client.id, Client.name, Client.date_of_birth, Client.last_visit_date, Client.discharged_on)
                 .where(Client.clinic_id == actor.clinic_id))
        if condition is not None:
            query = query.where(condition)
        if anchor is not None:
            query = query.where(tuple_(Client.name_norm, Client.id) > tuple_(anchor.name_norm, anchor.id))
        return list(db.execute(query.order_by(Client.name_norm, Client.id).limit(limit)).all())

    @staticmethod
    def _containing(db: Session, actor: Actor, term: str, condition, before: int | None, limit: int) -> list:
        """Clients with the term anywhere in their name, e-mail or phone number, newest first.

        Newest first, not by name: the trigram index yields its matches in id order, so
        the scan stops at the page's last row. In name order every match (3,000 for a
        common surname among 100,000 clients) had to be read and sorted to keep 51.
        """
        query = (select(Client.id, Client.name, Client.date_of_birth, Client.last_visit_date, Client.discharged_on)
                 .where(Client.clinic_id == actor.clinic_id, condition))
        if before is not None:
            query = query.where(Client.id < before)
        pattern = f"%{term}%"
        if db.get_bind().dialect.name == "sqlite":
            # FTS5 (trigram) drives the join, reading its index backwards by rowid (= client id).
            search = table("clients_search", column("rowid"), column("search_norm"))
            query = (query.select_from(search.join(Client, Client.id == search.c.rowid))
                     .where(search.c.search_norm.like(pattern)).order_by(search.c.rowid.desc()))
        else:
            # PostgreSQL reads the primary key backwards for a common term, the trigram index for a rare one.
            query = query.where(Client.search_norm.like(pattern)).order_by(Client.id.desc())
        return list(db.execute(query.limit(limit)).all())

    def create_client(self, actor: Actor, data: dict[str, Any], read_back: bool = False) -> int | Client:
        """A new client; returns the id, or with `read_back` the client as saved, read in the same transaction."""
        client_in: ClientIn = validated(ClientIn, data)
        values = client_in.model_dump()
        with self._tx() as db:
            client = Client(clinic_id=actor.clinic_id, created_by=actor.user_id, **values,
                            name_norm=normalise(values["name"]),
                            search_norm=search_text(values["name"], values["email"], values["phone"]))
            db.add(client)
            db.flush()
            self._audit(db, actor, "client.create", client_id=client.id)
            if read_back:
                self._audit(db, actor, "client.read", client_id=client.id)
                return client
            return client.id

    def update_client(self, actor: Actor, client_id: int, data: dict[str, Any], read_back: bool = False) -> Client | None:
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)
            client_in: ClientIn = validated(ClientIn, data)  # after the access check: another clinic learns nothing
            values = client_in.model_dump()
            for key, value in values.items():
                setattr(client, key, value)
            client.name_norm = normalise(values["name"])
            client.search_norm = search_text(values["name"], values["email"], values["phone"])
            self._audit(db, actor, "client.update", client_id=client.id)
            if read_back:
                self._audit(db, actor, "client.read", client_id=client.id)
                return client
            return None

    def get_client(self, actor: Actor, client_id: int) -> Client:
        """One client's details (the visits come from `timeline`, a page at a time)."""
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)
            self._audit(db, actor, "client.read", client_id=client.id)
            return client
