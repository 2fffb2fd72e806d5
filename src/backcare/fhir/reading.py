"""Reading: a Bundle exported by backcare -> client records to import (records.exchange).

The Bundle is checked against the R4B models first; then each Patient and
what refers to it becomes one record. The findings and assessment come from
backcare's own extensions; a Bundle from another system, which has none, is
refused with a message rather than half-imported.
"""
from __future__ import annotations

import json
from typing import Any

from . import homecare
from .codes import EXT, PERSON_EMAIL, SYSTEM_CLIENT


class BundleError(ValueError):
    pass


def _ext(resource: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((e for e in resource.get("extension", []) if e["url"] == EXT + name), None)


def _value(resource: dict[str, Any], name: str, kind: str, default: Any = None) -> Any:
    found = _ext(resource, name)
    return default if found is None else found.get(kind, default)


def _json(resource: dict[str, Any], name: str, default: Any = None) -> Any:
    found = _ext(resource, name)
    return default if found is None else json.loads(found["valueString"])


def _sub(extension: dict[str, Any], url: str, kind: str) -> Any:
    return next((e.get(kind) for e in extension.get("extension", []) if e["url"] == url), None)


def _details(patient: dict[str, Any]) -> dict[str, Any]:
    """The client's details from a Patient backcare wrote (fhir.bundle._details and its extension)."""
    extra = _ext(patient, "client-details") or {}
    contact = next((c for c in patient.get("contact", []) if any(
        code.get("code") == "C" for r in c.get("relationship", []) for code in r.get("coding", []))), None)
    return {"sex": patient.get("gender"), "address": (patient.get("address") or [{}])[0].get("text"),
            "family_doctor": (patient.get("generalPractitioner") or [{}])[0].get("display"),
            "emergency_contact": ((contact or {}).get("name") or {}).get("text"),
            **{key: _sub(extra, key, "valueString") for key in ("occupation", "medications", "allergies", "family_doctor_contact")}}


def records_from_bundle(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    from pydantic import ValidationError

    from .bundle import validate_bundle

    try:
        # Check, then read the checked model's own JSON: dates and times in FHIR's forms.
        bundle = json.loads(validate_bundle(bundle).model_dump_json(exclude_none=True))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise BundleError(f"not a valid FHIR R4B Bundle: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    by_url = {e["fullUrl"]: e["resource"] for e in bundle.get("entry", [])}
    of_kind: dict[str, list[tuple[str, dict]]] = {}
    for url, resource in by_url.items():
        of_kind.setdefault(resource["resourceType"], []).append((url, resource))

    def person(reference: dict[str, Any] | None) -> dict[str, str] | None:
        if not reference or reference.get("reference") not in by_url:
            return None
        practitioner = by_url[reference["reference"]]
        email = next((i["value"] for i in practitioner.get("identifier", []) if i.get("system") == PERSON_EMAIL), None)
        if email is None:
            raise BundleError("a Practitioner without backcare's e-mail identifier")
        return {"email": email, "name": practitioner["name"][0]["text"]}

    def about(resource: dict[str, Any], field: str = "subject") -> str | None:
        return (resource.get(field) or {}).get("reference")

    records = []
    for patient_url, patient in of_kind.get("Patient", []):
        if not any(i.get("system") == SYSTEM_CLIENT for i in patient.get("identifier", [])) or _ext(patient, "consent") is None:
            raise BundleError("this Bundle was not exported by backcare (a Patient without backcare's identifier)")
        consent = _ext(patient, "consent")
        telecom = {t["system"]: t["value"] for t in patient.get("telecom", [])}
        client_id = next((i["value"] for i in patient.get("identifier", []) if i.get("system") == SYSTEM_CLIENT), patient_url)
        record: dict[str, Any] = {"id": client_id, "client": {
            "name": patient["name"][0]["text"], "date_of_birth": patient.get("birthDate"), "phone": telecom.get("phone"),
            "email": telecom.get("email"),
            "medical": {e["url"]: e["valueBoolean"] for e in (_ext(patient, "medical-history") or {}).get("extension", [])},
            "consent_given": bool(_sub(consent, "given", "valueBoolean")), "consent_date": _sub(consent, "date", "valueDate"),
            **_details(patient)},
            "episodes": [], "visits": [], "questionnaires": []}
        for url, e in of_kind.get("EpisodeOfCare", []):
            if about(e, "patient") == patient_url:
                record["episodes"].append({"key": url, "started_on": e["period"]["start"], "closed_on": e["period"].get("end"),
                                           "closed_by": person(_value(e, "closed-by", "valueReference")),
                                           "discharge_reason": _value(e, "discharge-reason", "valueCode", ""),
                                           "discharge_note": _value(e, "discharge-note", "valueString", "")})
        compositions = {about(c, "encounter"): c for _, c in of_kind.get("Composition", [])}
        provenance: dict[str, list[dict]] = {}
        for _, p in of_kind.get("Provenance", []):
            provenance.setdefault(p["target"][0]["reference"], []).append(p)
        referrals = {about(r, "encounter"): r for _, r in of_kind.get("ServiceRequest", [])}
        for url, enc in of_kind.get("Encounter", []):
            if about(enc) != patient_url:
                continue
            note = compositions.get(url)
            if note is None:
                raise BundleError("an Encounter without its SOAP note (Composition)")
            sections = {s["title"]: _text(s) for s in note.get("section", [])}
            note_url = next(u for u, c in of_kind["Composition"] if c is note)
            signed = next((p for p in provenance.get(note_url, []) if p["activity"]["coding"][0]["code"] == "LA"), None)
            amendments = [p for p in provenance.get(note_url, []) if p["activity"]["coding"][0]["code"] == "UPDATE"]
            referral = referrals.get(url)
            record["visits"].append({
                "key": url, "episode": (enc.get("episodeOfCare") or [{}])[0].get("reference"),
                "visit_date": enc["period"]["start"], "therapist": person((enc.get("participant") or [{}])[0].get("individual")),
                "case": _json(enc, "case"), "assessment": _json(enc, "assessment"), "kb_version": _value(enc, "kb-version", "valueString"),
                "treatment_given": _value(enc, "treatment-given", "valueString", ""),
                "soap": {field: sections.get(title, "") for field, title in
                         (("subjective", "Subjective"), ("objective", "Objective"), ("assessment", "Assessment"), ("plan", "Plan"))},
                "signed_at": signed["recorded"] if signed else None, "signer": person(signed["agent"][0]["who"]) if signed else None,
                "created_at": _value(enc, "created", "valueDateTime"), "handout_items": _json(enc, "handout-items"),
                "details": _json(enc, "details"),
                "amendments": [{"author": person(p["agent"][0]["who"]), "text": _value(p, "amendment-text", "valueString"),
                                "created_at": p["recorded"]} for p in amendments],
                "letters": [{"addressee": _sub(x, "addressee", "valueString"), "urgency": _sub(x, "urgency", "valueCode"),
                             "body": _sub(x, "body", "valueString"), "author": person(_sub(x, "author", "valueReference")),
                             "created_at": _sub(x, "created", "valueDateTime")}
                            for x in (referral or {}).get("extension", []) if x["url"] == EXT + "referral-letter"],
            })
        record["intakes"] = []
        for url, qr in of_kind.get("QuestionnaireResponse", []):
            if about(qr) != patient_url or homecare.is_check_in(qr):
                continue
            instrument = qr["questionnaire"].rsplit("/", 1)[-1]
            if instrument == "intake":
                record["intakes"].append({
                    "submitted_at": qr["authored"], "instruments": _json(qr, "intake-instruments", []),
                    "answers": _json(qr, "intake-answers"), "case": _json(qr, "intake-case"),
                    "urgency": _value(qr, "screening-urgency", "valueCode"), "screening": _json(qr, "screening"),
                    "visit": (qr.get("encounter") or {}).get("reference")})
                continue
            record["questionnaires"].append({
                "episode": _value(qr, "episode", "valueReference", {}).get("reference"),
                "visit": (qr.get("encounter") or {}).get("reference"), "instrument": instrument, "answers": _answers(qr),
                "result": _json(qr, "result"), "complete": qr["status"] == "completed",
                "score": _json(qr, "result")["value"], "answered_on": _value(qr, "answered-on", "valueDate"),
                "entered_by": person(_value(qr, "entered-by", "valueReference")), "mode": _value(qr, "mode", "valueCode"),
                "kb_version": _value(qr, "kb-version", "valueString"), "created_at": qr["authored"]})
        from .treatment import read_consents, read_treatments

        record["treatments"] = read_treatments(of_kind, [(u, e) for u, e in of_kind.get("Encounter", []) if about(e) == patient_url],
                                               person)
        record["consents"] = read_consents(of_kind, patient_url, person)
        record["homecare"] = homecare.read(of_kind, patient_url, person)
        records.append(record)
    return records


def _text(section: dict[str, Any]) -> str:
    """A section's text back from its XHTML narrative."""
    import re
    from html import unescape

    div = section["text"]["div"]
    inner = re.sub(r"^<div[^>]*>|</div>$", "", div).replace("<br/>", "\n")
    text = unescape(inner)
    return "" if text == "(empty)" else text


def _answers(qr: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in qr.get("item", []):
        if "item" in item:
            parts = {i["linkId"].rsplit(".", 1)[-1]: i["answer"][0] for i in item["item"]}
            out[item["linkId"]] = {"activity": parts["activity"]["valueString"], "rating": parts["rating"]["valueInteger"]}
        else:
            answer = item["answer"][0]
            out[item["linkId"]] = answer["valueBoolean"] if "valueBoolean" in answer else answer["valueInteger"]
    return out
