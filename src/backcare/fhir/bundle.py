"""Writing: exported client records (records.exchange) -> a FHIR R4B Bundle (type collection)."""
from __future__ import annotations

import hashlib
import uuid

import orjson
from datetime import datetime, timezone
from html import escape
from typing import Any

from ..clinical.knowledge.runtime import load_knowledge
from ..clinical.soap import regions_text
from ..clinical.vocabulary import vocabulary
from . import homecare
from .codes import (ACT_CODE, CONDITION_CATEGORY, CONDITION_CLINICAL, CONDITION_VERIFICATION, EXT, ICD10, LOCAL_OUTCOMES,
                    LOINC, OBSERVATION_CATEGORY, PERSON_EMAIL, SNOMED, SYSTEM_CLIENT, UCUM, V3_COMPLETION, V3_OPERATION,
                    questionnaire_url)

NAMESPACE = uuid.UUID("4f9e3a1c-2d7b-5e8f-9a6b-0c1d2e3f4a5b")
_NAMESPACE_BYTES = NAMESPACE.bytes
PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
SOAP = (("subjective", "Subjective"), ("objective", "Objective"), ("assessment", "Assessment"), ("plan", "Plan"))


def resource_id(kind: str, key: Any) -> str:
    """A resource's id: the same record always gets the same one (uuid5 of kind and key, built directly:
    uuid.uuid5 costs more than the resource itself in a whole clinic's export)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}/{key}".encode()).digest()[:16])
    digest[6], digest[8] = (digest[6] & 0x0F) | 0x50, (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class ReadJson(dict):
    """A JSON object with the text it was read from (records.exchange: a visit's findings and assessment), which
    an extension carries as it is instead of encoding the object again: a whole clinic's export holds a hundred
    thousand of each."""

    __slots__ = ("text",)

    def __init__(self, text: str | bytes):
        super().__init__(orjson.loads(text))
        self.text = text if isinstance(text, str) else text.decode()


def _json_ext(name: str, value: Any) -> dict[str, Any]:
    text = value.text if value.__class__ is ReadJson else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return {"url": EXT + name, "valueString": text}


def _narrative(text: str) -> dict[str, str]:
    body = escape(text or "(empty)").replace("\n", "<br/>")
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


class Writer:
    """Collects the resources of records into Bundle entries; `fhir.bulk` writes them to NDJSON files instead."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.people: dict[str, str] = {}

    def add(self, resource: dict[str, Any], kind: str, key: Any) -> str:
        """Add one resource; returns the reference other resources use for it."""
        ref = f"urn:uuid:{resource_id(kind, key)}"
        self.entries.append({"fullUrl": ref, "resource": {"resourceType": kind, **resource}})
        return ref

    def person(self, person: dict[str, str] | None) -> dict[str, str] | None:
        """A Practitioner for each person of the record, once; returns the reference to it."""
        if person is None:
            return None
        email = person["email"]
        if email not in self.people:
            self.people[email] = self.add({"identifier": [{"system": PERSON_EMAIL, "value": email}],
                                           "name": [{"text": person["name"]}]}, "Practitioner", email)
        return {"reference": self.people[email], "display": person["name"]}


def bundle_for(records: list[dict[str, Any]], clinic: str = "") -> dict[str, Any]:
    """A Bundle of every client in `records` (the shape records.export_clients gives)."""
    writer = Writer()
    for record in records:
        write_record(writer, record)
    return {"resourceType": "Bundle", "type": "collection", "timestamp": datetime.now(timezone.utc).isoformat(),
            "meta": {"tag": [{"system": EXT + "exported-by", "code": "backcare", "display": clinic or "backcare"}]},
            "entry": writer.entries}


# Client details without a plain FHIR field of their own travel in backcare's extension (by these names).
DETAIL_EXTENSIONS = ("occupation", "medications", "allergies", "family_doctor_contact")
GENDER = {"female": "female", "male": "male", "other": "other"}


def _details(c: dict[str, Any]) -> dict[str, Any]:
    """Patient.gender, address, generalPractitioner (by name only) and the emergency contact (as text)."""
    out: dict[str, Any] = {}
    if c.get("sex"):
        out["gender"] = GENDER[c["sex"]]
    if c.get("address"):
        out["address"] = [{"text": c["address"]}]
    if c.get("family_doctor"):
        out["generalPractitioner"] = [{"display": c["family_doctor"]}]
    if c.get("emergency_contact"):
        out["contact"] = [{"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C",
                                                         "display": "Emergency Contact"}]}],
                           "name": {"text": c["emergency_contact"]}}]
    return out


def write_record(w: Writer, record: dict[str, Any]) -> None:
    """Every resource of one client's record."""
    c, cid = record["client"], record["id"]
    telecom = [t for t in ({"system": "phone", "value": c["phone"]} if c["phone"] else None,
                           {"system": "email", "value": c["email"]} if c["email"] else None) if t]
    patient = w.add({
        "identifier": [{"system": SYSTEM_CLIENT, "value": record.get("identifier") or str(cid)}], "name": [{"text": c["name"]}],
        **({"birthDate": c["date_of_birth"]} if c["date_of_birth"] else {}), **({"telecom": telecom} if telecom else {}),
        **_details(c),
        "extension": [
            *([{"url": EXT + "client-details", "extension": [{"url": key, "valueString": c[key]} for key in DETAIL_EXTENSIONS
                                                             if c.get(key)]}] if any(c.get(k) for k in DETAIL_EXTENSIONS) else []),
            *([{"url": EXT + "medical-history", "extension": [{"url": flag, "valueBoolean": answer}
                                                              for flag, answer in c["medical"].items()]}] if c["medical"] else []),
            {"url": EXT + "consent", "extension": [{"url": "given", "valueBoolean": c["consent_given"]}]
             + ([{"url": "date", "valueDate": c["consent_date"]}] if c["consent_date"] else [])},
            *([_json_ext("corrections", _people_named(w, record["corrections"]))] if record.get("corrections") else []),
        ]}, "Patient", cid)
    subject = {"reference": patient, "display": c["name"]}
    episodes = {}
    for e in record["episodes"]:
        extension = [{"url": EXT + "discharge-reason", "valueCode": e["discharge_reason"]}] if e["discharge_reason"] else []
        if e["discharge_note"]:
            extension.append({"url": EXT + "discharge-note", "valueString": e["discharge_note"]})
        if e["closed_by"]:
            extension.append({"url": EXT + "closed-by", "valueReference": w.person(e["closed_by"])})
        episodes[e["key"]] = w.add({
            "status": "finished" if e["closed_on"] else "active", "patient": subject,
            "period": {"start": e["started_on"], **({"end": e["closed_on"]} if e["closed_on"] else {})},
            **({"extension": extension} if extension else {})}, "EpisodeOfCare", (cid, e["key"]))
    from . import treatment

    encounters: dict[Any, str] = {}
    sessions = {t["visit"]: t for t in record.get("treatments", [])}
    for v in record["visits"]:
        # The session rides on its Encounter (written once: a bulk export streams it straight to its file).
        session = sessions.get(v["key"])
        extra = ([treatment.session_extension(session, encounters.get, w.person(session["updated_by"]))]
                 if session is not None else [])
        encounters[v["key"]] = _visit(w, v, cid, subject, episodes, extra)
    for n, q in enumerate(record["questionnaires"]):
        _questionnaire(w, q, (cid, n), subject, encounters, episodes)
    for n, intake in enumerate(record.get("intakes", [])):
        _intake(w, intake, (cid, "intake", n), subject, encounters)
    treatment.write(w, record, cid, subject, encounters)  # a Procedure per technique given, a Consent per consent
    homecare.write(w, record.get("homecare", {}), cid, subject, encounters, episodes)


def _visit(w: Writer, v: dict[str, Any], cid: int, subject: dict, episodes: dict, extra: list[dict[str, Any]]) -> str:
    key = (cid, v["key"])
    therapist = w.person(v["therapist"])
    extension = [_json_ext("case", v["case"]), _json_ext("assessment", v["assessment"]),
                 {"url": EXT + "kb-version", "valueString": v["kb_version"]},
                 {"url": EXT + "created", "valueDateTime": v["created_at"]}]
    if v["treatment_given"]:
        extension.append({"url": EXT + "treatment-given", "valueString": v["treatment_given"]})
    if v["details"] is not None:
        extension.append(_json_ext("details", v["details"]))
    if v["handout_items"] is not None:
        extension.append(_json_ext("handout-items", v["handout_items"]))
    extension += extra
    encounter = w.add({
        "status": "finished", "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}, "subject": subject,
        **({"episodeOfCare": [{"reference": episodes[v["episode"]]}]} if v["episode"] in episodes else {}),
        **({"participant": [{"individual": therapist}]} if therapist else {}),
        "period": {"start": v["visit_date"]}, "extension": extension}, "Encounter", key)
    at = {"subject": subject, "encounter": {"reference": encounter}, "effectiveDateTime": v["visit_date"]}
    pain = (v["case"].get("symptoms") or {}).get("pain_nrs")
    if pain is not None:
        w.add({"status": "final", "category": [OBSERVATION_CATEGORY["survey"]],
               "code": {"coding": [{"system": LOINC, "code": "72514-3", "display": "Pain severity 0-10 verbal numeric rating"}],
                        "text": "Pain now (0-10)"}, "valueInteger": pain, **at}, "Observation", (*key, "pain"))
    for n, (finding, result) in enumerate(_findings(v["case"])):
        w.add({"status": "final", "category": [OBSERVATION_CATEGORY["exam"]], "code": {"text": finding}, "valueString": result,
               **at}, "Observation", (*key, "exam", n))
    _assessment(w, v, key, subject, encounter, therapist)
    return encounter


def _findings(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The examination findings, one per Observation, in words (what another system can show as is)."""
    v = vocabulary()

    def name(table: dict, ident: str) -> str:
        text = table.get(ident, ident).split(" (")[0].split(";")[0]
        return text[:1].upper() + text[1:]

    def sided(result: Any) -> str:
        return ", ".join(f"{side} {value}" for side, value in result.items()) if isinstance(result, dict) else str(result)

    rows = [(name(v.special_tests, t), sided(r)) for t, r in (case.get("special_tests") or {}).items()]
    neuro = case.get("neuro") or {}
    rows += [(f"{name(v.movements, m)} strength", sided(r)) for m, r in (neuro.get("motor") or {}).items()]
    rows += [(f"{name(v.reflexes, r)} reflex", sided(g)) for r, g in (neuro.get("reflexes") or {}).items()]
    for kind in ("reduced", "absent"):
        if (neuro.get("sensory") or {}).get(kind):
            rows.append((f"Sensation {kind}", regions_text(neuro["sensory"][kind])))
    rows += [(f"{m.replace('_', ' ').capitalize()} range", ", ".join(f"{mode} {r.replace('_', ' ')}" for mode, r in entry.items()))
             for m, entry in (case.get("rom") or {}).items() if isinstance(entry, dict)]
    rows += [(title, sided(neuro[key])) for key, title in (("vibration", "Vibration at the great toe"),
                                                           ("monofilament", "Monofilament on the sole")) if neuro.get(key)]
    hip, circulation = case.get("hip") or {}, case.get("circulation") or {}
    rows += [(title, ", ".join(f"{side} {deg} degrees" for side, deg in hip[key].items()))
             for key, title in (("internal_rotation_degrees", "Hip internal rotation"), ("flexion_degrees", "Hip flexion")) if hip.get(key)]
    rows += [(title, ", ".join(f"{side} {value}" for side, value in circulation[key].items()))
             for key, title in (("pedal_pulses", "Foot pulses"), ("abpi", "Ankle-brachial pressure index"),
                                ("cool_skin", "Cool or pale leg")) if circulation.get(key)]
    return [(finding, result) for finding, result in rows if result]  # FHIR strings are never empty


def _destination(to: str | None) -> str:
    """Whom the referral goes to, in words (the vocabulary's referral destinations)."""
    return vocabulary().referral_destinations.get(to or "family_doctor", "a doctor").split(",")[0]


def _assessment(w: Writer, v: dict[str, Any], key: tuple, subject: dict, encounter: str, therapist: dict | None) -> None:
    a = v["assessment"]
    for rank, condition in enumerate(a["differential"][:3]):
        coding = [{"system": ICD10, "code": condition["codes"]["icd10"]}] if condition["codes"].get("icd10") else []
        if condition["codes"].get("snomed"):
            coding.append({"system": SNOMED, "code": condition["codes"]["snomed"]})
        w.add({"clinicalStatus": CONDITION_CLINICAL, "category": [CONDITION_CATEGORY],
               "verificationStatus": CONDITION_VERIFICATION["provisional" if rank == 0 else "differential"],
               "code": {"coding": coding, "text": condition["name"]}, "subject": subject, "encounter": {"reference": encounter},
               "recordedDate": v["visit_date"],
               "note": [{"text": f"Decision support, not a diagnosis: estimated probability {condition['probability']:.0%}."}]},
              "Condition", (*key, "condition", rank))
    plan = a["plan"]
    activities = [{"detail": {"status": "scheduled", "description": f"{t['technique'].replace('_', ' ')}: "
                              + ", ".join(x.replace("_", " ") for x in t["targets"])}} for t in plan["techniques"]]
    activities += [{"detail": {"status": "scheduled", "description": f"Home care: {s['title']}"}} for s in a["self_care"]]
    w.add({"status": "completed" if v["signed_at"] else "active", "intent": "plan", "subject": subject,
           "encounter": {"reference": encounter}, "title": "Treatment plan and self-care" if plan["treat"] else "No hands-on treatment",
           **({"activity": activities} if activities else {})}, "CarePlan", (*key, "plan"))
    urgency = a["referral"]["urgency"]
    if urgency != "none":
        extension = [{"url": EXT + "referral-letter", "extension": [
            {"url": "addressee", "valueString": lt["addressee"]}, {"url": "urgency", "valueCode": lt["urgency"]},
            {"url": "body", "valueString": lt["body"]}, {"url": "author", "valueReference": w.person(lt["author"])},
            {"url": "created", "valueDateTime": lt["created_at"]}]} for lt in v["letters"]]
        w.add({"status": "active", "intent": "proposal", "priority": PRIORITY[urgency], "subject": subject,
               "encounter": {"reference": encounter}, "authoredOn": v["visit_date"],
               "code": {"text": "Referral to " + _destination(a["referral"].get("to"))},
               "performerType": {"text": _destination(a["referral"].get("to"))},
               **({"requester": therapist} if therapist else {}),
               "reasonCode": [{"text": f["id"].replace("_", " ")} for f in a["red_flags"]] or [{"text": r} for r in a["referral"]["reasons"][:5]],
               **({"note": [{"text": a["referral"]["tell_client"]}]} if a["referral"].get("tell_client") else {}),
               **({"extension": extension} if extension else {})}, "ServiceRequest", (*key, "referral"))
    sections = [{"title": title, "text": _narrative(v["soap"][field])} for field, title in SOAP]
    sections.append({"title": "Treatment given", "text": _narrative(v["treatment_given"])})
    if v["amendments"]:
        sections.append({"title": "Amendments", "text": _narrative("\n".join(
            f"{am['created_at']}, {am['author']['name']}: {am['text']}" for am in v["amendments"]))})
    corrections = v.get("corrections") or []
    if corrections:
        # Readable by any system; backcare reads its own extension back.
        sections.append({"title": "Corrections and statements of disagreement", "text": _narrative("\n".join(
            f"{k['created_at']}, {'correction' if k['kind'] == 'correction' else 'statement of disagreement'} about "
            f"{k['part']}: {k['text']}" for k in corrections))})
    signer = w.person(v["signer"])
    composition = w.add({
        "status": "final" if v["signed_at"] else "preliminary",
        "type": {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}], "text": "SOAP note"},
        "subject": subject, "encounter": {"reference": encounter}, "date": v["signed_at"] or v["created_at"],
        "author": [therapist or {"display": "unknown"}], "title": "SOAP note",
        **({"attester": [{"mode": "legal", "time": v["signed_at"], "party": signer}]} if v["signed_at"] else {}),
        **({"extension": [_json_ext("corrections", _people_named(w, corrections))]} if corrections else {}),
        "section": sections}, "Composition", (*key, "note"))
    if v["signed_at"]:
        w.add({"target": [{"reference": composition}], "recorded": v["signed_at"],
               "activity": {"coding": [{"system": V3_COMPLETION, "code": "LA", "display": "legally authenticated"}]},
               "agent": [{"who": signer}]}, "Provenance", (*key, "signed"))
    for n, am in enumerate(v["amendments"]):
        w.add({"target": [{"reference": composition}], "recorded": am["created_at"],
               "activity": {"coding": [{"system": V3_OPERATION, "code": "UPDATE", "display": "amendment"}]},
               "agent": [{"who": w.person(am["author"])}], "extension": [{"url": EXT + "amendment-text", "valueString": am["text"]}]},
              "Provenance", (*key, "amendment", n))


def _questionnaire(w: Writer, q: dict[str, Any], key: tuple, subject: dict, encounters: dict, episodes: dict) -> None:
    inst = load_knowledge().outcomes["instruments"][q["instrument"]]
    items = []
    for item_id, answer in q["answers"].items():
        if isinstance(answer, dict):  # an activity the client named, and its rating
            items.append({"linkId": item_id, "item": [{"linkId": f"{item_id}.activity", "answer": [{"valueString": answer["activity"]}]},
                                                      {"linkId": f"{item_id}.rating", "answer": [{"valueInteger": answer["rating"]}]}]})
        else:
            items.append({"linkId": item_id, "answer": [{"valueBoolean": answer} if isinstance(answer, bool) else {"valueInteger": answer}]})
    encounter = encounters.get(q["visit"])
    author = w.person(q["entered_by"])
    response = w.add({
        "questionnaire": questionnaire_url(q["instrument"]), "status": "completed" if q["complete"] else "in-progress",
        "subject": subject, **({"encounter": {"reference": encounter}} if encounter else {}), "authored": q["created_at"],
        **({"author": author} if author and q["mode"] == "therapist" else {}),
        **({"source": subject} if q["mode"] in ("client", "intake") else {}),
        **({"item": items} if items else {}),
        "extension": [{"url": EXT + "mode", "valueCode": q["mode"]}, {"url": EXT + "answered-on", "valueDate": q["answered_on"]},
                      {"url": EXT + "kb-version", "valueString": q["kb_version"]}, _json_ext("result", q["result"]),
                      *([{"url": EXT + "entered-by", "valueReference": author}] if author else []),
                      *([{"url": EXT + "episode", "valueReference": {"reference": episodes[q["episode"]]}}] if q["episode"] in episodes else [])],
    }, "QuestionnaireResponse", key)
    if not q["complete"] or q["score"] is None:
        return
    loinc = inst["loinc"]
    code = ({"coding": [{"system": LOINC, "code": loinc["score"]}], "text": inst["title"]} if loinc.get("score")
            else {"coding": [{"system": LOCAL_OUTCOMES, "code": inst["local_code"]}], "text": inst["title"]})
    components = []
    if q["instrument"] == "start_back":
        components = [{"code": {"coding": [{"system": LOINC, "code": loinc["subscore"]}], "text": "Distress subscore"},
                       "valueInteger": q["result"]["subscore"]},
                      {"code": {"coding": [{"system": LOINC, "code": loinc["risk"]}], "text": "Risk group"},
                       "valueCodeableConcept": {"coding": [{"system": LOINC, "code": loinc["risk_answers"][q["result"]["risk_group"]],
                                                            "display": q["result"]["risk_group"]}]}}]
    w.add({"status": "final", "category": [OBSERVATION_CATEGORY["survey"]], "code": code, "subject": subject,
           **({"encounter": {"reference": encounter}} if encounter else {}), "effectiveDateTime": q["answered_on"],
           "valueQuantity": {"value": q["score"], "unit": "score", "system": UCUM, "code": "{score}"},
           "derivedFrom": [{"reference": response}], **({"component": components} if components else {})},
          "Observation", (*key, "score"))


def _intake(w: Writer, intake: dict[str, Any], key: tuple, subject: dict, encounters: dict) -> None:
    """The client's own pre-visit intake: readable items for any system, and backcare's extensions for a move."""
    a = intake["answers"]
    items = [{"linkId": "consent", "text": "Consent to treatment", "answer": [{"valueBoolean": a["consent"]}]}]
    items += [{"linkId": f"screening.{q}", "answer": [{"valueBoolean": yes}]} for q, yes in a["screening"].items()]
    items += [{"linkId": f"medical.{q}", "answer": [{"valueBoolean": yes}]} for q, yes in a.get("medical", {}).items()]
    items += [{"linkId": field, "answer": [{"valueInteger": a[field]}]} for field in ("pain_nrs", "pain_weeks")
              if a.get(field) is not None]
    encounter = encounters.get(intake["visit"])
    w.add({"questionnaire": questionnaire_url("intake"), "status": "completed", "subject": subject, "source": subject,
           **({"encounter": {"reference": encounter}} if encounter else {}), "authored": intake["submitted_at"], "item": items,
           "extension": [{"url": EXT + "screening-urgency", "valueCode": intake["urgency"]},
                         _json_ext("intake-answers", a), _json_ext("intake-case", intake["case"]),
                         _json_ext("screening", intake["screening"]), _json_ext("intake-instruments", intake["instruments"])]},
          "QuestionnaireResponse", key)


def _people_named(w: Writer, corrections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Corrections with their author as a reference to the Practitioner (as every other person of the record)."""
    return [{**k, "author": (w.person(k["author"]) or {}).get("reference")} for k in corrections]


def validate_bundle(bundle: dict[str, Any]) -> Any:
    """The Bundle as fhir.resources R4B models (every entry checked by its resource type)."""
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle)

