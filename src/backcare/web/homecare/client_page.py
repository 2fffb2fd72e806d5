"""The client's side: the home programme behind a link, on a phone, with no account.

Today's exercises with their drawings and dosage, a tick for each one done,
this week's check-in, and the safety net. Every link that cannot be used
answers the intake's neutral page with the same status; every tick, check-in
and refused link counts towards a rate limit per address; a body larger than
the check-in can be is refused before it is read.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...homecare import flagged, rules
from ...records import CheckInSent, FieldErrors, HomePage, HomeUnavailable
from ..client_links import limited, public_url, small_form
from ..drawings import drawing
from ..render import render
from .outbox import send_clinic_alerts

router = APIRouter(include_in_schema=False)
MAX_BODY = 16 * 1024  # a check-in with twenty exercises and a full note is under 4 KB
TRI = {"yes": True, "no": False}


def _limited(request: Request) -> bool:
    settings = request.app.state.settings
    return limited(request, "homecare", settings.homecare_max_per_window, settings.homecare_window_seconds)


def _gone(request: Request, status: int = 404, **why) -> Response:
    return render(request, "intake_gone.html", {"client_mode": True, **why}, status)


def _context(token: str, page: HomePage, values: dict[str, Any], errors: dict[str, str], **extra) -> dict[str, Any]:
    kb = load_knowledge()
    return {"token": token, "page": page, "values": values, "errors": errors, "client_mode": True, "drawing": drawing,
            "safety_net": kb.safety_net, "intake": kb.intake, "words": rules().check_in, **extra}


@router.get("/home/{token}")
def home(request: Request, token: str, done: str = "") -> Response:
    try:
        page = request.app.state.records.open_home(token)
    except HomeUnavailable:
        return _gone(request, 429, limited=True) if _limited(request) else _gone(request)
    return render(request, "home.html", _context(token, page, {}, {}, ticked=done[:60]))


async def _form(request: Request) -> FormData | Response:
    if _limited(request):
        return _gone(request, 429, limited=True)
    form = await small_form(request, MAX_BODY)
    return _gone(request, 413, too_large=True) if form is None else form


@router.post("/home/{token}/tick")
async def tick(request: Request, token: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    if isinstance(form, Response):
        return form
    return await run_in_threadpool(_tick, request, token, form)


def _tick(request: Request, token: str, form: FormData) -> Response:
    item = str(form.get("item") or "")[:60]
    try:
        request.app.state.records.tick_exercise(token, item, done=form.get("done") != "no")
    except HomeUnavailable:
        return _gone(request)
    except FieldErrors:
        pass  # not in the programme (any more): the page shows what is
    return RedirectResponse(f"/home/{token}?done={item}#ex-{item}", status_code=303)


def answers_from(form: FormData, page: HomePage) -> dict[str, Any]:
    """The check-in as the records take it: numbers as numbers, answers left blank left out."""
    def number(name: str) -> int | None:
        value = str(form.get(name) or "").strip()
        return (int(value) if value.isdigit() and len(value) < 4 else -1) if value else None

    raw: dict[str, Any] = {"screening": {q: TRI[form.get(f"screening.{q}")] for q in load_knowledge().intake["screening"]
                                         if form.get(f"screening.{q}") in TRI},
                           "felt": {i.id: str(form.get(f"felt.{i.id}")) for i in page.exercises if form.get(f"felt.{i.id}")},
                           "notes": str(form.get("notes") or "")}
    for name in ("pain_nrs", "exercise_days", "psfs_rating"):
        if (value := number(name)) is not None:
            raw[name] = value
    if page.psfs_activity is not None:
        raw["psfs_activity"] = page.psfs_activity
    return raw


@router.post("/home/{token}/check-in")
async def check_in(request: Request, token: str, background: BackgroundTasks) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    if isinstance(form, Response):
        return form
    return await run_in_threadpool(_check_in, request, token, form, background)


def _check_in(request: Request, token: str, form: FormData, background: BackgroundTasks) -> Response:
    records = request.app.state.records
    try:
        page = records.open_home(token)
        _id, screening = records.send_check_in(token, answers_from(form, page))
    except HomeUnavailable:
        return _gone(request)
    except CheckInSent:
        return render(request, "home.html", _context(token, records.open_home(token), {}, {}, already=True), 409)
    except FieldErrors as exc:
        return render(request, "home.html", _context(token, page, dict(form.multi_items()), exc.errors), 422)
    if flagged(screening["urgency"]):
        # The clinic hears of it at once when it has a mail server; `backcare reminders send` retries a failure.
        background.add_task(send_clinic_alerts, records, request.app.state.settings, public_url(request, "/"))
    return render(request, "home_sent.html", {"page": page, "screening": screening, "client_mode": True, "token": token,
                                              "safety_net": load_knowledge().safety_net})
