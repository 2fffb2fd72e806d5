"""Outcome measures: scoring the questionnaires, judging change, the expected course of
recovery and stratified care. Pure functions over the knowledge base (outcomes.yaml);
nothing here knows about storage or the web.

A domain built on the clinical core: it may import the core and the shared safe-text rules,
never another domain (intake uses outcomes, not the other way), records, storage, the web or the CLI."""
from __future__ import annotations

from .progress import ChangeVerdict, CoursePoint, change_verdict, course_position, expected_pain
from .scoring import AnswerError, Score, instrument, instruments, score
from .stratified import stratified_care

__all__ = ["AnswerError", "ChangeVerdict", "CoursePoint", "Score", "change_verdict", "course_position", "expected_pain",
           "instrument", "instruments", "score", "stratified_care"]
