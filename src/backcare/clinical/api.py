"""The Python API: `assess(case)` returns an Assessment."""
from __future__ import annotations

from typing import Any, Mapping

from .assessment import Assessment
from .case import Case
from .caseio import parse_case
from .engine import run
from .knowledge.runtime import Knowledge, load_knowledge


def assess(case: Case | Mapping[str, Any], knowledge: Knowledge | None = None) -> Assessment:
    """Assess one case. A mapping is validated first (CaseError lists its problems)."""
    if not isinstance(case, Case):
        case = parse_case(dict(case))
    return Assessment.model_validate(assess_data(case.findings(), knowledge))


def assess_data(findings: dict[str, Any], knowledge: Knowledge | None = None) -> dict[str, Any]:
    """Assess a case already validated and given as plain data; returns the JSON-ready result.

    The result shares some read-only parts with the knowledge base (codes,
    likelihood-ratio records): serialise it or wrap it in `Assessment`, do not
    mutate it.
    """
    return run(findings, knowledge or load_knowledge())
