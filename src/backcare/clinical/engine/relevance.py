"""Which rules a case can move, found from what it records.

A rule (a finding, a referral rule) whose predicate reads only parts of a case
that this case does not record has the value it has on an empty case; when that
value is unknown (for a weighted finding) or not true (for a referral rule) it
cannot change the assessment, and the engine skips it. Most cases record a
fraction of the format (no hip or circulation block, a handful of the forty
special tests), so most of the look-alikes' rules are skipped.
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

from .predicates import DYNAMIC


class RuleIndex:
    """Rules by the case parts they read; `relevant` lists, in order, those a case can move."""

    def __init__(self, dependencies: list[frozenset | None], idle: list[bool]):
        # idle[i]: rule i cannot matter when none of its parts is recorded.
        self.always: list[int] = []
        self.by_key: dict[tuple, list[int]] = {}
        for position, (deps, quiet) in enumerate(zip(dependencies, idle)):
            if deps is DYNAMIC or not quiet or not deps:
                self.always.append(position)
                continue
            for key in deps:
                self.by_key.setdefault(key, []).append(position)
        self._always = frozenset(self.always)

    def relevant(self, recorded: frozenset) -> list[int]:
        chosen = set(self._always)
        by_key = self.by_key
        for key in recorded:
            positions = by_key.get(key)
            if positions:
                chosen.update(positions)
        return sorted(chosen)


def empty_values(rules: list[Callable], deps: list[frozenset | None], empty_context: Any) -> list[Any]:
    """Each rule's value on a case that records nothing it reads (DYNAMIC rules: not needed)."""
    return [None if d is DYNAMIC else rule(empty_context) for rule, d in zip(rules, deps)]
