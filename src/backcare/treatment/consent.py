"""Which consent a visit needs, whether it has it, and whether the informed consent is due again.

Pure functions over plain data. The rule that matters most: a note that
records work on a sensitive area can be signed only when a consent for that
area, given for that visit in the ways the clinic's pack requires, covers it;
work recorded as stopped at a withdrawal is covered by the consent it had
until then.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from .data import touches, treatment_data
from .model import Entry, Given
from .words import name


@dataclass(frozen=True)
class ConsentFact:
    """A consent as the rules read it (records turn stored rows into these)."""

    scope: str  # treatment | areas
    areas: tuple[str, ...]
    methods: tuple[str, ...]
    decision: str  # given | declined
    given_at: datetime
    withdrawn_at: datetime | None = None
    visit_id: int | None = None
    techniques: tuple[str, ...] = ()
    pack: str = ""
    ref: int | None = None  # the stored consent's id, for the page's withdraw button


@dataclass(frozen=True)
class Requirement:
    """One sensitive area this visit touches, and what the pack asks for it."""

    area: str
    words: str
    plain: str
    requires: tuple[str, ...]
    note: str
    sources: tuple[str, ...]

    @property
    def how(self) -> str:
        return " and ".join(self.requires)


@dataclass
class AreaStatus:
    requirement: Requirement
    state: str  # given | withdrawn | declined | needed
    consent: ConsentFact | None = None
    by: list[str] = field(default_factory=list)  # what touches it: "technique on target" or "today's plan"


def entry_areas(entry: Entry | dict[str, Any]) -> set[str]:
    technique, targets = (entry.technique, entry.targets) if isinstance(entry, Entry) else (entry["technique"], entry["targets"])
    return touches(treatment_data(), technique, list(targets))


def plan_areas(plan: dict[str, Any]) -> dict[str, list[str]]:
    """The areas the engine's plan would touch, each with the techniques that touch it."""
    found: dict[str, list[str]] = {}
    for item in plan.get("techniques", []) if plan.get("treat") else []:
        for area in entry_areas(item):
            found.setdefault(area, []).append(item["technique"])
    return found


def requirements(areas: Iterable[str], pack_id: str | None) -> list[Requirement]:
    """The sensitive ones among these areas, in the pack's order, with what each needs."""
    data = treatment_data()
    pack = data.pack(pack_id)
    wanted = set(areas)
    return [Requirement(aid, data.areas[aid].words, data.areas[aid].plain, tuple(rule.requires), rule.note, tuple(rule.sources))
            for aid, rule in pack.areas.items() if aid in wanted]


def satisfies(methods: Iterable[str], requires: Iterable[str]) -> bool:
    """Signed on the tablet is written consent; verbal is only verbal."""
    given = set(methods)
    if "tablet" in given:
        given.add("written")
    return set(requires) <= given


def covering(consents: Iterable[ConsentFact], requirement: Requirement) -> ConsentFact | None:
    """The consent of this visit that covers the area in the ways required: one still standing first."""
    found = [c for c in consents if c.scope == "areas" and c.decision == "given" and requirement.area in c.areas
             and satisfies(c.methods, requirement.requires)]
    found.sort(key=lambda c: (c.withdrawn_at is not None, c.given_at))
    return found[0] if found else None


def declined(consents: Iterable[ConsentFact]) -> set[str]:
    """Areas the client declined, or whose consent was withdrawn, at this visit (and not given again after)."""
    out: set[str] = set()
    for c in sorted((c for c in consents if c.scope == "areas"), key=lambda c: c.given_at):
        for area in c.areas:
            if c.decision == "declined" or c.withdrawn_at is not None:
                out.add(area)
            else:
                out.discard(area)
    return out


def signing_problems(given: Given | None, consents: list[ConsentFact], pack_id: str | None) -> list[str]:
    """Why a note with this treatment cannot be signed yet, one line per area (empty: it may be signed)."""
    if given is None:
        return []
    title = treatment_data().pack(pack_id).title
    missing: dict[Requirement, list[str]] = {}
    after_withdrawal: dict[Requirement, list[str]] = {}
    for entry in given.entries:
        for requirement in requirements(entry_areas(entry), pack_id):
            consent = covering(consents, requirement)
            if consent is None:
                missing.setdefault(requirement, []).append(name("techniques", entry.technique))
            elif consent.withdrawn_at is not None and not entry.until_withdrawal:
                after_withdrawal.setdefault(requirement, []).append(name("techniques", entry.technique))
    problems = [f"work on the {r.words} ({', '.join(dict.fromkeys(by))}) needs {r.how} consent for this visit "
                f"({title}), and none is recorded" for r, by in missing.items()]
    problems += [f"work on the {r.words} ({', '.join(dict.fromkeys(by))}) is recorded after its consent was withdrawn: "
                 "mark it as stopped at the withdrawal, or remove it" for r, by in after_withdrawal.items()]
    return problems


def visit_status(plan: dict[str, Any], given: Given | None, consents: list[ConsentFact], pack_id: str | None) -> list[AreaStatus]:
    """Every sensitive area today's plan or treatment touches, and where its consent stands."""
    by: dict[str, list[str]] = {area: ["today's plan"] for area in plan_areas(plan)}
    for entry in given.entries if given else []:
        for area in entry_areas(entry):
            by.setdefault(area, []).append(name("techniques", entry.technique))
    out = []
    refused = declined(consents)
    for requirement in requirements(by, pack_id):
        consent = covering(consents, requirement)
        if consent is not None and consent.withdrawn_at is None:
            state = "given"
        elif requirement.area in refused:
            state = "withdrawn" if consent is not None else "declined"
        else:
            state = "needed"
        out.append(AreaStatus(requirement, state, consent, list(dict.fromkeys(by[requirement.area]))))
    return out


@dataclass(frozen=True)
class GeneralStatus:
    """The client's informed consent to treatment: current, or due again (and why)."""

    state: str  # current | due | missing
    reason: str
    consent: ConsentFact | None
    due_on: date | None = None


def general_status(consents: Iterable[ConsentFact], today: date, plan_techniques: Iterable[str],
                   pack_id: str | None) -> GeneralStatus:
    """Due again a pack's number of days after it was given, or when the plan brings a technique it did not cover."""
    pack = treatment_data().pack(pack_id)
    given = sorted((c for c in consents if c.scope == "treatment" and c.decision == "given" and c.withdrawn_at is None),
                   key=lambda c: c.given_at)
    if not given:
        return GeneralStatus("missing", "no informed consent to treatment is recorded", None)
    latest = given[-1]
    due_on = latest.given_at.date() + timedelta(days=pack.general.renew_after_days)
    if today >= due_on:
        return GeneralStatus("due", f"given more than {pack.general.renew_after_days} days ago", latest, due_on)
    new = [t for t in dict.fromkeys(plan_techniques) if latest.techniques and t not in latest.techniques]
    if new:
        return GeneralStatus("due", "the plan changed: " + ", ".join(name("techniques", t) for t in new) + " not explained then",
                             latest, due_on)
    return GeneralStatus("current", "", latest, due_on)
