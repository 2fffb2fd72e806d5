"""A client's home programme as plain data, for exports (FHIR, CSV, the copy a client asks for).

Every programme version, every tick and every weekly check-in with its
screening and who acknowledged it, read for a batch of clients at once (a
whole clinic's export reads them a hundred clients at a time). Importing is in
`importing.py`, which checks each part by the rules the client's page and the
visit page obey. Links do not move: their keys exist only in the client's
messages, so the therapist sends a new link from the new server.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage.models import CheckIn, ExerciseTick, HomeProgramme
from .base import utc


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return utc(value).isoformat() if isinstance(value, datetime) else value.isoformat()


def read(db: Session, client_ids: list[int]) -> dict[str, dict[int, list]]:
    """The programmes, ticks and check-ins of these clients, as plain rows grouped by client."""
    def grouped(query) -> dict[int, list]:
        out: dict[int, list] = {}
        for row in db.execute(query).all():
            out.setdefault(row.client_id, []).append(row)
        return out

    return {
        "programmes": grouped(select(HomeProgramme.__table__).where(HomeProgramme.client_id.in_(client_ids))
                              .order_by(HomeProgramme.id)),
        "ticks": grouped(select(ExerciseTick.__table__).where(ExerciseTick.client_id.in_(client_ids))
                         .order_by(ExerciseTick.done_on, ExerciseTick.id)),
        "check_ins": grouped(select(CheckIn.__table__).where(CheckIn.client_id.in_(client_ids))
                             .order_by(CheckIn.week_of, CheckIn.id)),
    }


def dump(home: dict[str, dict[int, list]], client_id: int, people: dict[int, dict[str, str] | None]) -> dict[str, Any]:
    """One client's home programme as exported records carry it (people by e-mail and name)."""
    return {
        "programmes": [{"episode": p.episode_id, "visit": p.visit_id, "items": p.items, "kb_version": p.kb_version,
                        "created_at": _iso(p.created_at), "created_by": people.get(p.created_by)}
                       for p in home["programmes"].get(client_id, [])],
        "ticks": [{"episode": t.episode_id, "item": t.item, "done_on": _iso(t.done_on)} for t in home["ticks"].get(client_id, [])],
        "check_ins": [{"episode": c.episode_id, "week_of": _iso(c.week_of), "submitted_at": _iso(c.submitted_at),
                       "answers": c.answers, "urgency": c.urgency, "screening": c.screening,
                       "acknowledged_at": _iso(c.acknowledged_at), "acknowledged_by": people.get(c.acknowledged_by),
                       "clinic_alerted_at": _iso(c.clinic_alerted_at)} for c in home["check_ins"].get(client_id, [])],
    }
