"""Imports cannot corrupt a clinic: all or nothing, the limits of a normal save, 422 naming the resource and field,
imported signatures never given to an active account, a client already here matched and reported, and a whole
clinic as Bulk Data NDJSON out and back in."""
from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from backcare.fhir import BundleError, bundle_for, write_ndjson
from backcare.fhir.codes import EXT
from backcare.records import FieldErrors
from backcare.storage.models import AuditEvent, Client, User, Visit
from web_support import a_visit_case, fresh_records, login, make_client, seed


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A clinic with two clients, each with a signed and amended visit, to export from (built once: read only)."""
    records = fresh_records(f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}")
    people = seed(records)
    me = people["north"]
    for name in ("Ann Able", "Ben Baker"):
        client_id = records.create_client(me, {"name": name, "date_of_birth": date(1980, 5, 17)})
        visit_id = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=3), "case": a_visit_case()})
        records.sign(me, visit_id)
        records.amend(me, visit_id, "Rechecked: no change.")
    records.record_questionnaire(me, client_id, "nprs", {"pain": 4})
    return records, people


@pytest.fixture
def target(database_url):
    records = fresh_records(database_url)
    return database_url, records, seed(records)


@pytest.fixture
def sqlite_target(tmp_path):
    url = f"sqlite:///{tmp_path / 'target.db'}"
    records = fresh_records(url)
    return url, records, seed(records)


def _bundle(source) -> dict:
    records, people = source
    return json.loads(json.dumps(bundle_for(records.export_clients(people["north_admin"]))))


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _set_json_extension(resource, name, value):
    for e in resource["extension"]:
        if e["url"] == EXT + name:
            e["valueString"] = json.dumps(value)


def _count(records, model) -> int:
    with records.read_sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_a_bundle_imports_whole_and_its_signatures_are_marked_and_never_an_active_accounts(source, target):
    url, records, people = target
    report = records.import_bundle(people["north_admin"], _bundle(source))
    assert len(report.imported) == 2 and report.matched == [] and report.counts["signature"] == 2
    with records.read_sessions() as db:
        for visit in db.scalars(select(Visit)):
            signer = db.get(User, visit.signed_by)
            # The Provenance names ther@north.test, an active account here: the signature is not given to it.
            assert visit.imported_at is not None and not signer.active and signer.email.endswith("@import.invalid")
            assert signer.name == "Tom Therapist"
    browser = make_client(url)
    login(browser, "ther@north.test")
    page = browser.get(f"/visits/{report.imported and visit.id}").text
    assert "imported" in page.lower() and "Tom Therapist" in page


def test_importing_the_same_clients_again_reports_them_and_adds_no_copy(source, target):
    url, records, people = target
    bundle = _bundle(source)
    first = records.import_bundle(people["north_admin"], bundle)
    again = records.import_bundle(people["north_admin"], bundle)
    assert again.imported == [] and sorted(c for _, c in again.matched) == sorted(first.imported)
    assert _count(records, Client) == 2 and _count(records, Visit) == 2
    with records.read_sessions() as db:
        matched = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.matched")).one()
    assert sorted(matched.clients) == sorted(first.imported)
    # Another clinic of the same server is another custodian: it gets its own copy.
    assert len(records.import_bundle(people["south_admin"], bundle).imported) == 2


def _broken_visit_case(bundle):
    _set_json_extension(_resources(bundle, "Encounter")[1], "case", {"symptoms": {"pain_nrs": 15}})
    return "case.symptoms.pain_nrs"


def _note_too_long(bundle):
    section = _resources(bundle, "Composition")[1]["section"][0]
    section["text"]["div"] = '<div xmlns="http://www.w3.org/1999/xhtml">' + "x" * 20_001 + "</div>"
    return "subjective"


def _nul_in_an_amendment(bundle):
    amendment = next(p for p in _resources(bundle, "Provenance") if p["activity"]["coding"][0]["code"] == "UPDATE")
    next(e for e in amendment["extension"] if e["url"].endswith("amendment-text"))["valueString"] = "fine\x00then not"
    return "text"


def _a_visit_in_1800(bundle):
    _resources(bundle, "Encounter")[1]["period"]["start"] = "1800-03-01"
    return "visit_date"


def _case_null(bundle):
    _set_json_extension(_resources(bundle, "Encounter")[1], "case", None)
    return "case"


def _no_period(bundle):
    del _resources(bundle, "Encounter")[1]["period"]
    return "period.start"


def _deep_nesting(bundle):
    encounter = _resources(bundle, "Encounter")[1]
    next(e for e in encounter["extension"] if e["url"] == EXT + "case")["valueString"] = '{"a":' * 5000 + "{}" + "}" * 5000
    return "case"


def _assessment_of_the_wrong_shape(bundle):
    _set_json_extension(_resources(bundle, "Encounter")[1], "assessment", {"referral": "soon"})
    return "assessment"


def _score_that_does_not_match(bundle):
    qr = _resources(bundle, "QuestionnaireResponse")[0]
    _set_json_extension(qr, "result", {"value": 9, "complete": True})
    return "result"


def _no_note(bundle):
    note = _resources(bundle, "Composition")[1]
    ref = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is note)
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"] is not note
                       and e["resource"].get("target", [{}])[0].get("reference") != ref]
    return "Encounter urn:uuid:"


BREAKS = [_no_note, _broken_visit_case, _note_too_long, _nul_in_an_amendment, _a_visit_in_1800, _case_null, _no_period, _deep_nesting,
          _assessment_of_the_wrong_shape, _score_that_does_not_match]


def test_one_bad_client_among_good_ones_saves_nothing(source, target):
    url, records, people = target
    bundle = _bundle(source)
    _broken_visit_case(bundle)
    with pytest.raises(FieldErrors) as refused:
        records.import_bundle(people["north_admin"], bundle)
    [(where, message)] = refused.value.errors.items()
    assert where.startswith("Encounter urn:uuid:") and where.endswith("case.symptoms.pain_nrs") and "10" in message
    assert _count(records, Client) == 0 and _count(records, Visit) == 0


@pytest.mark.parametrize("breaks", BREAKS, ids=[b.__name__.strip("_") for b in BREAKS])
def test_one_bad_resource_saves_nothing_and_is_named_with_its_field_over_http(source, sqlite_target, breaks):
    url, records, people = sqlite_target
    bundle = _bundle(source)
    field = breaks(bundle)
    before = {model: _count(records, model) for model in (Client, Visit, User)}
    admin = make_client(url)
    admin.headers["X-CSRF-Token"] = login(admin, "admin@north.test")
    answer = admin.post("/api/import/fhir", content=json.dumps(bundle).encode(),
                        headers={"Content-Type": "application/fhir+json"})
    assert answer.status_code == 422, answer.text
    problems = answer.json()["errors"]
    assert len(problems) >= 1 and any(field in where for where in problems), problems
    resource = next(iter(problems)).split(" ")[0].split("/")[0]
    assert resource in ("Encounter", "Composition", "Provenance", "QuestionnaireResponse"), problems
    assert {model: _count(records, model) for model in (Client, Visit, User)} == before
    # The clinic is unharmed: its whole export still answers.
    assert admin.get("/admin/export/fhir-ndjson.zip").status_code == 200


def test_a_bundle_from_elsewhere_and_a_file_that_is_not_json_answer_422_or_400_never_500(target):
    url, records, people = target
    admin = make_client(url)
    admin.headers["X-CSRF-Token"] = login(admin, "admin@north.test")
    for body, status in ((b"{", 400), (b"[" * 100_000, 400), (b'{"resourceType": "Patient"}', 422),
                         (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
                             {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "name": [{"text": "X"}]}}]}).encode(), 422)):
        assert admin.post("/api/import/fhir", content=body, headers={"Content-Type": "application/json"}).status_code == status
    therapist = make_client(url)
    therapist.headers["X-CSRF-Token"] = login(therapist, "ther@north.test")
    assert therapist.post("/api/import/fhir", content=b"{}", headers={"Content-Type": "application/json"}).status_code == 403


def test_a_whole_clinic_goes_out_as_bulk_ndjson_and_comes_back_the_same(source, target, tmp_path):
    records_from, people_from = source
    manifest = write_ndjson(records_from.export_batches(people_from["north_admin"], size=1), tmp_path / "bulk", "North")
    kinds = {o["type"]: o["count"] for o in manifest["output"]}
    assert kinds["Patient"] == 2 and kinds["Encounter"] == 2 and kinds["Composition"] == 2
    from fhir.resources.R4B import get_fhir_model_class

    for path in (tmp_path / "bulk").glob("*.ndjson"):  # every line a valid R4B resource with its id
        for line in path.read_text().splitlines():
            resource = json.loads(line)
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    url, records, people = target
    report = records.import_ndjson(people["north_admin"], tmp_path / "bulk")
    assert len(report.imported) == 2
    from test_fhir import _normalised

    moved = sorted((_normalised(r) for r in records.export_clients(people["north_admin"])), key=lambda r: r["client"]["name"])
    original = sorted((_normalised(r) for r in records_from.export_clients(people_from["north_admin"])), key=lambda r: r["client"]["name"])
    assert moved == original


def test_an_unfinished_or_cut_short_bulk_export_is_refused(source, target, tmp_path):
    records_from, people_from = source
    write_ndjson(records_from.export_batches(people_from["north_admin"]), tmp_path / "bulk", "North")
    url, records, people = target
    encounters = tmp_path / "bulk" / "Encounter.ndjson"
    encounters.write_text(encounters.read_text().splitlines()[0] + "\n")
    with pytest.raises(BundleError, match="incomplete"):
        records.import_ndjson(people["north_admin"], tmp_path / "bulk")
    (tmp_path / "bulk" / "manifest.json").unlink()
    with pytest.raises(BundleError, match="not a finished backcare bulk export"):
        records.import_ndjson(people["north_admin"], tmp_path / "bulk")
    assert _count(records, Client) == 0


def test_the_export_page_exports_the_clinic_as_a_zip_and_imports_it_back(source, tmp_path):
    records_from, people_from = source
    url = records_from.sessions.kw["bind"].url.render_as_string(hide_password=False)
    admin = make_client(url)
    login(admin, "admin@north.test")
    archive = admin.get("/admin/export/fhir-ndjson.zip")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    target_url = f"sqlite:///{tmp_path / 'web-target.db'}"
    seed(fresh_records(target_url))
    other = make_client(target_url)
    csrf = login(other, "admin@north.test")
    done = other.post("/admin/import", data={"csrf_token": csrf}, files={"bundle": ("clinic.zip", archive.content, "application/zip")})
    assert done.status_code == 200 and "Imported 2 clients" in done.text
    again = other.post("/admin/import", data={"csrf_token": csrf}, files={"bundle": ("clinic.zip", archive.content, "application/zip")})
    assert "Imported 0 clients" in again.text and "2 clients were already here" in again.text


def _copies(bulk, into, n: int) -> None:
    """A bulk export of `n` clients made from one: every id (and the client's identifier) renamed per copy."""
    import re
    import uuid

    into.mkdir()
    manifest = json.loads((bulk / "manifest.json").read_text())
    people = {json.loads(line)["id"] for line in (bulk / "Practitioner.ndjson").read_text().splitlines()}
    for entry in manifest["output"]:
        lines = (bulk / entry["url"]).read_text().splitlines()
        if entry["type"] == "Practitioner":
            (into / entry["url"]).write_text("\n".join(lines) + "\n")
            continue
        with open(into / entry["url"], "w") as out:
            for k in range(n):
                for line in lines:
                    out.write(re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                     lambda m: m.group() if m.group() in people else str(uuid.uuid5(uuid.UUID(m.group()), str(k))),
                                     line) + "\n")
        entry["count"] = len(lines) * n
    (into / "manifest.json").write_text(json.dumps(manifest))


def test_an_import_killed_half_way_leaves_the_clinic_as_it_was(source, tmp_path):
    records_from, people_from = source
    write_ndjson(records_from.export_batches(people_from["north_admin"]), tmp_path / "one", "North")
    _copies(tmp_path / "one", tmp_path / "bulk", 1500)
    target_url = f"sqlite:///{tmp_path / 'kill-target.db'}"
    target = fresh_records(target_url)
    people = seed(target)
    target.create_client(people["north"], {"name": "Already Here"})
    wal = tmp_path / "kill-target.db-wal"

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "backcare", "import", "fhir", str(tmp_path / "bulk"), "--user",
                                 "admin@north.test"], env={**os.environ, "BACKCARE_DATABASE_URL": target_url},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    process = start()
    # Killed once it is writing (its rows reach the write-ahead log), however fast this machine is.
    while process.poll() is None and not (wal.exists() and wal.stat().st_size > 1_000_000):
        time.sleep(0.005)
    assert process.poll() is None, "the import ended before it wrote a megabyte: make the file larger"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert _count(target, Client) == 1  # nothing of the killed import
    assert all(r.broken is None for r in target.verify_audit())
    out, err = start().communicate(timeout=300)  # the same import, let run, brings everything
    assert out.startswith(b"imported 3000"), (out, err)
    assert _count(target, Client) == 3001


# --- the treatment session, consents and the home programme --------------------------------------

@pytest.fixture(scope="module")
def cared(tmp_path_factory):
    """A client treated as planned with a consent on record, and a home programme with ticks and check-ins."""
    from web_support import home_programme

    records = fresh_records(f"sqlite:///{tmp_path_factory.mktemp('cared') / 'cared.db'}")
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Cal Cared", "sex": "male", "occupation": "Roofer", "allergies": "Latex"})
    visit_id = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=20), "case": a_visit_case()})
    records.record_consent(me, client_id, visit_id, {"scope": "treatment", "methods": ["verbal"], "techniques": ["swedish"],
                                                     "elements": ["nature", "benefits", "risks", "alternatives", "no_treatment",
                                                                  "right_to_stop"]})
    records.record_as_planned(me, visit_id)
    home_programme(records, me, client_id, visit_id, emergency=True)
    return records, people


def test_the_treatment_session_consents_and_home_programme_move_as_bulk_ndjson_too(cared, target, tmp_path):
    records_from, people_from = cared
    manifest = write_ndjson(records_from.export_batches(people_from["north_admin"]), tmp_path / "bulk", "North")
    kinds = {o["type"]: o["count"] for o in manifest["output"]}
    assert kinds["Procedure"] >= 1 and kinds["Consent"] == 1 and kinds["CarePlan"] >= 2  # the treatment plan's and the programme's
    url, records, people = target
    [client_id] = records.import_ndjson(people["north_admin"], tmp_path / "bulk").imported
    from test_fhir import _normalised

    [moved] = records.export_clients(people["north_admin"], client_id)
    [original] = records_from.export_clients(people_from["north_admin"])
    assert _normalised(moved) == _normalised(original)
    assert moved["treatments"][0]["given"]["entries"] and len(moved["homecare"]["ticks"]) == 3
    assert moved["client"]["occupation"] == "Roofer" and moved["client"]["sex"] == "male"
    # The emergency check-in not yet seen is still flagged after the move.
    assert [(f.client_id, f.urgency) for f in records.flagged_check_ins(people["north_admin"])] == [(client_id, "emergency")]


def _check_ins(bundle):
    return [r for r in _resources(bundle, "QuestionnaireResponse") if r["questionnaire"].endswith("/home-check-in")]


def _json_extension(resource, name):
    return json.loads(next(e for e in resource["extension"] if e["url"] == EXT + name)["valueString"])


def _nul_in_the_clients_words(bundle):
    encounter = _resources(bundle, "Encounter")[0]
    session = _json_extension(encounter, "treatment")
    session["response"]["client_words"] = "looser\x00"
    _set_json_extension(encounter, "treatment", session)
    return "extension treatment, response.client_words"


def _an_unknown_technique(bundle):
    encounter = _resources(bundle, "Encounter")[0]
    session = _json_extension(encounter, "treatment")
    session["given"]["entries"][0]["technique"] = "laying_on_of_hands"
    _set_json_extension(encounter, "treatment", session)
    return "given.entries.0.technique"


def _a_consent_given_in_1800(bundle):
    _resources(bundle, "Consent")[0]["provision"]["period"]["start"] = "1800-01-01T09:00:00+00:00"
    return "given_at"


def _pain_eleven_in_a_check_in(bundle):
    check_in = _check_ins(bundle)[0]
    answers = _json_extension(check_in, "check-in-answers")
    _set_json_extension(check_in, "check-in-answers", {**answers, "pain_nrs": 11})
    return "check-in-answers.pain_nrs"


def _a_tick_for_an_exercise_not_in_the_programme(bundle):
    adherence = next(o for o in _resources(bundle, "Observation") if any(c.get("code") == "sessions-done" for c in o["code"]["coding"]))
    next(c for c in adherence["component"] if "valueDateTime" in c)["code"]["coding"][0]["code"] = "juggling"
    return "code"


def _two_check_ins_in_one_week(bundle):
    first = next(e for e in bundle["entry"] if e["resource"] in _check_ins(bundle))
    bundle["entry"].append({"fullUrl": "urn:uuid:0b5e2f6a-8c3d-4e1f-9a7b-2c4d6e8f0a1b", "resource": copy.deepcopy(first["resource"])})
    return "week-of"


CARE_BREAKS = [_nul_in_the_clients_words, _an_unknown_technique, _a_consent_given_in_1800, _pain_eleven_in_a_check_in,
               _a_tick_for_an_exercise_not_in_the_programme, _two_check_ins_in_one_week]


@pytest.mark.parametrize("breaks", CARE_BREAKS, ids=[b.__name__.strip("_") for b in CARE_BREAKS])
def test_a_bad_treatment_consent_or_home_programme_saves_nothing_and_is_named(cared, sqlite_target, breaks):
    records_from, people_from = cared
    bundle = json.loads(json.dumps(bundle_for(records_from.export_clients(people_from["north_admin"]))))
    field = breaks(bundle)
    url, records, people = sqlite_target
    with pytest.raises(FieldErrors) as refused:
        records.import_bundle(people["north_admin"], bundle)
    assert any(field in where for where in refused.value.errors), refused.value.errors
    assert _count(records, Client) == 0 and _count(records, Visit) == 0


def test_a_check_in_whose_file_says_all_is_well_is_screened_again_and_stays_flagged(cared, sqlite_target):
    records_from, people_from = cared
    bundle = json.loads(json.dumps(bundle_for(records_from.export_clients(people_from["north_admin"]))))
    emergency = next(r for r in _check_ins(bundle) if _json_extension(r, "check-in-answers")["screening"]["bladder_dysfunction"])
    next(e for e in emergency["extension"] if e["url"] == EXT + "screening-urgency")["valueCode"] = "none"
    _set_json_extension(emergency, "screening", {"urgency": "none", "answered_yes": [], "red_flags": [], "advice": None,
                                                 "tell_client": None})
    url, records, people = sqlite_target
    [client_id] = records.import_bundle(people["north_admin"], bundle).imported
    assert [(f.client_id, f.urgency) for f in records.flagged_check_ins(people["north_admin"])] == [(client_id, "emergency")]
