"""The treatment session in FHIR R4B: a Procedure per technique given, a Consent per consent recorded.

A Procedure names the technique (backcare's code and the vocabulary's words),
each target as a body site with its laterality (SNOMED CT qualifiers), the
performer and the outcome (pain before and after, the re-test). A Consent
carries its scope, the areas it covers (the provision), when it was given or
withdrawn, and the policy it follows. What only backcare reads (minutes,
pressure, the signature) rides in extensions, and the whole session rides on
its Encounter (`session_extension`), which is what an import reads back
(fhir.reading): the Procedures are for other systems, like the Observations.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from ..treatment import treatment_data
from ..treatment.words import name
from .codes import BASE, EXT, LOINC, SNOMED

TECHNIQUES = f"{BASE}/CodeSystem/technique"
STRUCTURES = f"{BASE}/CodeSystem/structure"
BODY_AREAS = f"{BASE}/CodeSystem/body-area"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
# SNOMED CT laterality qualifiers; a midline target has none.
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right"), "both": ("51440002", "Right and left")}
STATUS = {"given": "active", "declined": "rejected"}


def _ext(field: str, value: Any, kind: str) -> dict[str, Any]:
    return {"url": EXT + field, kind: value}


def _outcome(response: dict[str, Any]) -> str:
    parts = []
    if response.get("pain_before") is not None or response.get("pain_after") is not None:
        parts.append(f"pain {response.get('pain_before', '?')}/10 before, "
                     + (f"{response['pain_after']}/10 after" if response.get("pain_after") is not None else "not asked after"))
    retest = response.get("retest") or {}
    if retest.get("before") or retest.get("after"):
        parts.append(f"{retest['label']}: {retest.get('before') or '?'} before, {retest.get('after') or 'not re-tested'} after")
    return "; ".join(parts)


def procedures(add: Callable[..., str], treatment: dict[str, Any], key: tuple, subject: dict, encounter: str,
               therapist: dict | None) -> None:
    """A Procedure for each technique of one visit's treatment (`add` is the Bundle writer's)."""
    outcome = _outcome(treatment["response"])
    for n, entry in enumerate(treatment["given"]["entries"]):
        sites = []
        for target in entry["targets"]:
            site: dict[str, Any] = {"coding": [{"system": STRUCTURES, "code": target, "display": name("structures", target)}],
                                    "text": name("structures", target) + ("" if entry["side"] == "midline" else f", {entry['side']}")}
            if entry["side"] in LATERALITY:
                code, display = LATERALITY[entry["side"]]
                site["extension"] = [_ext("laterality", {"coding": [{"system": SNOMED, "code": code, "display": display}]},
                                          "valueCodeableConcept")]
            sites.append(site)
        extension = [_ext("minutes", entry["minutes"], "valueInteger"), _ext("pressure", entry["pressure"], "valueCode"),
                     _ext("side", entry["side"], "valueCode"), _ext("entry", n, "valueInteger")]
        if entry.get("clinical_reason"):
            extension.append(_ext("clinical-reason", entry["clinical_reason"], "valueString"))
        if entry.get("until_withdrawal"):
            extension.append(_ext("until-withdrawal", True, "valueBoolean"))
        add({"status": "stopped" if entry.get("until_withdrawal") else "completed",
             "code": {"coding": [{"system": TECHNIQUES, "code": entry["technique"], "display": name("techniques", entry["technique"])}],
                      "text": name("techniques", entry["technique"])},
             "subject": subject, "encounter": {"reference": encounter}, "performedDateTime": treatment["visit_date"],
             **({"performer": [{"actor": therapist}]} if therapist else {}), "bodySite": sites,
             **({"outcome": {"text": outcome}} if outcome else {}),
             "note": [{"text": f"{entry['minutes']} min, {entry['pressure']} pressure"}], "extension": extension},
            "Procedure", (*key, "procedure", n))


def session_extension(treatment: dict[str, Any], encounter_of: Callable[[Any], str | None], by: dict | None) -> dict[str, Any]:
    """The whole session on its Encounter: the techniques (also each a Procedure, for other systems), positioning,
    hydrotherapy, draping, exercise, response, after-effects; backcare reads it back from here alone."""
    after = dict(treatment["after_effects"])
    after["of_visit"] = encounter_of(after.get("of_visit"))
    return {"url": EXT + "treatment", "valueString": json.dumps(
        {"given": treatment["given"], "response": treatment["response"], "after_effects": after,
         "updated_at": treatment["updated_at"], **({"updated_by": by} if by else {})},
        separators=(",", ":"), ensure_ascii=False)}


def consent(add: Callable[..., str], c: dict[str, Any], key: tuple, subject: dict, encounter: str | None,
            taker: dict | None) -> None:
    """A Consent resource for one consent given, declined or withdrawn."""
    data = treatment_data()
    pack = data.pack(c["pack"])
    status = "inactive" if c["withdrawn_at"] else STATUS[c["decision"]]
    period = {"start": c["given_at"], **({"end": c["withdrawn_at"]} if c["withdrawn_at"] else {})}
    codes = [{"coding": [{"system": BODY_AREAS, "code": a, "display": data.areas[a].words}]} for a in c["areas"]]
    extension = [_ext("consent-scope", c["scope"], "valueCode"), _ext("consent-pack", c["pack"], "valueString"),
                 *(_ext("consent-method", m, "valueCode") for m in c["methods"]),
                 *(_ext("consent-element", e, "valueCode") for e in c["elements"]),
                 *(_ext("consent-technique", t, "valueCode") for t in c["techniques"])]
    extension += [_ext(field, c[key_], "valueString") for field, key_ in (
        ("signed-name", "signed_name"), ("signature", "signature"), ("witness", "witness"), ("withdrawn-note", "withdrawn_note"))
        if c[key_]]
    if taker:
        extension.append(_ext("taken-by", taker, "valueReference"))
    if encounter:
        extension.append(_ext("encounter", {"reference": encounter}, "valueReference"))
    add({"status": status,
         "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}]},
         "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}],
                       "text": "Consent to sensitive areas" if c["scope"] == "areas" else "Informed consent to treatment"}],
         "patient": subject, "dateTime": c["given_at"], "performer": [subject],
         "policyRule": {"text": pack.title},
         "provision": {"type": "deny" if c["decision"] == "declined" else "permit", "period": period, **({"code": codes} if codes else {})},
         "extension": extension}, "Consent", key)


def write(w: Any, record: dict[str, Any], cid: Any, subject: dict, encounters: dict[Any, str]) -> None:
    """The treatment session of one exported client into the Bundle writer `w` (fhir.bundle.Writer): a Procedure per
    technique (the session itself rides on its Encounter, see `session_extension`) and a Consent per consent."""
    dates = {v["key"]: v["visit_date"] for v in record["visits"]}
    for t in record.get("treatments", []):
        encounter = encounters.get(t["visit"])
        if encounter is None:
            continue
        procedures(w.add, {**t, "visit_date": dates[t["visit"]]}, (cid, t["visit"]), subject, encounter, w.person(t["updated_by"]))
    for n, c in enumerate(record.get("consents", [])):
        consent(w.add, c, (cid, "consent", n), subject, encounters.get(c["visit"]), w.person(c["taken_by"]))
