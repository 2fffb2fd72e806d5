"""The care part of the readable copy a client asks for (records_law.readable_copy): each visit's treatment as
given and the client's response, the consents, and the home programme with its ticks and weekly check-ins, in words."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..homecare import ProgrammeItem
from ..treatment import TreatmentIn, treatment_data
from ..treatment.notes import given_lines, response_lines


def _day(value: str | None) -> date | None:
    return None if not value else datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


def care(record: dict[str, Any]) -> dict[str, Any]:
    """What the copy's template shows beyond the notes (dates stay ISO: the template writes them for paper)."""
    dates = {v["key"]: v["visit_date"] for v in record["visits"]}
    sessions = {}
    for t in record.get("treatments", []):
        session = TreatmentIn.model_validate({"given": t["given"], "response": t["response"], "after_effects": t["after_effects"]})
        after_date = dates.get(session.after_effects.of_visit) or ""
        sessions[t["visit"]] = given_lines(session.given) + response_lines(session.response, session.after_effects, after_date)
    areas = treatment_data().areas
    consents = [{**c, "visit_date": dates.get(c["visit"]),
                 "areas_words": [areas[a].words if a in areas else a.replace("_", " ") for a in c["areas"]]}
                for c in record.get("consents", [])]
    home = record.get("homecare") or {}
    programmes = [{"created_at": p["created_at"], "items": [ProgrammeItem.model_validate(i) for i in p["items"]]}
                  for p in home.get("programmes", [])]
    titles = {i.id: i.title for p in programmes for i in p["items"]}
    ticks: dict[str, list[date]] = {}
    for t in home.get("ticks", []):
        ticks.setdefault(titles.get(t["item"], t["item"].replace("_", " ")), []).append(_day(t["done_on"]))
    return {"sessions": sessions, "consents": consents, "programmes": programmes, "ticks": ticks,
            "check_ins": home.get("check_ins", [])}
