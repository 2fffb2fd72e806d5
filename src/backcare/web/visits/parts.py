"""Parts of the visit form sent only when opened (see templates/_visit_form_parts.html).

Most visits never open the hip or circulation sections, the pain-mechanism
checklist, the bony landmarks, the upper motor neurone signs or the list under
the body chart, yet they were close to half of the page. A part is in the page when anything in it is recorded (so nothing
saved or drafted is ever missing from a form that is sent back), when the
findings open it (a folded section), or when it was asked for; otherwise the
page holds a placeholder that loads the empty part on demand.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from .. import deps
from ..render import render
from ..security import CurrentSession
from ...clinical.vocabulary import vocabulary
from .fields import CHART_FIELDS, LANDMARK_FINDINGS, NEURO_TESTS, section_of, unfolded
from .tables import form_tables

router = APIRouter(include_in_schema=False)

PARTS = ("regions", "umn", "hip", "circulation", "landmarks", "mechanism-1", "mechanism-2")
# The form field that remembers the parts asked for, and the button that asks for one without JavaScript.
ASKED = "parts_shown"
SHOW = "show_part"


def _recorded(value: Any) -> bool:
    return value not in ("", [], None)


def part_of(name: str, checklist: list) -> str | None:
    """The on-demand part a field belongs to (None: always in the page); `checklist` as tables.mechanism_checklist."""
    if name in CHART_FIELDS:
        return "regions"
    if name.startswith("special_tests.") and name.split(".")[1] in NEURO_TESTS:
        return "umn"
    section = section_of(name)
    if section in ("hip", "circulation"):
        return section
    if section == "mechanism":
        cid = name.split(".", 1)[1]
        group = next((i for i, (_title, items) in enumerate(checklist, 1) if any(c == cid for c, _label in items)), 1)
        return f"mechanism-{group}"
    return None


def asked(values: dict[str, Any], shown: str = "") -> list[str]:
    """The parts asked for: by an earlier round trip (the hidden field) and by the button just pressed."""
    wanted = str(values.get(ASKED) or "").split() + [shown]
    return [p for p in PARTS if p in wanted]


def inline(values: dict[str, Any], asked_parts: list[str], checklist: list) -> set[str]:
    """The parts the page must carry: recorded in, opened by the findings, or asked for."""
    out = set(asked_parts) | (unfolded(values) & {"hip", "circulation"})
    landmarks = set(vocabulary().landmarks)
    for name, value in values.items():
        if not _recorded(value):
            continue
        if part := part_of(name, checklist):
            out.add(part)
        if name in LANDMARK_FINDINGS and any(str(v).split(":")[0] in landmarks for v in _listed(value)):
            out.add("landmarks")
    return out


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@router.get("/visit-form/parts/{name}")
def part(request: Request, name: str, _: CurrentSession = Depends(deps.session)) -> Response:
    """One part, empty (a part with anything recorded is already in the page)."""
    if name not in PARTS:
        raise HTTPException(404, "There is no such part of the form.")
    return render(request, "visit_form_part.html", {"name": name, "values": {}, "errors": {}, **form_tables()})
