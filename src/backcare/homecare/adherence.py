"""Adherence and the course between visits, pure: planned against done per calendar week, and
the summary at the top of the next visit ("did 9 of 14 planned sessions; glute bridge felt
easier; pain 5 → 3").

A day's plan is the programme in force that day: each exercise's days a week,
spread over the week (3 days a week plans 3/7 of a session a day), so a week
the programme began or changed midway plans only its share. Every tick is a
session done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .programme import ProgrammeItem
from .rules import rules


@dataclass(frozen=True)
class Version:
    """A programme as it was from one day on."""

    starts: date
    items: list[ProgrammeItem]


@dataclass(frozen=True)
class CheckIn:
    week_of: date
    submitted_on: date
    answers: dict[str, Any]
    urgency: str


@dataclass(frozen=True)
class Week:
    week_of: date
    planned: int
    done: int
    days_ticked: int
    check_in: CheckIn | None

    @property
    def percent(self) -> int | None:
        return None if not self.planned else round(100 * min(self.done, self.planned) / self.planned)


@dataclass(frozen=True)
class BetweenVisits:
    since: date
    until: date
    planned: int
    done: int
    felt: list[tuple[str, str]] = field(default_factory=list)  # (title, what the client said), easier/harder/hurt only
    pain_from: int | None = None
    pain_to: int | None = None
    check_ins: int = 0
    flagged: int = 0

    @property
    def text(self) -> str:
        parts = []
        if self.planned or self.done:
            parts.append(f"did {self.done} of {self.planned} planned sessions")
        parts += [f"{_lower_first(title)} {said}" for title, said in self.felt]
        if self.pain_from is not None and self.pain_to is not None:
            parts.append(f"pain {self.pain_from} → {self.pain_to}")
        elif self.pain_to is not None:
            parts.append(f"pain {self.pain_to}")
        if not self.check_ins:
            parts.append("no check-in sent")
        return "; ".join(parts)


def _lower_first(title: str) -> str:
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def week_of(day: date) -> date:
    """The Monday that begins the day's calendar week."""
    return day - timedelta(days=day.weekday())


def in_force(versions: list[Version], day: date) -> Version | None:
    found = None
    for version in versions:  # oldest first
        if version.starts <= day:
            found = version
    return found


def planned_on(versions: list[Version], day: date) -> float:
    version = in_force(versions, day)
    return 0.0 if version is None else sum(i.days_per_week for i in version.items if i.tickable) / 7


def _days(since: date, until: date):
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def weeks(versions: list[Version], ticks: list[tuple[date, str]], check_ins: list[CheckIn], until: date) -> list[Week]:
    """Every calendar week from the first programme's to `until`'s, oldest first."""
    if not versions:
        return []
    start = versions[0].starts
    out = []
    monday = week_of(start)
    by_week = {c.week_of: c for c in check_ins}
    while monday <= until:
        sunday = min(monday + timedelta(days=6), until)
        planned = sum(planned_on(versions, d) for d in _days(max(monday, start), sunday))
        done = [d for d, _ in ticks if monday <= d <= sunday]
        out.append(Week(monday, round(planned), len(done), len(set(done)), by_week.get(monday)))
        monday += timedelta(days=7)
    return out


def between(versions: list[Version], ticks: list[tuple[date, str]], check_ins: list[CheckIn], since: date, until: date,
            pain_at_since: int | None) -> BetweenVisits | None:
    """From one visit (`since`, its pain) to the day before the next (`until`); None when no programme ran."""
    if until < since or (in_force(versions, until) is None and not check_ins):
        return None
    planned = round(sum(planned_on(versions, d) for d in _days(since, until)))
    done = sum(1 for d, _ in ticks if since <= d <= until)
    sent = sorted((c for c in check_ins if since <= c.submitted_on <= until), key=lambda c: c.submitted_on)
    titles = {i.id: i.title for v in versions for i in v.items}
    said: dict[str, str] = {}
    for c in sent:  # the latest answer for each exercise
        said.update(c.answers.get("felt", {}))
    words = rules().check_in.feelings
    felt = [(titles.get(item, item.replace("_", " ")), words[f].summary) for item, f in said.items() if f != "same" and f in words]
    pains = [c.answers["pain_nrs"] for c in sent]
    pain_from = pain_at_since if pain_at_since is not None else (pains[0] if len(pains) > 1 else None)
    return BetweenVisits(since, until, planned, done, felt, pain_from, pains[-1] if pains else None, len(sent),
                         sum(1 for c in sent if c.urgency in ("emergency", "urgent")))
