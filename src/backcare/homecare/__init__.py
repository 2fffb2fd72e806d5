"""Between visits, a domain on the clinical core: the client's home programme (a visit's handout
with the days a week each exercise is planned, stepped up or down or swapped at the next visit),
the weekly check-in with the intake's emergency questions and their screening, and adherence
(planned against done, the summary at the top of the next visit). Rules are data
(data/homecare.yaml), checked on load. Pure: the records keep the links, ticks and check-ins;
the web app shows the client's page and the therapist's.

It may import the clinical core, the intake domain (the check-in asks the intake's emergency
questions and screens them as the intake does) and the shared safe-text rules; never records,
storage, the web or the CLI."""
from __future__ import annotations

from .adherence import BetweenVisits, CheckIn, Version, Week, between, in_force, week_of, weeks
from .checkin import CheckInAnswers, CheckInError, flagged, screen_check_in, validate
from .programme import (MAX_ITEMS, ProgrammeError, ProgrammeItem, change_words, days_per_week, from_handout,
                        handout_choice, item_from, revise, stepped)
from .rules import rules

__all__ = ["MAX_ITEMS", "BetweenVisits", "CheckIn", "CheckInAnswers", "CheckInError", "ProgrammeError", "ProgrammeItem",
           "Version", "Week", "between", "change_words", "days_per_week", "flagged", "from_handout", "handout_choice",
           "in_force", "item_from", "revise", "rules", "screen_check_in", "stepped", "validate", "week_of", "weeks"]
