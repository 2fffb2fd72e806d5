"""Today: the first page after signing in. The day's visits, unfinished drafts, intakes waiting (the
most urgent first), weekly check-ins that point to a referral, consents not yet recorded or due again,
and a search to find anyone else."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..records import Records
from . import deps
from .dates import zone_named
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)


@router.get("/today")
def today(request: Request, session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    day = datetime.now(zone_named(session.zone)).date()  # the clinic's day, not the server's
    visits = records.day_visits(session.actor, day)
    drafts = records.open_drafts(session.actor)
    intakes = records.waiting_intakes(session.actor)
    # A client seen today or being recorded whose consent to treatment is not on record.
    consents = {v.client_id: v.client_name for v in visits if not v.consent_given}
    consents |= {d.client_id: d.client_name for d in drafts if not d.consent_given}
    names = {v.client_id: v.client_name for v in visits} | {d.client_id: d.client_name for d in drafts}
    # Consent given in backcare once, but more than the pack's days ago: explained again before treating.
    due = records.consents_due_again(session.actor, set(names), day)
    # The first page after signing in must not hide a check-in that points to a referral (the client list shows them too).
    check_ins = records.flagged_check_ins(session.actor)
    return render(request, "today.html", {"day": day, "visits": visits, "drafts": drafts, "intakes": intakes,
                                          "consents": sorted(consents.items(), key=lambda kv: kv[1]),
                                          "consents_due": sorted(((c, names[c], why) for c, why in due.items()), key=lambda t: t[1]),
                                          "flagged_check_ins": check_ins, "alerts_back": "/today"})
