"""State shared by the engine's stages while one case is assessed."""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from .predicates import Tri



MISSING = object()


class Evaluation:
    """One case under assessment: findings are evaluated once, on first use."""

    __slots__ = ("case", "kb", "known_findings", "criteria", "_regions", "_memo", "engine_facts", "urgency_level", "probabilities",
                 "dominant_mechanism", "flagged_conditions", "referral_doors", "likelihood", "emergency_conditions", "urgent_conditions", "referred_conditions", "values", "log_odds", "moves", "holding",
                 "note_labels")

    def __init__(self, case: dict[str, Any], kb: Any):
        self.case = case
        self.kb = kb
        self.known_findings: dict[str, Tri] = {}  # finding -> value, evaluated on demand before the kernel runs
        self.values: tuple | None = None  # every finding's value, by position (kb.finding_position), from the kernel
        self.holding: dict[str, list[int]] = {}  # per rule set, the rules the kernel found to hold (referral)
        self.log_odds: list[float] = []  # by condition (kb.kernel.moves.conditions), from the findings kernel
        self.moves: tuple[list[int], ...] = ()  # by condition: the numbers of the likelihood-ratio moves that counted
        self.engine_facts: dict[str, Tri] = {}
        self.urgency_level = 0
        self.probabilities: dict[str, float] = {}
        # The larger of a condition's share and, for one that coexists, its own odds.
        self.likelihood: dict[str, float] = {}
        self.criteria: dict[str, tuple[Tri, str | None]] = {}  # criterion -> (value, origin), once judged
        self._memo: dict[tuple, Any] = {}
        self._regions: dict[tuple[str, ...], list[tuple[str, str | None]] | None] = {}
        self.dominant_mechanism: str | None = None
        self.flagged_conditions: list[str] = []  # conditions the safety screen flagged
        self.emergency_conditions: list[str] = []  # ... of them, those flagged as an emergency
        self.urgent_conditions: list[str] = []  # ... those flagged as urgent (one alone leads the differential)
        self.referred_conditions: list[str] = []  # what a referral without a red flag is for
        self.referral_doors: Any = None  # the destinations behind the referral (screen.py)
        self.note_labels: dict[str, str] = {}  # finding -> what its evidence quotes from the notes (notes.py)

    def finding(self, finding_id: str) -> Tri:
        # get() rather than try/except: most findings are looked up once, and a
        # raised KeyError per first look-up cost a fifth of the engine's time.
        values = self.values
        if values is not None:
            value = values[self.kb.finding_position[finding_id]]
            if value is not MISSING:  # else the finding reads the engine's later conclusions
                return value
        value = self.known_findings.get(finding_id, MISSING)
        if value is MISSING:
            value = self.known_findings[finding_id] = self.kb.finding_rules[finding_id](self)
        return value

    def memo(self, key: tuple, compute: Callable[[Evaluation], Any]) -> Any:
        """A value shared by several rules, computed once per case."""
        value = self._memo.get(key, MISSING)
        if value is MISSING:
            value = self._memo[key] = compute(self)
        return value

    def regions(self, path: tuple[str, ...]) -> list[tuple[str, str | None]] | None:
        """A body-chart list of the case split into (region, side), parsed once per case."""
        parsed = self._regions.get(path, MISSING)
        if parsed is MISSING:
            from .predicates import lookup

            entries = lookup(self.case, path)
            parsed = self._regions[path] = None if entries is None else [self.kb.split_region(e) for e in entries]
        return parsed

    def criterion(self, criterion_id: str) -> Tri:
        return self.criterion_with_origin(criterion_id)[0]

    def criterion_with_origin(self, criterion_id: str) -> tuple[Tri, str | None]:
        """A pain-mechanism criterion: the checklist's answer, else derived from the case.

        The origin is "checklist", "derived" or None (not judged).
        """
        known = self.criteria.get(criterion_id)
        if known is not None:
            return known
        recorded = (self.case.get("pain_mechanism_criteria") or {}).get(criterion_id)
        if recorded is not None:
            result: tuple[Tri, str | None] = (recorded, "checklist")
        else:
            rule, derive_absent = self.kb.criterion_rules[criterion_id]
            value = rule(self) if rule is not None else None
            if value is False and not derive_absent:
                value = None
            result = (value, None if value is None else "derived")
        self.criteria[criterion_id] = result
        return result

    def label(self, finding_id: str, present: bool = True) -> str:
        text = self.kb.labels[(finding_id, present)]
        if self.note_labels and present and finding_id in self.note_labels:
            return text + self.note_labels[finding_id]
        return text

    def evidence(self, finding_ids: list[str]) -> list[str]:
        """Labels of the referenced findings that hold for this case."""
        return [self.label(f) for f in finding_ids if self.finding(f) is True]


def words(identifier: str) -> str:
    return identifier.replace("_", " ")
