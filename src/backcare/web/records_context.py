"""What the client page shows of the records law (web/records_law.py holds its forms and pages)."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request

from ..records import Actor, Records


def records_law_context(request: Request, records: Records, actor: Actor, client_id: int) -> dict[str, Any]:
    """What the client page shows of the records law: the retention date, the requests and their clocks, the corrections,
    and (after a refused form) what was typed with what to fix."""
    typed = getattr(request.state, "law_form", None) or {"errors": {}, "values": {}}
    return {"retention": records.retention(actor, client_id), "requests": records.requests(actor, client_id),
            "corrections": records.corrections(actor, client_id), "today": date.today(),
            "law_errors": typed["errors"], "law_values": typed["values"]}
