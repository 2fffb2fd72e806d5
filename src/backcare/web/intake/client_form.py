"""The client's side: the intake form behind a link, with no account.

Every link that cannot be used (no such token, spent, expired) answers the same
page with the same status, so a guess learns nothing. Submissions and refused
links are rate-limited per address; a body larger than the form can need is
refused before it is read. The page shows nothing of the record but the
client's first name and the clinic's name.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...outcomes.wording import worded
from ...records import FieldErrors, IntakeUnavailable
from .. import body_chart
from ..client_links import limited, small_form
from ..outcomes.forms import answers_from_form
from ..render import render

router = APIRouter(include_in_schema=False)
MAX_BODY = 64 * 1024  # the form with every questionnaire is under 10 KB
LAYERS = {"pain_sites": ("Where it hurts", "pain"), "paresthesia_sites": ("Pins and needles or tingling", "paresthesia"),
          "numbness_sites": ("Numbness", "numbness")}
TRI = {"yes": True, "no": False}
# A questionnaire whose one question the intake already asks: instrument -> (its item, the intake's field).
ASKED_ALREADY = {"nprs": ("pain", "pain_nrs")}


def _gone(request: Request, refused: IntakeUnavailable | None = None) -> HTMLResponse:
    """The one page for every link that cannot be used; the clinic's log entry is written after it is sent."""
    response = render(request, "intake_gone.html", {"client_mode": True}, 404)
    if refused is not None and refused.refusal is not None:
        response.background = BackgroundTask(request.app.state.records.record_intake_refusal, refused.refusal)
    return response


def _limited(request: Request) -> bool:
    settings = request.app.state.settings
    return limited(request, "intake", settings.intake_max_per_window, settings.intake_window_seconds)


def _context(invitation, request: Request, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    kb = load_knowledge()
    wording = request.app.state.wording
    return {"invitation": invitation, "intake": kb.intake, "values": values, "errors": errors, "client_mode": True,
            "questionnaires": [worded(i, wording) for i in invitation.instruments if i not in ASKED_ALREADY],
            "layers": LAYERS, "back": body_chart.render("back", interactive=True), "front": body_chart.render("front", interactive=True),
            "shapes": body_chart.SHAPES}


@router.get("/intake/{token}")
def intake_form(request: Request, token: str) -> Response:
    try:
        invitation = request.app.state.records.open_intake(token)
    except IntakeUnavailable as refused:
        if _limited(request):
            return render(request, "intake_gone.html", {"client_mode": True, "limited": True}, 429)
        return _gone(request, refused)
    return render(request, "intake_form.html", _context(invitation, request, {}, {}))


def answers_from(form: FormData, instruments: list[str], wording) -> dict[str, Any]:
    kb = load_knowledge().intake
    raw: dict[str, Any] = {"consent": TRI.get(str(form.get("consent") or "")),
                           "screening": {q: TRI[form.get(f"screening.{q}")] for q in kb["screening"]
                                         if form.get(f"screening.{q}") in TRI},
                           "medical": {q: TRI[form.get(f"medical.{q}")] for q in kb["medical"] if form.get(f"medical.{q}") in TRI},
                           "notes": str(form.get("notes") or "")}
    for name in ("pain_nrs", "pain_weeks"):
        value = str(form.get(name) or "").strip()
        if value:
            raw[name] = int(value) if value.isdigit() and len(value) < 6 else -1
    for layer in LAYERS:
        raw[layer] = [x for x in form.getlist(layer) if isinstance(x, str)][:60]
    raw["questionnaires"] = {i: answers_from_form(worded(i, wording), form, prefix=f"q.{i}.") for i in instruments
                             if i not in ASKED_ALREADY}
    for instrument, (item, field) in ASKED_ALREADY.items():
        if instrument in instruments:  # the pain scale is the question the form asks first: one answer serves both
            raw["questionnaires"][instrument] = {item: str(raw[field])} if field in raw else {}
    if raw["consent"] is None:
        raw.pop("consent")
    return raw


@router.post("/intake/{token}")
async def send_intake(request: Request, token: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    if _limited(request):
        return render(request, "intake_gone.html", {"client_mode": True, "limited": True}, 429)
    form = await small_form(request, MAX_BODY)
    if form is None:
        return render(request, "intake_gone.html", {"client_mode": True, "too_large": True}, 413)
    return await run_in_threadpool(_send, request, token, form)


def _send(request: Request, token: str, form: FormData) -> Response:
    records = request.app.state.records
    try:
        invitation = records.open_intake(token)
    except IntakeUnavailable as refused:
        return _gone(request, refused)
    raw = answers_from(form, invitation.instruments, request.app.state.wording)
    try:
        screening = records.submit_intake(token, raw)
    except IntakeUnavailable:
        return _gone(request)
    except FieldErrors as exc:
        values = {k: v for k, v in form.multi_items()}
        values.update({layer: form.getlist(layer) for layer in LAYERS})
        errors = dict(exc.errors)
        for instrument, (item, field) in ASKED_ALREADY.items():  # told beside the question the client saw
            if f"{instrument}.{item}" in errors:
                errors.setdefault(field, "Choose how bad the pain is right now, from 0 to 10")
                errors.pop(f"{instrument}.{item}")
        return render(request, "intake_form.html", _context(invitation, request, values, errors), 422)
    return render(request, "intake_done.html", {"invitation": invitation, "screening": screening, "client_mode": True})
