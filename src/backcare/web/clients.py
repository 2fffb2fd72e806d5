"""Client pages: the list and search, details, and a client's page with its timeline."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..clinical.knowledge.runtime import load_knowledge
from ..clinical.vocabulary import vocabulary
from ..records import FieldErrors, Records
from . import deps
from .forms import CLIENT_DETAILS, client_from_form
from .records_context import records_law_context
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)


@router.get("/clients")
def clients(request: Request, q: str = "", after: int | None = None, status: str = "all",
            session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    status = status if status in ("all", "current", "discharged") else "all"
    page = records.list_clients(session.actor, q[:100], after=after, status=status)
    context = {"page": page, "q": q[:100], "status": status}
    # htmx asks for rows only: the search box replaces them, "More clients" appends them.
    if request.headers.get("hx-request"):
        return render(request, "_client_rows.html", context | {"appending": after is not None})
    flagged = records.flagged_intakes(session.actor) if after is None else []
    check_ins = records.flagged_check_ins(session.actor) if after is None else []
    return render(request, "clients.html", context | {"appending": False, "flagged": flagged,
                                                      "flagged_check_ins": check_ins, "alerts_back": "/clients"})


@router.get("/clients/new")
def new_client(request: Request, _: CurrentSession = Depends(deps.session)) -> Response:
    return render(request, "client_form.html", {"values": {}, "errors": {}, "client_id": None})


@router.post("/clients/new")
def create_client(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                  records: Records = Depends(deps.records)) -> Response:
    data, errors = client_from_form(form)
    try:
        if errors:
            raise FieldErrors(errors)
        client_id = records.create_client(session.actor, data)
    except FieldErrors as exc:
        return render(request, "client_form.html", {"values": data, "errors": errors | exc.errors, "client_id": None}, 422)
    return RedirectResponse(f"/clients/{client_id}", status_code=303)


def medical_summary(medical: dict[str, bool]) -> dict[str, list[str]]:
    """The medical history by answer: a question never asked is not asked, never "nothing flagged"."""
    out: dict[str, list[str]] = {"yes": [], "no": [], "not asked": []}
    for flag in vocabulary().medical_history:
        answer = medical.get(flag)
        out["yes" if answer is True else "no" if answer is False else "not asked"].append(flag)
    return out


@router.get("/clients/{client_id}")
def client_page(request: Request, client_id: int, before: int | None = None, done: str = "",
                session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    timeline = records.timeline(session.actor, client_id, before=before)
    if request.headers.get("hx-request") and before is not None:
        return render(request, "_timeline.html", {"client": client, "timeline": timeline})
    pains = records.pain_scores(session.actor, client_id)
    pain_mic = load_knowledge().outcomes["instruments"]["nprs"]["mic"]["points"]
    return render(request, "client.html", {
        "client": client, "timeline": timeline, "pains": pains, "pain_mic": pain_mic,
        "medical": medical_summary(client.medical or {}), "drafts": records.drafts_of_client(session.actor, client_id),
        "intakes": [i for i in records.intakes(session.actor, client_id) if i.visit_id is None],
        "intake_kb": load_knowledge().intake, "client_check_ins": records.flagged_check_ins(session.actor, client_id),
        **records_law_context(request, records, session.actor, client_id),
        "done": DONE.get(done, ""),
        "problem": "Say what you did before recording it (e.g. phoned the client at 10:20)." if done == "acknowledge-empty" else ""})


DONE = {"discarded": "Draft discarded.", "acknowledged": "Recorded: the intake no longer waits in the alerts.",
        "request": "Request recorded; its clock is running.", "answered": "Request closed.", "corrected": "Attached to the record."}


@router.get("/clients/{client_id}/edit")
def edit_client(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    values = {"name": client.name, "date_of_birth": client.date_of_birth, "phone": client.phone, "email": client.email,
              "medical": client.medical, "consent_given": client.consent_given, "consent_date": client.consent_date,
              **{k: getattr(client, k) for k in CLIENT_DETAILS}}
    return render(request, "client_form.html", {"values": values, "errors": {}, "client_id": client_id})


@router.post("/clients/{client_id}/edit")
def update_client(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                  form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    data, errors = client_from_form(form)
    records.get_client(session.actor, client_id)  # 404 before validation for a client of another clinic
    try:
        if errors:
            raise FieldErrors(errors)
        records.update_client(session.actor, client_id, data)
    except FieldErrors as exc:
        return render(request, "client_form.html", {"values": data, "errors": errors | exc.errors, "client_id": client_id}, 422)
    return RedirectResponse(f"/clients/{client_id}", status_code=303)
