"""Code systems and backcare's own identifiers in FHIR."""
from __future__ import annotations

# backcare's canonical base for its extensions, questionnaires and local codes.
BASE = "https://fhir.backcare.app"
EXT = f"{BASE}/StructureDefinition/"
LOCAL_OUTCOMES = f"{BASE}/CodeSystem/outcomes"
LOCAL_HOMECARE = f"{BASE}/CodeSystem/homecare"  # the home programme's own codes (sessions done, planned)
SELF_CARE = f"{BASE}/CodeSystem/self-care"  # the knowledge base's self-care item ids
SYSTEM_CLIENT = f"{BASE}/client-id"
PERSON_EMAIL = f"{BASE}/user-email"  # people are named by their e-mail address, never by a server id

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_COMPLETION = "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion"
V3_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

OBSERVATION_CATEGORY = {
    kind: {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": kind}]}
    for kind in ("survey", "exam", "activity")
}
CONDITION_CLINICAL = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}
CONDITION_VERIFICATION = {
    status: {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status}]}
    for status in ("provisional", "differential")
}
CONDITION_CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis"}]}


def questionnaire_url(instrument: str) -> str:
    return f"{BASE}/Questionnaire/{instrument}"
