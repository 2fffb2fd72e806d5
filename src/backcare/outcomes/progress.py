"""Change that matters, and where a client stands against the expected course of recovery.

A change is meaningful when it reaches the instrument's minimal important
change in points, or (where the instrument has one) in percent of the
baseline; the rule is the same for getting better and getting worse.

The expected course scales the client's own baseline pain by the mean pain of
published inception cohorts (outcomes.yaml, Menezes Costa 2012): a client
who starts at 8/10 is expected near 8 x 23/52 = 3.5/10 six weeks later if the
pain is acute. Weeks count from the first visit of the episode.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..clinical.knowledge.runtime import load_knowledge

EPSILON = 1e-9  # scores are sums and means; 10 - 8 is 2 exactly, but 7.8 - 5.8 is not


@dataclass(frozen=True)
class ChangeVerdict:
    kind: Literal["improved", "no_change", "worse"]
    better_by: float  # positive when the client is better, in the instrument's points
    percent: float | None  # the same change in percent of the baseline, where that is defined
    threshold: str  # what counts as meaningful, in words

    @property
    def words(self) -> str:
        return {"improved": "meaningful improvement", "no_change": "no meaningful change", "worse": "meaningfully worse"}[self.kind]


def change_verdict(instrument_id: str, baseline: float, latest: float, kb=None) -> ChangeVerdict:
    inst = (kb or load_knowledge()).outcomes["instruments"][instrument_id]
    mic = inst["mic"]
    if mic is None:
        raise ValueError(f"{instrument_id} is a screening tool: its change is not an outcome")
    better_by = (baseline - latest) if inst["higher_is"] == "worse" else (latest - baseline)
    percent = abs(better_by) / baseline * 100 if mic["percent"] and baseline > 0 else None
    meaningful = abs(better_by) + EPSILON >= mic["points"] or (percent is not None and percent + EPSILON >= mic["percent"])
    kind = "no_change" if not meaningful else "improved" if better_by > 0 else "worse"
    threshold = f"{mic['points']:g} points" + (f" or {mic['percent']:g} % of the baseline" if mic["percent"] else "")
    signed_percent = None if percent is None else (percent if better_by >= 0 else -percent)
    return ChangeVerdict(kind, round(better_by, 2), None if signed_percent is None else round(signed_percent, 1), threshold)


def cohort_for(duration_days: int | None, kb=None) -> str | None:
    """The published cohort a client's episode matches, by how long the pain had lasted at the first visit."""
    if duration_days is None:
        return None
    for cohort_id, cohort in (kb or load_knowledge()).outcomes["expected_course"]["cohorts"].items():
        if cohort["duration_days_below"] is None or duration_days < cohort["duration_days_below"]:
            return cohort_id
    return None


def _interpolate(weeks: list[float], values: list[float], at: float) -> float:
    if at <= weeks[0]:
        return values[0]
    for (w0, v0), (w1, v1) in zip(zip(weeks, values), zip(weeks[1:], values[1:])):
        if at <= w1:
            return v0 + (v1 - v0) * (at - w0) / (w1 - w0)
    return values[-1]  # after the last follow-up the cohorts changed little: hold the last mean


def expected_pain(cohort_id: str, baseline: float, weeks_since: float, kb=None) -> float:
    """The pain (0-10) expected `weeks_since` the first visit for someone who started at `baseline`."""
    cohort = (kb or load_knowledge()).outcomes["expected_course"]["cohorts"][cohort_id]
    fraction = _interpolate(cohort["weeks"], cohort["mean_pain"], weeks_since) / cohort["mean_pain"][0]
    return round(baseline * fraction, 2)


@dataclass(frozen=True)
class CoursePoint:
    cohort: str | None  # None when the pain's duration at the first visit was not recorded
    weeks_since: float
    baseline: float
    latest: float
    expected: float | None
    verdict: ChangeVerdict
    on_track: bool | None  # None: too early to judge, or no cohort to judge by
    prompt: str | None  # what to do when not on track


def course_position(duration_days: int | None, baseline: float, latest: float, weeks_since: float, kb=None) -> CoursePoint:
    """Where the client's pain stands against the expected course, and whether it is on track.

    Not on track: no meaningful improvement by the time most people have
    improved markedly (the cohorts' first six weeks).
    """
    kb = kb or load_knowledge()
    course = kb.outcomes["expected_course"]
    cohort = cohort_for(duration_days, kb)
    verdict = change_verdict(course["measure"], baseline, latest, kb)
    expected = expected_pain(cohort, baseline, weeks_since, kb) if cohort else None
    on_track = None
    prompt = None
    if weeks_since + EPSILON >= course["review_after_weeks"]:
        on_track = verdict.kind == "improved"
        if not on_track:
            prompt = (f"Not on track: no meaningful improvement in pain after {weeks_since:.0f} weeks, when most people "
                      "with back pain have improved markedly. Re-assess, look again for a cause that needs a doctor, "
                      "and consider referral.")
    return CoursePoint(cohort, weeks_since, baseline, latest, expected, verdict, on_track, prompt)
