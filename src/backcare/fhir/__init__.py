"""FHIR R4B: a client's record as a Bundle, and a Bundle exported by backcare back into records.

Standard resources carry what other systems read (Patient, EpisodeOfCare,
Encounter, Observation with LOINC codes, QuestionnaireResponse, Condition with
ICD-10 and SNOMED CT, CarePlan, ServiceRequest, Composition, Provenance,
Practitioner, a Procedure per technique given and a Consent per consent; the home programme's weekly check-ins as
QuestionnaireResponses with the client as source and adherence as Observations: fhir.homecare), as one Bundle or,
for a whole clinic, as Bulk Data NDJSON files written and read in constant memory (bulk.py). What only backcare
reads (the findings and assessment as given,
the knowledge-base version) rides in extensions, so that an export imported
into another backcare gives back the same records. Every Bundle is built and
checked with the `fhir.resources` R4B models.

It sits above the domains: it may import the clinical core, the domains and
the shared safe-text rules; records, the web and the CLI call it, not the
other way round.
"""
from __future__ import annotations

from .bulk import write_ndjson
from .bundle import bundle_for, validate_bundle
from .bulk_reading import ndjson_resources
from .reading import BundleError, bundle_resources, items

__all__ = ["BundleError", "bundle_for", "bundle_resources", "items", "ndjson_resources", "validate_bundle", "write_ndjson"]
