"""The progress page: each measure over an episode with its verdict, the expected course,
then and now, stratified care; closing the episode; the progress and discharge PDFs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...outcomes import ChangeVerdict, CoursePoint, change_verdict, course_position, expected_pain, stratified_care
from ...outcomes.progress import cohort_for
from ...records import DISCHARGE_REASONS, EpisodeRecord, FieldErrors, Records
from .. import deps
from ..dates import day, locale_of, zone_named
from ..homecare.context import progress_homecare
from ..render import render
from ..security import CurrentSession
from ..visits import exam
from .charts import Series, chart

router = APIRouter(include_in_schema=False)
THEN_AND_NOW = ("Neurological examination", "Special tests", "Movement")


@dataclass
class Measure:
    instrument: str
    title: str
    points: list[tuple[date, float]]
    verdict: ChangeVerdict | None
    chart: Markup
    unit: str
    incomplete: int = 0  # answered but not scoreable by the instrument's rules
    course: CoursePoint | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _nprs_points(record: EpisodeRecord) -> list[tuple[date, float]]:
    """Pain from every visit and every NPRS questionnaire; one value a day: the first recorded that day,
    so the baseline is what the client said first, not a second score of the same morning."""
    far = datetime.max.replace(tzinfo=timezone.utc)
    scores = [(v.visit_date, v.created_at or far, float(v.pain_nrs)) for v in record.visits if v.pain_nrs is not None]
    scores += [(r.answered_on, r.created_at or far, r.score) for r in record.responses if r.instrument == "nprs" and r.complete]
    by_day: dict[date, float] = {}
    for day, _at, value in sorted(scores, key=lambda s: (s[0], s[1])):
        by_day.setdefault(day, value)
    return sorted(by_day.items())


def _threshold(inst: dict[str, Any], baseline: float) -> float:
    """The score a client must reach for a meaningful improvement (the nearer of points and percent)."""
    mic = inst["mic"]
    needed = mic["points"] if not mic["percent"] else min(mic["points"], baseline * mic["percent"] / 100)
    return baseline - needed if inst["higher_is"] == "worse" else baseline + needed


def measures(record: EpisodeRecord, date_text) -> list[Measure]:
    kb = load_knowledge()
    instruments = kb.outcomes["instruments"]
    duration = (record.visits[0].case.get("history") or {}).get("duration_days") if record.visits else None
    out = []
    for iid, inst in instruments.items():
        if inst["mic"] is None:
            continue  # a screening tool (STarT Back) is shown as a risk group, not a course
        points = _nprs_points(record) if iid == "nprs" else [
            (r.answered_on, r.score) for r in record.responses if r.instrument == iid and r.complete]
        incomplete = sum(1 for r in record.responses if r.instrument == iid and not r.complete)
        if not points and not incomplete:
            continue
        low, high = inst["score_range"]
        verdict = course = None
        expected = None
        if len(points) > 1:
            verdict = change_verdict(iid, points[0][1], points[-1][1], kb)
        if iid == kb.outcomes["expected_course"]["measure"] and points:
            start = points[0][0]
            weeks = (points[-1][0] - start).days / 7
            course = course_position(duration, points[0][1], points[-1][1], weeks, kb) if len(points) > 1 else None
            cohort = cohort_for(duration, kb)
            if cohort:
                horizon = max(weeks, kb.outcomes["expected_course"]["review_after_weeks"])
                steps = [w for w in range(0, int(horizon) + 1)] + ([horizon] if horizon % 1 else [])
                expected = [(start + timedelta(weeks=w), expected_pain(cohort, points[0][1], w, kb)) for w in steps]
        series = Series(inst["short"], points, low, high, inst["higher_is"], points[0][1] if points else None,
                        _threshold(inst, points[0][1]) if points else None, expected)
        label = (f"{inst['short']}: " + ", ".join(f"{date_text(d)} {v:g}" for d, v in points)) if points else inst["short"]
        unit = "/10" if iid in ("nprs", "psfs") else "/24" if iid == "rmdq" else "%"
        out.append(Measure(iid, inst["title"], points, verdict, chart(series, label, date_text) if points else Markup(""),
                           unit, incomplete, course))
    return out


def risk(record: EpisodeRecord) -> dict[str, Any] | None:
    """The latest complete STarT Back of the episode, and what it changes in the latest visit's plan."""
    found = [r for r in record.responses if r.instrument == "start_back" and r.complete]
    if not found:
        return None
    latest = found[-1]
    group = latest.result["risk_group"]
    visit = record.visits[-1] if record.visits else None
    care = stratified_care(group, visit.case, visit.assessment) if visit else None
    return {"response": latest, "group": group, "care": care,
            "summary": load_knowledge().outcomes["stratified_care"][group]["summary"]}


def then_and_now(record: EpisodeRecord) -> dict[str, Any] | None:
    if len(record.visits) < 2:
        return None
    first, last = record.visits[0], record.visits[-1]
    sections = {}
    for title in THEN_AND_NOW:
        # Every finding on its own row: a normal one grouped away would read "not recorded" beside the other visit.
        before = dict(next((rows for t, rows in exam.summary(first.case, first.details, grouped=False) if t == title), []))
        after = dict(next((rows for t, rows in exam.summary(last.case, last.details, grouped=False) if t == title), []))
        sections[title] = [(name, before.get(name, "not recorded"), after.get(name, "not recorded"))
                           for name in dict.fromkeys([*before, *after])]
    return {"first": first, "last": last, "first_map": exam.pain_map(first.case), "last_map": exam.pain_map(last.case),
            "sections": sections}


def progress_context(request: Request, records: Records, session: CurrentSession, client_id: int,
                     episode_id: int | None, purpose: str = "progress.read") -> dict[str, Any]:
    client = records.get_client(session.actor, client_id)
    record = records.episode_record(session.actor, client_id, episode_id, purpose=purpose)
    locale = locale_of(request)
    date_text = lambda d: day(d, locale)  # noqa: E731
    kb = load_knowledge()
    # Per technique: what followed the sessions that used it (web/treatment; description, not proof).
    technique_course, after_effects = records.treatment_course(session.actor, record.visits) if record else ([], [])
    return {"technique_course": technique_course, "after_effects": after_effects, "client": client, "record": record, "measures": measures(record, date_text) if record else [],
            "risk": risk(record) if record else None, "then_now": then_and_now(record) if record else None,
            "course": kb.outcomes["expected_course"], "instruments": kb.outcomes["instruments"], "safety_net": kb.safety_net,
            "reasons": DISCHARGE_REASONS, "clinic": records.clinic_details(session.actor),
            "latest": record.visits[-1] if record and record.visits else None, "today_iso": date.today().isoformat(),
            "locale": locale, "zone": zone_named(session.zone),
            "homecare": progress_homecare(records, session.actor, client_id, record.episode.id, record, date_text) if record else None}


DONE = {"closed": "Episode closed. The discharge summary is ready to print.", "client-mode": "The client's answers are saved."}


@router.get("/clients/{client_id}/progress")
def progress_page(request: Request, client_id: int, episode: int | None = None, done: str = "",
                  session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    context = progress_context(request, records, session, client_id, episode)
    kb_instruments = context["instruments"]
    message = DONE.get(done) or (f"{kb_instruments[done]['short']} saved." if done in kb_instruments else "")
    return render(request, "progress.html", context | {"done": message, "errors": {}, "values": {}})


@router.post("/clients/{client_id}/episodes/{episode_id}/close")
def close_episode(request: Request, client_id: int, episode_id: int, session: CurrentSession = Depends(deps.session),
                  form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    values = {k: str(form.get(k) or "") for k in ("reason", "note", "closed_on", "referral_acknowledged")}
    try:
        records.close_episode(session.actor, client_id, episode_id, {**values, "closed_on": values["closed_on"] or None,
                                                                    "referral_acknowledged": values["referral_acknowledged"] == "yes"})
    except FieldErrors as exc:
        context = progress_context(request, records, session, client_id, episode_id)
        return render(request, "progress.html", context | {"done": "", "errors": exc.errors, "values": values}, 422)
    return RedirectResponse(f"/clients/{client_id}/progress?episode={episode_id}&done=closed", status_code=303)


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    from ..pdf import html_to_pdf

    html = request.app.state.templates.get_template(template).render(context)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/clients/{client_id}/progress.pdf")
def progress_report(request: Request, client_id: int, episode: int | None = None, session: CurrentSession = Depends(deps.session),
                    records: Records = Depends(deps.records)) -> Response:
    context = progress_context(request, records, session, client_id, episode, purpose="progress.report")
    return _pdf(request, "progress_pdf.html", context, f"backcare-progress-{date.today()}.pdf")


@router.get("/clients/{client_id}/episodes/{episode_id}/discharge.pdf")
def discharge_summary(request: Request, client_id: int, episode_id: int, session: CurrentSession = Depends(deps.session),
                      records: Records = Depends(deps.records)) -> Response:
    context = progress_context(request, records, session, client_id, episode_id, purpose="discharge.report")
    return _pdf(request, "discharge_pdf.html", context, f"backcare-discharge-{date.today()}.pdf")
