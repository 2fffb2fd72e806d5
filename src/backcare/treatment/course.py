"""Per technique, what happened after the sessions that used it: description, not proof.

For each technique: in how many sessions it was given, the average change of
pain from before to after those sessions, and from before the session to the
start of the next visit. Many things change pain between visits (time, the
natural course, everything else done in the session), so the page labels
these figures as a description of what followed, never as the technique's
effect.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import mean


@dataclass(frozen=True)
class Session:
    visit_date: date
    techniques: tuple[str, ...]
    pain_before: int | None
    pain_after: int | None
    next_pain: int | None  # pain at the start of the next visit, if there was one


@dataclass(frozen=True)
class TechniqueCourse:
    technique: str
    sessions: int
    immediate: float | None  # mean (after - before) over sessions with both
    immediate_n: int
    to_next: float | None  # mean (next visit - before) over sessions with both
    to_next_n: int


def course(sessions: list[Session]) -> list[TechniqueCourse]:
    """One row per technique given in the episode, most used first."""
    by_technique: dict[str, list[Session]] = {}
    for session in sessions:
        for technique in dict.fromkeys(session.techniques):
            by_technique.setdefault(technique, []).append(session)
    rows = []
    for technique, used in by_technique.items():
        immediate = [s.pain_after - s.pain_before for s in used if s.pain_before is not None and s.pain_after is not None]
        to_next = [s.next_pain - s.pain_before for s in used if s.pain_before is not None and s.next_pain is not None]
        rows.append(TechniqueCourse(technique, len(used), round(mean(immediate), 1) if immediate else None, len(immediate),
                                    round(mean(to_next), 1) if to_next else None, len(to_next)))
    rows.sort(key=lambda r: (-r.sessions, r.technique))
    return rows
