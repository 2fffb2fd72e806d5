"""The home programme in FHIR R4B (read back as import items by fhir.reading).

- A weekly check-in is a QuestionnaireResponse with the client as its source
  (readable items: the emergency answers, pain, exercise days, how each
  exercise felt, the PSFS activity), and an Observation of its pain (LOINC
  72514-3) for systems that chart pain.
- Adherence is an Observation per calendar week: the sessions done (its value),
  the sessions planned (a component) and each session itself (a component: the
  exercise, coded, and the day), so the ticks come back exactly.
- Each programme version is a CarePlan (an activity per item) from its visit.
backcare's extensions carry what only backcare reads, so a move loses nothing.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from ..homecare import ProgrammeItem, Version, week_of, weeks
from .codes import EXT, LOCAL_HOMECARE, LOINC, OBSERVATION_CATEGORY, SELF_CARE, questionnaire_url

CHECK_IN = questionnaire_url("home-check-in")
SESSIONS = {"coding": [{"system": LOCAL_HOMECARE, "code": "sessions-done", "display": "Home exercise sessions done in the week"}],
            "text": "Home exercise sessions done"}
PLANNED = {"coding": [{"system": LOCAL_HOMECARE, "code": "sessions-planned", "display": "Home exercise sessions planned"}]}


def _json_ext(name: str, value: Any) -> dict[str, Any]:
    return {"url": EXT + name, "valueString": json.dumps(value, separators=(",", ":"), ensure_ascii=False)}


def write(w, data: dict[str, Any], cid: Any, subject: dict, encounters: dict, episodes: dict) -> None:
    """Add a client's home programme to the Bundle being written (`w` is bundle._Writer)."""
    for n, p in enumerate(data.get("programmes", [])):
        items = [ProgrammeItem.model_validate(i) for i in p["items"]]
        encounter = encounters.get(p["visit"])
        w.add({"status": "active" if n == len(data["programmes"]) - 1 else "completed", "intent": "plan", "subject": subject,
               "title": "Home programme", "created": p["created_at"],
               **({"encounter": {"reference": encounter}} if encounter else {}),
               **({"author": w.person(p["created_by"])} if p["created_by"] else {}),
               "activity": [{"detail": {"status": "in-progress", "code": {"coding": [{"system": SELF_CARE, "code": i.id}], "text": i.title},
                                        "description": i.instructions or i.title}} for i in items],
               "extension": [_json_ext("home-programme", p["items"]), {"url": EXT + "kb-version", "valueString": p["kb_version"]},
                             *([{"url": EXT + "episode", "valueReference": {"reference": episodes[p["episode"]]}}]
                               if p["episode"] in episodes else [])]},
              "CarePlan", (cid, "home-programme", n))
    for n, c in enumerate(data.get("check_ins", [])):
        _check_in(w, c, (cid, "check-in", n), subject, episodes)
    _adherence(w, data, cid, subject, episodes)


def _check_in(w, c: dict[str, Any], key: tuple, subject: dict, episodes: dict) -> None:
    a = c["answers"]
    items = [{"linkId": f"screening.{q}", "answer": [{"valueBoolean": yes}]} for q, yes in a["screening"].items()]
    items += [{"linkId": field, "answer": [{"valueInteger": a[field]}]} for field in ("pain_nrs", "exercise_days")]
    items += [{"linkId": f"felt.{item}", "answer": [{"valueString": feeling}]} for item, feeling in a.get("felt", {}).items()]
    if a.get("psfs_rating") is not None:
        items.append({"linkId": "psfs", "item": [{"linkId": "psfs.activity", "answer": [{"valueString": a["psfs_activity"]}]},
                                                 {"linkId": "psfs.rating", "answer": [{"valueInteger": a["psfs_rating"]}]}]})
    if a.get("notes"):
        items.append({"linkId": "notes", "answer": [{"valueString": a["notes"]}]})
    extension = [{"url": EXT + "screening-urgency", "valueCode": c["urgency"]}, {"url": EXT + "week-of", "valueDate": c["week_of"]},
                 _json_ext("check-in-answers", a), _json_ext("screening", c["screening"])]
    if c["acknowledged_at"]:
        extension.append({"url": EXT + "acknowledged", "extension": [
            {"url": "at", "valueDateTime": c["acknowledged_at"]},
            *([{"url": "by", "valueReference": w.person(c["acknowledged_by"])}] if c["acknowledged_by"] else [])]})
    if c["clinic_alerted_at"]:
        extension.append({"url": EXT + "clinic-alerted", "valueDateTime": c["clinic_alerted_at"]})
    if c["episode"] in episodes:
        extension.append({"url": EXT + "episode", "valueReference": {"reference": episodes[c["episode"]]}})
    response = w.add({"questionnaire": CHECK_IN, "status": "completed", "subject": subject, "source": subject,
                      "authored": c["submitted_at"], "item": items, "extension": extension}, "QuestionnaireResponse", key)
    w.add({"status": "final", "category": [OBSERVATION_CATEGORY["survey"]],
           "code": {"coding": [{"system": LOINC, "code": "72514-3", "display": "Pain severity 0-10 verbal numeric rating"}],
                    "text": "Pain now (0-10), weekly check-in"}, "subject": subject, "effectiveDateTime": c["submitted_at"],
           "valueInteger": a["pain_nrs"], "derivedFrom": [{"reference": response}]}, "Observation", (*key, "pain"))


def _adherence(w, data: dict[str, Any], cid: Any, subject: dict, episodes: dict) -> None:
    """One Observation a week of each episode: sessions done, planned, and each session."""
    by_episode: dict[Any, list[dict[str, Any]]] = {}
    for t in data.get("ticks", []):
        by_episode.setdefault(t["episode"], []).append(t)
    for episode, ticks in by_episode.items():
        versions = [Version(date.fromisoformat(p["created_at"][:10]), [ProgrammeItem.model_validate(i) for i in p["items"]])
                    for p in data.get("programmes", []) if p["episode"] == episode]
        days = [(date.fromisoformat(t["done_on"]), t["item"]) for t in ticks]
        planned = {w_.week_of: w_.planned for w_ in weeks(versions, days, [], max(d for d, _ in days))} if versions else {}
        for monday in sorted({week_of(d) for d, _ in days}):
            done = [(d, item) for d, item in days if week_of(d) == monday]
            w.add({"status": "final", "category": [OBSERVATION_CATEGORY["activity"]], "code": SESSIONS, "subject": subject,
                   "effectivePeriod": {"start": monday.isoformat(), "end": (monday + timedelta(days=6)).isoformat()},
                   "valueQuantity": {"value": len(done), "unit": "sessions"},
                   "component": [{"code": PLANNED, "valueQuantity": {"value": planned.get(monday, 0), "unit": "sessions"}}]
                   + [{"code": {"coding": [{"system": SELF_CARE, "code": item}]}, "valueDateTime": d.isoformat()} for d, item in done],
                   **({"extension": [{"url": EXT + "episode", "valueReference": {"reference": episodes[episode]}}]}
                      if episode in episodes else {})},
                  "Observation", (cid, "adherence", episode, monday.isoformat()))
