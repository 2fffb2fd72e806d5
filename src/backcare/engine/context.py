"""State shared by the engine's stages while one case is assessed."""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .predicates import Tri



class Evaluation:
    """One case under assessment: findings are evaluated once, on first use."""

    __slots__ = ("case", "kb", "_findings", "_criteria", "engine_facts", "urgency_level", "probabilities",
                 "dominant_mechanism", "flagged_conditions")

    def __init__(self, case: dict[str, Any], kb: Any):
        self.case = case
        self.kb = kb
        self._findings: dict[str, Tri] = {}
        self.engine_facts: dict[str, Tri] = {}
        self.urgency_level = 0
        self.probabilities: dict[str, float] = {}
        self._criteria: dict[str, tuple[Tri, str | None]] = {}
        self.dominant_mechanism: str | None = None
        self.flagged_conditions: list[str] = []  # conditions the safety screen flagged

    def finding(self, finding_id: str) -> Tri:
        try:
            return self._findings[finding_id]
        except KeyError:
            value = self._findings[finding_id] = self.kb.finding_rules[finding_id](self)
            return value

    def criterion(self, criterion_id: str) -> Tri:
        return self.criterion_with_origin(criterion_id)[0]

    def criterion_with_origin(self, criterion_id: str) -> tuple[Tri, str | None]:
        """A pain-mechanism criterion: the checklist's answer, else derived from the case.

        The origin is "checklist", "derived" or None (not judged).
        """
        try:
            return self._criteria[criterion_id]
        except KeyError:
            pass
        recorded = (self.case.get("pain_mechanism_criteria") or {}).get(criterion_id)
        if recorded is not None:
            result: tuple[Tri, str | None] = (recorded, "checklist")
        else:
            rule, derive_absent = self.kb.criterion_rules[criterion_id]
            value = rule(self) if rule is not None else None
            if value is False and not derive_absent:
                value = None
            result = (value, None if value is None else "derived")
        self._criteria[criterion_id] = result
        return result

    def label(self, finding_id: str, present: bool = True) -> str:
        return self.kb.labels[(finding_id, present)]

    def evidence(self, finding_ids: list[str]) -> list[str]:
        """Labels of the referenced findings that hold for this case."""
        return [self.label(f) for f in finding_ids if self.finding(f) is True]


def words(identifier: str) -> str:
    return identifier.replace("_", " ")
