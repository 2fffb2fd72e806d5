"""State shared by the engine's stages while one case is assessed."""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .predicates import Tri



class Evaluation:
    """One case under assessment: findings are evaluated once, on first use."""

    __slots__ = ("case", "kb", "_findings", "engine_facts", "urgency_level", "probabilities")

    def __init__(self, case: dict[str, Any], kb: Any):
        self.case = case
        self.kb = kb
        self._findings: dict[str, Tri] = {}
        self.engine_facts: dict[str, Tri] = {}
        self.urgency_level = 0
        self.probabilities: dict[str, float] = {}

    def finding(self, finding_id: str) -> Tri:
        try:
            return self._findings[finding_id]
        except KeyError:
            value = self._findings[finding_id] = self.kb.finding_rules[finding_id](self)
            return value

    def label(self, finding_id: str, present: bool = True) -> str:
        return self.kb.labels[(finding_id, present)]

    def evidence(self, finding_ids: list[str]) -> list[str]:
        """Labels of the referenced findings that hold for this case."""
        return [self.label(f) for f in finding_ids if self.finding(f) is True]


def words(identifier: str) -> str:
    return identifier.replace("_", " ")
