"""A client's home programme as plain data, out (FHIR, a clinic moving servers) and back in.

Out: every programme version, every tick and every weekly check-in with its
screening and who acknowledged it. In: each checked by the rules the client's
page and the visit page obey (homecare's models), and each check-in screened
again, keeping the higher urgency, so an emergency check-in not yet seen stays
flagged after the move. Links do not move: their keys exist only in the
client's messages, so the therapist sends a new link from the new server.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..homecare import CheckInAnswers, ProgrammeItem, screen_check_in
from ..homecare.checkin import RANK
from ..storage.models import CheckIn, Client, ExerciseTick, HomeProgramme, User
from .base import Actor, FieldErrors, utc


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return utc(value).isoformat() if isinstance(value, datetime) else value.isoformat()


def _person(user: User | None) -> dict[str, str] | None:
    return {"email": user.email, "name": user.name} if user else None


def dump(db: Session, client: Client, users: dict[int, User]) -> dict[str, Any]:
    programmes = db.scalars(select(HomeProgramme).where(HomeProgramme.client_id == client.id).order_by(HomeProgramme.id))
    ticks = db.scalars(select(ExerciseTick).where(ExerciseTick.client_id == client.id).order_by(ExerciseTick.done_on, ExerciseTick.id))
    check_ins = db.scalars(select(CheckIn).where(CheckIn.client_id == client.id).order_by(CheckIn.week_of, CheckIn.id))
    return {
        "programmes": [{"episode": p.episode_id, "visit": p.visit_id, "items": p.items, "kb_version": p.kb_version,
                        "created_at": _iso(p.created_at), "created_by": _person(users.get(p.created_by))} for p in programmes],
        "ticks": [{"episode": t.episode_id, "item": t.item, "done_on": _iso(t.done_on)} for t in ticks],
        "check_ins": [{"episode": c.episode_id, "week_of": _iso(c.week_of), "submitted_at": _iso(c.submitted_at),
                       "answers": c.answers, "urgency": c.urgency, "screening": c.screening,
                       "acknowledged_at": _iso(c.acknowledged_at), "acknowledged_by": _person(users.get(c.acknowledged_by)),
                       "clinic_alerted_at": _iso(c.clinic_alerted_at)} for c in check_ins],
    }


def restore(db: Session, actor: Actor, client: Client, data: dict[str, Any], episode_of: Callable[[Any, date], int],
            visits: dict[Any, int], user: Callable[[dict | None], int | None]) -> int:
    """Write a client's exported home programme into the actor's clinic; returns how many check-ins came."""
    from pydantic import ValidationError

    try:
        for p in data.get("programmes", []):
            items = [ProgrammeItem.model_validate(i).model_dump() for i in p["items"]]
            created = datetime.fromisoformat(p["created_at"])
            db.add(HomeProgramme(clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode_of(p["episode"], created.date()),
                                 visit_id=visits.get(p["visit"]), items=items, kb_version=str(p["kb_version"])[:40],
                                 created_by=user(p["created_by"]) or actor.user_id, created_at=created))
        for t in data.get("ticks", []):
            done_on = date.fromisoformat(t["done_on"])
            db.add(ExerciseTick(clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode_of(t["episode"], done_on),
                                item=str(t["item"])[:60], done_on=done_on))
        check_ins = data.get("check_ins", [])
        for c in check_ins:
            answers = CheckInAnswers.model_validate(c["answers"])
            screening = screen_check_in(answers.screening)
            # Never less urgent than the client was told at the time, nor than the screening says now.
            urgency = max(c["urgency"], screening["urgency"], key=lambda u: RANK.get(u, 0))
            week = date.fromisoformat(c["week_of"])
            db.add(CheckIn(clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode_of(c["episode"], week), link_id=None,
                           week_of=week, submitted_at=datetime.fromisoformat(c["submitted_at"]), answers=answers.model_dump(),
                           urgency=urgency, screening=c["screening"] if urgency == c["urgency"] else screening,
                           acknowledged_at=datetime.fromisoformat(c["acknowledged_at"]) if c["acknowledged_at"] else None,
                           acknowledged_by=user(c["acknowledged_by"]),
                           clinic_alerted_at=datetime.fromisoformat(c["clinic_alerted_at"]) if c["clinic_alerted_at"] else None))
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        raise FieldErrors({"homecare": f"a home programme record could not be read: {str(exc).splitlines()[0][:200]}"}) from None
    db.flush()
    return len(check_ins)
