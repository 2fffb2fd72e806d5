"""The treatment session: consent to treatment, what was actually done, and how the client responded.

Pure rules over plain data, like the other domains: consent packs by
jurisdiction and the body areas each technique touches (YAML beside this
file, checked on load), the consent a visit needs and whether it has it, the
treatment as given checked against the visit's contraindications, "as
planned" from the engine's plan, the re-test worth doing, and the treatment
in words for the note. Storage, pages and exports are the adapters' (records,
web, fhir).

A domain built on the clinical core: it may import the core and the shared
safe-text rules, never another domain, records, storage, the web or the CLI.
"""
from __future__ import annotations

from .checks import Refusal, Rules, overridden, refusals, unresolved
from .consent import (AreaStatus, ConsentFact, GeneralStatus, Requirement, entry_areas, general_status, plan_areas,
                      requirements, satisfies, signing_problems, visit_status)
from .course import Session, TechniqueCourse, course
from .data import DataError, TreatmentData, treatment_data
from .model import AfterEffects, ConsentIn, Entry, Given, Response, Retest, TreatmentIn
from .notes import consent_lines, entry_text, given_lines, response_lines, soap_draft
from .planned import Alternative, alternatives, as_planned, side_for
from .retest import propose

__all__ = ["AfterEffects", "Alternative", "AreaStatus", "ConsentFact", "ConsentIn", "DataError", "Entry", "GeneralStatus",
           "Given", "Refusal", "Requirement", "Response", "Retest", "Rules", "Session", "TechniqueCourse", "TreatmentData",
           "TreatmentIn", "alternatives", "as_planned", "consent_lines", "course", "entry_areas", "entry_text",
           "general_status", "given_lines", "overridden", "plan_areas", "propose", "refusals", "requirements",
           "response_lines", "satisfies", "side_for", "signing_problems", "soap_draft", "treatment_data", "unresolved",
           "visit_status"]
