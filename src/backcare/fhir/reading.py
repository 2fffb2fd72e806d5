"""Reading: a Bundle, or a folder of Bulk Data NDJSON, exported by backcare -> import items (records.importing).

Both come down to the same stream: resources in the order the import needs
them (people, clients, episodes, visits with their treatment session, notes,
signatures and amendments, letters, consents, home programmes and their
ticks, then questionnaires, intakes and weekly check-ins), each turned into one
plain item that names its source ("Encounter urn:uuid:...") so that any problem
is reported with the resource and the field. The NDJSON files are read a line
at a time (bulk_reading.py, which reads each visit's note and signature beside
it); only the keys of what was read are remembered. The derived
resources (Conditions, the treatment plan's CarePlan, a Procedure per technique,
the Observations of pain, findings and scores) are for other systems and are
not read back: backcare's own extensions carry the record. Of the Observations
and CarePlans only the home programme's own are read (its weekly adherence,
which holds the ticks, and each programme version).

A Bundle (at most the size of a web upload) is also checked whole against the
R4B models first. A Bundle from another system, which has none of backcare's
extensions, is refused with a message rather than half-imported.
"""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any, Iterable, Iterator, NoReturn

import orjson
from pydantic import ValidationError

from ..clinical.assessment import check_json, summary
from .codes import EXT, LOCAL_HOMECARE, PERSON_EMAIL, SYSTEM_CLIENT, questionnaire_url

# The order items must come in: each refers only to kinds before it.
IMPORT_ORDER = ("Practitioner", "Patient", "EpisodeOfCare", "Encounter", "Composition", "Provenance", "ServiceRequest",
                "Consent", "CarePlan", "Observation", "QuestionnaireResponse")
# Lines of these kinds without the marker are derived resources: skipped before they are parsed.
SKIM = {"CarePlan": EXT.encode() + b"home-programme", "Observation": b"sessions-done"}
CHECK_IN = questionnaire_url("home-check-in").rsplit("/", 1)[-1]  # fhir.homecare's questionnaire, by its last part
MANIFEST = "manifest.json"


class BundleError(ValueError):
    """A file that cannot be imported; `where` names the resource and field when there is one."""

    def __init__(self, message: str, where: str | None = None):
        super().__init__(f"{where}: {message}" if where else message)
        self.message, self.where = message, where


def _loads(raw: bytes | str, where: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc).lower():
            raise BundleError("nested too deeply", where) from None
        raise BundleError(f"not valid JSON ({exc})", where) from None
    except RecursionError:
        raise BundleError("nested too deeply", where) from None


class Resource:
    """One resource being read; every accessor names the field it could not find."""

    def __init__(self, kind: str, key: str, data: Any):
        self.kind, self.key = kind, key
        if not isinstance(data, dict):
            self.fail("", "is not a JSON object")
        self.data = data
        self._extensions: dict[str, dict[str, Any]] | None = None

    @property
    def source(self) -> str:
        return self.key if self.key.startswith(f"{self.kind}/") else f"{self.kind} {self.key}"

    def fail(self, field: str, message: str) -> NoReturn:
        raise BundleError(message, f"{self.source}, {field}" if field else self.source)

    def get(self, path: str, kind: type | tuple = str, required: bool = True, default: Any = None) -> Any:
        """The value at a dotted path (a number picks a list item), checked for its type."""
        value: Any = self.data
        for part in _parts(path):
            if part.__class__ is int:
                value = value[part] if value.__class__ is list and part < len(value) else None
            else:
                value = value.get(part) if value.__class__ is dict else None
            if value is None:
                break
        if value is None:
            if required:
                self.fail(path, "is missing")
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(path, "has the wrong type")
        return value

    def extension(self, name: str, required: bool = False) -> dict[str, Any] | None:
        if self._extensions is None:  # indexed once: a visit has a dozen of them
            self._extensions = {}
            for e in self.get("extension", list, required=False, default=[]):
                if isinstance(e, dict) and isinstance(e.get("url"), str):
                    self._extensions.setdefault(e["url"], e)
        found = self._extensions.get(EXT + name)
        if found is None and required:
            self.fail(f"extension {name}", "is missing (not exported by backcare)")
        return found

    def value(self, name: str, kind: str, python: type | tuple = str, required: bool = False, default: Any = None) -> Any:
        found = self.extension(name, required)
        if found is None or found.get(kind) is None:
            if required:
                self.fail(f"extension {name}", "has no value")
            return default
        if not isinstance(found[kind], python) or (python is int and isinstance(found[kind], bool)):
            self.fail(f"extension {name}", "has the wrong type")
        return found[kind]

    def json(self, name: str, required: bool = False, default: Any = None) -> Any:
        raw = self.value(name, "valueString", str, required)
        if raw is None:
            return default
        return _loads(raw, f"{self.source}, extension {name}")

    def reference(self, path: str, required: bool = True) -> str | None:
        return self.get(path + ".reference", str, required)


_PATHS: dict[str, tuple[str | int, ...]] = {}


def _parts(path: str) -> tuple[str | int, ...]:
    found = _PATHS.get(path)
    if found is None:
        found = _PATHS[path] = tuple(int(p) if p.isdigit() else p for p in path.split("."))
    return found


def _sub(extension: dict[str, Any], url: str, kind: str) -> Any:
    return next((e.get(kind) for e in extension.get("extension", []) if isinstance(e, dict) and e.get("url") == url), None)


DETAIL_EXTENSIONS = ("occupation", "medications", "allergies", "family_doctor_contact")  # as fhir.bundle writes them


def _details(r: Resource) -> dict[str, Any]:
    """The client's details (fhir.bundle._details): gender, address, family doctor, emergency contact and the extension."""
    extra = r.extension("client-details") or {}
    contact = next((c for c in r.get("contact", list, required=False, default=[]) if isinstance(c, dict) and any(
        isinstance(code, dict) and code.get("code") == "C" for rel in c.get("relationship") or [] if isinstance(rel, dict)
        for code in rel.get("coding") or [])), None)
    return {"sex": r.get("gender", required=False), "address": r.get("address.0.text", required=False),
            "family_doctor": r.get("generalPractitioner.0.display", required=False),
            "emergency_contact": ((contact or {}).get("name") or {}).get("text"),
            **{key: _sub(extra, key, "valueString") for key in DETAIL_EXTENSIONS}}


_OPENING = re.compile(r"<div[^>]*>")


def _text(resource: Resource, n: int) -> str:
    """A section's text back from its XHTML narrative: without its opening and closing div (as the regular
    expression ^<div[^>]*>|</div>$ finds them, but without searching the whole text for the end)."""
    div = resource.get(f"section.{n}.text.div")
    opening = _OPENING.match(div)
    inner = div[opening.end():] if opening else div
    if inner.endswith("</div>"):
        inner = inner[:-6]
    elif inner.endswith("</div>\n"):
        inner = inner[:-7] + "\n"
    text = unescape(inner.replace("<br/>", "\n"))
    return "" if text == "(empty)" else text


_UUID_KEY = re.compile(r"(?:urn:uuid:|[A-Za-z]+/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def compact(key: str) -> bytes | str:
    """A key as remembered: the 16 bytes of its UUID when it has one (a whole clinic has millions of keys)."""
    found = _UUID_KEY.fullmatch(key)
    return bytes.fromhex(found.group(1).replace("-", "")) if found else key


class ItemReader:
    """Turns resources, in IMPORT_ORDER, into import items; remembers only the (compact) keys it has seen."""

    def __init__(self) -> None:
        self.people: dict[bytes | str, dict[str, str]] = {}
        self.patients: set[bytes | str] = set()
        self.episodes: set[bytes | str] = set()
        self.encounters: set[bytes | str] = set()
        self.encounter_prefix = ""  # how the file names Encounters ("Encounter urn:uuid:" or "Encounter/"), for messages
        self.notes: dict[bytes | str, bytes | str] = {}  # Composition -> its Encounter
        self.noted: set[bytes | str] = set()  # Encounters that have their note

    def read(self, kind: str, key: str, data: Any) -> Iterator[dict[str, Any]]:
        resource = Resource(kind, key, data)
        reader = getattr(self, f"_{kind.lower()}", None)
        if reader is not None:
            yield from reader(resource, compact(key))

    @staticmethod
    def _once(resource: Resource, key: bytes | str, seen) -> None:
        if key in seen:
            resource.fail("id", "appears twice")

    def _known(self, resource: Resource, path: str, known, what: str, required: bool = True) -> bytes | str | None:
        ref = resource.reference(path, required)
        if ref is None:
            return None
        key = compact(ref)
        if key not in known:
            resource.fail(path, f"refers to a {what} that is not in the file")
        return key

    def unnoted(self) -> str | None:
        """An Encounter that came without its SOAP note (Composition), as the file wrote it."""
        missing = next((k for k in self.encounters if k not in self.noted), None)
        if missing is None or isinstance(missing, str):
            return missing
        h = missing.hex()
        return f"{self.encounter_prefix}{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _person(self, resource: Resource, field: str, reference: Any) -> dict[str, str] | None:
        """The person a Reference names (a Practitioner read before), or None when it names nobody."""
        if not reference:
            return None
        if not isinstance(reference, dict):
            resource.fail(field, "is not a reference")
        ref = reference.get("reference")
        if ref is None:
            return None
        if not isinstance(ref, str) or compact(ref) not in self.people:
            resource.fail(field, "refers to a Practitioner that is not in the file")
        return self.people[compact(ref)]

    def _who(self, resource: Resource, path: str) -> dict[str, str] | None:
        return self._person(resource, path, resource.get(path, dict, required=False))

    def _practitioner(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        self._once(r, key, self.people)
        email = next((i.get("value") for i in r.get("identifier", list) if isinstance(i, dict) and i.get("system") == PERSON_EMAIL), None)
        if not isinstance(email, str):
            r.fail("identifier", "has no backcare e-mail identifier")
        self.people[key] = {"email": email, "name": r.get("name.0.text")}
        return iter(())

    def _patient(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        self._once(r, key, self.patients)
        identifier = next((i.get("value") for i in r.get("identifier", list, required=False, default=[])
                           if isinstance(i, dict) and i.get("system") == SYSTEM_CLIENT), None)
        consent = r.extension("consent")
        if not isinstance(identifier, str) or consent is None:
            raise BundleError("this file was not exported by backcare (a Patient without backcare's identifier)", r.source)
        telecom = {t.get("system"): t.get("value") for t in r.get("telecom", list, required=False, default=[]) if isinstance(t, dict)}
        history = r.extension("medical-history") or {}
        self.patients.add(key)
        corrections = r.json("corrections", default=[])
        yield {"kind": "client", "key": key, "source": r.source, "identifier": identifier, "details": {
            "name": r.get("name.0.text"), "date_of_birth": r.get("birthDate", required=False), "phone": telecom.get("phone"),
            "email": telecom.get("email"),
            "medical": {e.get("url"): e.get("valueBoolean") for e in history.get("extension", []) if isinstance(e, dict)},
            "consent_given": bool(_sub(consent, "given", "valueBoolean")), "consent_date": _sub(consent, "date", "valueDate"),
            **_details(r)}}
        yield from self._corrections(r, corrections, key, None)

    def _episodeofcare(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        self._once(r, key, self.episodes)
        client = self._known(r, "patient", self.patients, "Patient")
        self.episodes.add(key)
        yield {"kind": "episode", "key": key, "source": r.source, "client": client,
               "started_on": r.get("period.start"), "closed_on": r.get("period.end", required=False),
               "closed_by": self._person(r, "extension closed-by", r.value("closed-by", "valueReference", dict) or {}),
               "discharge_reason": r.value("discharge-reason", "valueCode", str, default=""),
               "discharge_note": r.value("discharge-note", "valueString", str, default="")}

    def _encounter(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        self._once(r, key, self.encounters)
        client = self._known(r, "subject", self.patients, "Patient")
        episode = self._known(r, "episodeOfCare.0", self.episodes, "EpisodeOfCare", required=False)
        self.encounters.add(key)
        if not self.encounter_prefix and isinstance(key, bytes):
            self.encounter_prefix = r.source[:-36]
        yield {"kind": "visit", "key": key, "source": r.source, "client": client, "episode": episode,
               "visit_date": r.get("period.start"), "therapist": self._who(r, "participant.0.individual"),
               "case": r.json("case", required=True),
               # Left as JSON text: checked in one pass against the engine's model and stored as given.
               "assessment": (assessment := r.value("assessment", "valueString", str, required=True)),
               "assessment_summary": _summary(assessment),
               "kb_version": r.value("kb-version", "valueString", str, required=True),
               "treatment_given": r.value("treatment-given", "valueString", str, default=""),
               "created_at": r.value("created", "valueDateTime", str), "handout_items": r.json("handout-items"),
               "details": r.json("details"), "treatment": self._session(r)}

    def _session(self, r: Resource) -> dict[str, Any] | None:
        """The treatment as given at the visit (fhir.treatment.session_extension), or None when none was recorded."""
        session = r.json("treatment")
        if session is None:
            return None
        where = "extension treatment"
        if not isinstance(session, dict) or not isinstance(session.get("after_effects", {}), dict):
            r.fail(where, "is not a treatment session")
        if not isinstance((session.get("given") or {}).get("entries"), list):
            r.fail(f"{where}.given.entries", "is missing (each technique given must be in the session)")
        after = dict(session.get("after_effects") or {})
        of_visit = after.get("of_visit")
        if of_visit is not None:
            # The previous visit: an Encounter read before this one.
            if not isinstance(of_visit, str) or compact(of_visit) not in self.encounters or compact(of_visit) == compact(r.key):
                r.fail(f"{where}.after_effects.of_visit", "refers to an Encounter that is not an earlier visit in the file")
            after["of_visit"] = compact(of_visit)
        return {"given": session.get("given"), "response": session.get("response") or {}, "after_effects": after,
                "updated_at": session.get("updated_at"),
                "updated_by": self._person(r, f"{where}.updated_by", session.get("updated_by"))}

    def _composition(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        self._once(r, key, self.notes)
        visit = self._known(r, "encounter", self.encounters, "Encounter")
        if visit in self.noted:
            r.fail("encounter", "a second note for the same visit")
        self.notes[key] = visit
        self.noted.add(visit)
        yield from self._corrections(r, r.json("corrections", default=[]), None, visit)
        titles = {r.get(f"section.{n}.title", required=False): n for n in range(len(r.get("section", list, required=False, default=[])))}
        yield {"kind": "note", "source": r.source, "visit": visit,
               "soap": {field: _text(r, titles[title]) if title in titles else "" for field, title in
                        (("subjective", "Subjective"), ("objective", "Objective"), ("assessment", "Assessment"), ("plan", "Plan"))}}

    def _corrections(self, r: Resource, corrections: Any, client, visit) -> Iterator[dict[str, Any]]:
        """Corrections and statements of disagreement (backcare's extension), each with its author."""
        if not isinstance(corrections, list):
            r.fail("extension corrections", "is not a list")
        for n, k in enumerate(corrections):
            if not isinstance(k, dict):
                r.fail(f"extension corrections[{n}]", "is not an object")
            author = k.get("author")
            person = None
            if author is not None:
                if not isinstance(author, str) or compact(author) not in self.people:
                    r.fail(f"extension corrections[{n}].author", "refers to a Practitioner that is not in the file")
                person = self.people[compact(author)]
            yield {"kind": "correction", "source": f"{r.source}, extension corrections[{n}]", "client": client, "visit": visit,
                   "correction": k.get("kind"), "part": k.get("part"), "text": k.get("text"), "created_at": k.get("created_at"),
                   "author": person}

    def _provenance(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        note = self._known(r, "target.0", self.notes, "Composition")
        code = r.get("activity.coding.0.code")
        who = self._who(r, "agent.0.who")
        if code == "LA":
            yield {"kind": "signature", "source": r.source, "visit": self.notes[note], "signer": who, "signed_at": r.get("recorded")}
        elif code == "UPDATE":
            yield {"kind": "amendment", "source": r.source, "visit": self.notes[note], "author": who,
                   "text": r.value("amendment-text", "valueString", str, required=True), "created_at": r.get("recorded")}
        else:
            r.fail("activity", "is neither a signature (LA) nor an amendment (UPDATE)")

    def _servicerequest(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        visit = self._known(r, "encounter", self.encounters, "Encounter")
        for x in r.get("extension", list, required=False, default=[]):
            if isinstance(x, dict) and x.get("url") == EXT + "referral-letter":
                yield {"kind": "letter", "source": r.source, "visit": visit, "addressee": _sub(x, "addressee", "valueString"),
                       "urgency": _sub(x, "urgency", "valueCode"), "body": _sub(x, "body", "valueString"),
                       "author": self._person(r, "extension referral-letter.author", _sub(x, "author", "valueReference") or {}),
                       "created_at": _sub(x, "created", "valueDateTime")}

    def _questionnaireresponse(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        client = self._known(r, "subject", self.patients, "Patient")
        visit = self._known(r, "encounter", self.encounters, "Encounter", required=False)
        instrument = r.get("questionnaire").rsplit("/", 1)[-1]
        if instrument == CHECK_IN:
            yield self._check_in(r, client)
            return
        if instrument == "intake":
            yield {"kind": "intake", "source": r.source, "client": client, "visit": visit, "submitted_at": r.get("authored"),
                   "instruments": r.json("intake-instruments", default=[]), "answers": r.json("intake-answers", required=True),
                   "case": r.json("intake-case", required=True),
                   "urgency": r.value("screening-urgency", "valueCode", str, required=True),
                   "screening": r.json("screening", required=True)}
            return
        episode = self._episode(r)
        result = r.json("result", required=True)
        yield {"kind": "questionnaire", "source": r.source, "client": client, "episode": episode, "visit": visit,
               "instrument": instrument, "answers": _answers(r), "result": result, "complete": r.get("status") == "completed",
               "score": result.get("value") if isinstance(result, dict) else None,
               "answered_on": r.value("answered-on", "valueDate", str, required=True),
               "entered_by": self._person(r, "extension entered-by", r.value("entered-by", "valueReference", dict) or {}),
               "mode": r.value("mode", "valueCode", str, required=True),
               "kb_version": r.value("kb-version", "valueString", str, required=True), "created_at": r.get("authored")}


    def _episode(self, r: Resource) -> bytes | str | None:
        """The episode of care an extension names (questionnaires, check-ins, the home programme), when it names one."""
        episode = (r.value("episode", "valueReference", dict) or {}).get("reference")
        if episode is None:
            return None
        key = compact(episode) if isinstance(episode, str) else episode
        if key not in self.episodes:
            r.fail("extension episode", "refers to an EpisodeOfCare that is not in the file")
        return key

    def _check_in(self, r: Resource, client: bytes | str | None) -> dict[str, Any]:
        """A weekly check-in from the client's home programme page (fhir.homecare), with its screening as given."""
        acknowledged = r.extension("acknowledged") or {}
        return {"kind": "check_in", "source": r.source, "client": client, "episode": self._episode(r),
                "week_of": r.value("week-of", "valueDate", str, required=True), "submitted_at": r.get("authored"),
                "answers": r.json("check-in-answers", required=True),
                "urgency": r.value("screening-urgency", "valueCode", str, required=True), "screening": r.json("screening", required=True),
                "acknowledged_at": _sub(acknowledged, "at", "valueDateTime"),
                "acknowledged_by": self._person(r, "extension acknowledged.by", _sub(acknowledged, "by", "valueReference") or {}),
                "clinic_alerted_at": r.value("clinic-alerted", "valueDateTime", str)}

    def _consent(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        """A consent given, declined or withdrawn (fhir.treatment.consent)."""
        client = self._known(r, "patient", self.patients, "Patient")
        encounter = (r.value("encounter", "valueReference", dict) or {}).get("reference")
        if encounter is not None and (not isinstance(encounter, str) or compact(encounter) not in self.encounters):
            r.fail("extension encounter", "refers to an Encounter that is not in the file")
        codes = r.get("provision.code", list, required=False, default=[])
        yield {"kind": "consent", "source": r.source, "client": client, "visit": compact(encounter) if encounter else None,
               "scope": r.value("consent-scope", "valueCode", str, required=True),
               "pack": r.value("consent-pack", "valueString", str, default=""),
               "areas": [r.get(f"provision.code.{n}.coding.0.code") for n in range(len(codes))],
               "elements": _all(r, "consent-element", "valueCode"), "methods": _all(r, "consent-method", "valueCode"),
               "techniques": _all(r, "consent-technique", "valueCode"),
               "decision": "declined" if r.get("provision.type", required=False) == "deny" else "given",
               **{field: r.value(name, "valueString", str, default="") for name, field in (
                   ("signed-name", "signed_name"), ("signature", "signature"), ("witness", "witness"),
                   ("withdrawn-note", "withdrawn_note"))},
               "taken_by": self._person(r, "extension taken-by", r.value("taken-by", "valueReference", dict) or {}),
               "given_at": r.get("provision.period.start", required=False) or r.get("dateTime"),
               "withdrawn_at": r.get("provision.period.end", required=False)}

    def _careplan(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        """A version of the home programme (fhir.homecare); the treatment plan's CarePlan is derived and skipped."""
        if r.extension("home-programme") is None:
            return
        client = self._known(r, "subject", self.patients, "Patient")
        visit = self._known(r, "encounter", self.encounters, "Encounter", required=False)
        yield {"kind": "programme", "source": r.source, "client": client, "episode": self._episode(r), "visit": visit,
               "items": r.json("home-programme", required=True), "kb_version": r.value("kb-version", "valueString", str, default=""),
               "created_at": r.get("created"), "created_by": self._who(r, "author")}

    def _observation(self, r: Resource, key: bytes | str) -> Iterator[dict[str, Any]]:
        """The ticks of one week of the home programme (its adherence Observation); every other Observation is derived."""
        if not any(isinstance(c, dict) and c.get("system") == LOCAL_HOMECARE and c.get("code") == "sessions-done"
                   for c in r.get("code.coding", list, required=False, default=[])):
            return
        client = self._known(r, "subject", self.patients, "Patient")
        episode = self._episode(r)
        for n, component in enumerate(r.get("component", list, required=False, default=[])):
            if isinstance(component, dict) and "valueDateTime" in component:
                yield {"kind": "tick", "source": f"{r.source}, component {n}", "client": client, "episode": episode,
                       "item": r.get(f"component.{n}.code.coding.0.code"), "done_on": r.get(f"component.{n}.valueDateTime")}


def _summary(text: str) -> dict[str, str] | None:
    """What the visit's row keeps of an assessment with the engine's shape (assessment.check_json); None when it
    has not that shape, and the import names what is wrong. Checked here, while reading, so that a second process
    can do it for a whole clinic (fhir.read_ahead)."""
    try:
        return summary(check_json(text))
    except (ValidationError, RecursionError):
        return None


def _all(r: Resource, name: str, kind: str) -> list[Any]:
    """Every value of an extension that may repeat (a consent's methods, elements, techniques)."""
    return [e.get(kind) for e in r.get("extension", list, required=False, default=[])
            if isinstance(e, dict) and e.get("url") == EXT + name]


def _answers(r: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n, item in enumerate(r.get("item", list, required=False, default=[])):
        link = r.get(f"item.{n}.linkId")
        if "item" in item:
            parts = {str(i.get("linkId", "")).rsplit(".", 1)[-1]: (i.get("answer") or [{}])[0] for i in r.get(f"item.{n}.item", list)
                     if isinstance(i, dict)}
            out[link] = {"activity": (parts.get("activity") or {}).get("valueString"), "rating": (parts.get("rating") or {}).get("valueInteger")}
        else:
            answer = r.get(f"item.{n}.answer.0", dict)
            out[link] = answer["valueBoolean"] if "valueBoolean" in answer else answer.get("valueInteger")
    return out


def items(resources: Iterable[tuple[str, str, Any]]) -> Iterator[dict[str, Any]]:
    """Import items from (type, key, resource) in IMPORT_ORDER."""
    reader = ItemReader()
    for kind, key, data in resources:
        yield from reader.read(kind, key, data)
    if not reader.patients:
        raise BundleError("the file holds no clients (no Patient)")
    missing = reader.unnoted()
    if missing is not None:
        raise BundleError("an Encounter without its SOAP note (Composition)", missing)


def bundle_resources(bundle: Any) -> Iterator[tuple[str, str, Any]]:
    """A Bundle's resources, checked against the R4B models, grouped in the order the import reads them."""
    from pydantic import ValidationError

    from .bundle import validate_bundle

    try:
        # Check, then read the checked model's own JSON: dates and times in FHIR's forms.
        bundle = json.loads(validate_bundle(bundle).model_dump_json(exclude_none=True))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise BundleError(f"not a valid FHIR R4B Bundle: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    except (RecursionError, TypeError, ValueError):
        raise BundleError("not a valid FHIR R4B Bundle (nested too deeply, or not a Bundle at all)") from None
    by_kind: dict[str, list[tuple[str, Any]]] = {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource") or {}
        by_kind.setdefault(resource.get("resourceType"), []).append((entry.get("fullUrl") or "", resource))
    for kind in IMPORT_ORDER:
        for url, resource in by_kind.get(kind, []):
            if not url:
                raise BundleError("an entry without its fullUrl", kind)
            yield kind, url, resource
