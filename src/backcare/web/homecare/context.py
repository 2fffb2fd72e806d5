"""What other pages show of the home programme: the summary at the top of the next visit, the
visit's programme with its possible changes, the client list's alerts, the progress section.

Below every route module of the web app that shows it (visits, outcomes,
clients), and importing none of them.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ...clinical.knowledge.runtime import load_knowledge
from ...homecare import BetweenVisits, ProgrammeItem, between, change_words, stepped, weeks
from ...records import HomeRecord, Records
from ..filters import dosage
from .charts import adherence_chart


def _between(record: HomeRecord, since_visit: tuple[int, date, int | None], until: date) -> BetweenVisits | None:
    _, since, pain = since_visit
    return between(record.versions(), record.ticks, record.check_in_data(), since, until, pain)


def next_visit_summary(records: Records, actor, client_id: int) -> BetweenVisits | None:
    """For a new visit today: from the last visit of the open episode to today."""
    record = records.home_record(actor, client_id, purpose="homecare.summary")
    if record is None or not record.episode_open or not record.visits:
        return None
    return _between(record, record.visits[-1], record.today)


def change_options(item: ProgrammeItem, choices: dict[str, dict[str, Any]], in_programme: set[str]) -> list[tuple[str, str]]:
    """The changes the next visit may make to one item, each with the dosage it leads to."""
    options = [("same", "Keep as it is")]
    for direction, words in (("up", "One step harder"), ("down", "One step easier")):
        moved = stepped(item, direction)
        if moved is not None:  # the numbers it leads to; how often stays as it was
            options.append((direction, f"{words}: {dosage(moved.model_dump(exclude={'frequency'}))}"))
    options += [(f"swap:{cid}", f"Swap for {c['title'].lower()}") for cid, c in choices.items() if cid not in in_programme]
    options.append(("stop", "Stop it"))
    return options


def visit_homecare(records: Records, actor, visit) -> dict[str, Any]:
    """The visit page's view: the summary since the visit before, and the programme (changeable at the latest visit)."""
    if visit.episode_id is None:
        return {}
    record = records.home_record(actor, visit.client_id, visit.episode_id, purpose="homecare.summary")
    if record is None:
        return {}
    ids = [v[0] for v in record.visits]
    position = ids.index(visit.id) if visit.id in ids else -1
    summary = _between(record, record.visits[position - 1], visit.visit_date - timedelta(days=1)) if position > 0 else None
    latest = record.episode_open and position == len(ids) - 1
    programme = record.programmes[-1] if record.programmes else None
    view: dict[str, Any] = {"between": summary, "since": record.visits[position - 1][1] if position > 0 else None,
                            "programme": programme, "changeable": latest, "set_here": programme is not None and programme.visit_id == visit.id}
    if latest and programme:
        choices = records.programme_choices(actor, visit.id)
        present = {i.id for i in programme.items}
        titles = {i.id: i.title for p in record.programmes for i in p.items}
        view["rows"] = [(item, change_words(item, titles), change_options(item, choices, present)) for item in programme.items]
        view["addable"] = [(cid, c["title"]) for cid, c in choices.items() if cid not in present]
    return view


def progress_homecare(records: Records, actor, client_id: int, episode_id: int | None, episode_record, date_text) -> dict[str, Any] | None:
    """The progress page's section: adherence per week and the check-ins' pain beside the visits' scores."""
    record = records.home_record(actor, client_id, episode_id, purpose="homecare.progress")
    if record is None or not (record.programmes or record.check_ins):
        return None
    by_week = weeks(record.versions(), record.ticks, record.check_in_data(), record.until)
    visit_pain = [(v.visit_date, v.pain_nrs) for v in episode_record.visits if v.pain_nrs is not None] if episode_record else []
    check_in_pain = [(c.submitted_on, c.answers["pain_nrs"]) for c in record.check_ins]
    psfs = _psfs(record, episode_record)
    return {"weeks": by_week, "record": record, "psfs": psfs,
            "chart": adherence_chart(by_week, visit_pain, check_in_pain, date_text),
            "feelings": {k: f.label for k, f in _feelings().items()},
            "titles": {i.id: i.title for p in record.programmes for i in p.items}, "screening": load_knowledge().intake["screening"]}


def _feelings():
    from ...homecare import rules

    return rules().check_in.feelings


def _psfs(record: HomeRecord, episode_record) -> dict[str, Any] | None:
    """The baseline activity asked about each week: its baseline rating, the weekly ratings, the meaningful change."""
    rated = [(c.submitted_on, c.answers["psfs_activity"], c.answers["psfs_rating"]) for c in record.check_ins
             if c.answers.get("psfs_rating") is not None]
    if not rated:
        return None
    activity = rated[-1][1]
    baseline = None
    for r in (episode_record.responses if episode_record else []):
        if r.instrument == "psfs" and r.complete:
            baseline = next((a["rating"] for a in r.answers.values() if isinstance(a, dict) and a.get("activity") == activity), None)
            break
    mic = load_knowledge().outcomes["instruments"]["psfs"]["mic"].get("single_item_points")
    latest = rated[-1][2]
    return {"activity": activity, "baseline": baseline, "ratings": [(d, v) for d, a, v in rated if a == activity], "latest": latest,
            "mic": mic, "meaningful": baseline is not None and mic is not None and latest - baseline >= mic}
