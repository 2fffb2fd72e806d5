"""Consent on the tablet, in client mode: the client reads, in plain words, what they are asked to agree to, and signs.

The same client mode as the questionnaires (web/outcomes/client_mode.py): the
session is replaced by one that reaches only /client-mode (this page is
under it), and the therapist's PIN or password ends it. The client sees
their first name, the areas or the elements of the consent in plain words
and the pack's statements, and signs with a finger or types their name;
"I do not agree" records a refusal. Nothing else of the record is shown.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...records import FieldErrors, Locked, NotFound, Records
from ...treatment import treatment_data
from .. import deps
from ..outcomes.client_mode import MAX_UNLOCK_FAILURES, _switch
from ..render import render
from ..security import SESSION_COOKIE, CurrentSession
from ..visits.context import render_visit
from .view import panel

router = APIRouter(include_in_schema=False)


@router.post("/visits/{visit_id}/consents/client-mode")
def hand_over(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
              form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    """Hand the tablet to the client to sign this visit's area consent, or the consent to treatment."""
    visit = records.get_visit(session.actor, visit_id, purpose="consent.record")
    tx = panel(records, session, visit)
    scope = "treatment" if form.get("scope") == "treatment" else "areas"
    areas = [s.requirement.area for s in tx.askable] if scope == "areas" else []
    if (scope == "areas" and not areas) or visit.signed_at is not None:
        return RedirectResponse(f"/visits/{visit_id}#treatment", status_code=303)
    verbal = form.get("verbal") == "yes"
    if scope == "areas" and any("verbal" in s.requirement.requires for s in tx.askable) and not verbal:
        return render_visit(request, records, session, visit_id, 422, errors={
            "consent_verbal": "This pack also asks for verbal consent: ask the client aloud, tick the box, then hand over the tablet"})
    mode = {"kind": "consent", "scope": scope, "areas": areas, "verbal": verbal, "client_id": visit.client_id,
            "visit_id": visit.id, "techniques": tx.plan_techniques, "first_name": (visit.client.name.split() or ["you"])[0][:50],
            "return_to": f"/visits/{visit.id}", "answered": False, "decision": "", "failures": 0,
            "started": datetime.now(timezone.utc).isoformat()}
    records.record_event(session.actor, "client_mode.start", f"consent {scope}", client_id=visit.client_id)
    response = RedirectResponse("/client-mode/consent", status_code=303)
    _switch(request, response, session, mode)
    return response


def _consent_mode(session: CurrentSession) -> dict:
    mode = session.client_mode
    if mode is None or mode.get("kind") != "consent":
        raise NotFound("client mode")
    return mode


def sheet(request: Request, records: Records, session: CurrentSession, mode: dict, errors: dict[str, str],
          status: int = 200, unlocking: bool = False) -> Response:
    data = treatment_data()
    pack = data.pack(records.consent_pack(session.actor))
    elements = [data.elements[e] for e in pack.general.elements]
    from ...treatment.words import name

    return render(request, "consent_client.html", {
        "mode": mode, "areas": [data.areas[a] for a in mode["areas"]], "elements": elements, "statements": pack.statements,
        "techniques": [name("techniques", t) for t in mode["techniques"]], "errors": errors, "client_mode": True,
        "unlocking": unlocking}, status)


@router.get("/client-mode/consent")
def consent_page(request: Request, unlock: str = "", session: CurrentSession = Depends(deps.session),
                 records: Records = Depends(deps.records)) -> Response:
    mode = _consent_mode(session)
    errors = {}
    if unlock == "failed" and mode["failures"]:
        errors["secret"] = f"That is not right. {MAX_UNLOCK_FAILURES - mode['failures']} tries left."
    return sheet(request, records, session, mode, errors, unlocking=bool(errors))


@router.post("/client-mode/consent")
def client_decides(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                   records: Records = Depends(deps.records)) -> Response:
    mode = _consent_mode(session)
    if mode["answered"]:
        return RedirectResponse("/client-mode/consent", status_code=303)
    decision = "declined" if form.get("decision") == "declined" else "given"
    data = {"scope": mode["scope"], "areas": mode["areas"], "methods": ["tablet"] + (["verbal"] if mode["verbal"] else []),
            "decision": decision, "techniques": mode["techniques"],
            "elements": list(treatment_data().pack(records.consent_pack(session.actor)).general.elements)
            if mode["scope"] == "treatment" else [],
            "signed_name": str(form.get("signed_name") or "")[:200].strip() if decision == "given" else "",
            "signature": str(form.get("signature") or "")[:20_000] if decision == "given" else "",
            "witness": str(form.get("witness") or "")[:200].strip()}
    try:
        records.record_consent(session.actor, mode["client_id"], mode["visit_id"], data)
    except FieldErrors as exc:
        field = "signed_name" if "signed_name" in exc.errors or "signature" in exc.errors else "form"
        return sheet(request, records, session, mode, {field: " ".join(exc.errors.values())}, 422)
    except Locked:
        return sheet(request, records, session, mode, {"form": "Please hand the tablet back to your therapist."}, 409)
    request.app.state.sessions.set_client_mode(request.cookies.get(SESSION_COOKIE),
                                               {**mode, "answered": True, "decision": decision})
    return RedirectResponse("/client-mode/consent", status_code=303)
