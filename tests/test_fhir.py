"""FHIR R4B export and import, the CSV tables, and their command-line and API doors."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.fhir import BundleError, bundle_for, bundle_resources, items, validate_bundle
from backcare.records import FieldErrors, Locked
from backcare.records.tables import csv_zip
from strategies import cases
from web_support import TODAY, a_visit_case, fresh_records, home_programme, intake_answers, login, make_client, seed

ODI = {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 3, "standing": 2, "sleeping": 2,
       "social_life": 2, "travelling": 2}
START = {"leg_pain": 1, "shoulder_neck": 0, "short_walks": 0, "dresses_slowly": 0, "not_safe_active": 1,
         "worrying_thoughts": 1, "never_better": 1, "not_enjoying": 1, "bothersome": 4}


# The client's details move with the record (issue 18): gender, address, family doctor, emergency contact...
DETAILS = {"sex": "female", "address": "4 Mill Lane", "occupation": "Nurse", "family_doctor": "Dr Rahman",
           "family_doctor_contact": "Harbour Surgery", "emergency_contact": "Sam 07700 900456", "medications": "Naproxen",
           "allergies": "Penicillin"}


def _rich_client(records, people) -> int:
    me = people["north"]
    client_id = records.create_client(me, {"name": "Fay =Fhir", "date_of_birth": date(1980, 1, 1), "phone": "+44 1234",
                                           "email": "fay@example.org", "medical": {"cancer_history": False, "osteoporosis": True},
                                           "consent_given": True, "consent_date": date(2026, 1, 1), **DETAILS})
    first = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=20), "case": {
        **a_visit_case(), "special_tests": {"slr": {"left": "positive"}}, "neuro": {"motor": {"ankle_plantarflexion": {"left": "weak"}}}}})
    records.record_questionnaire(me, client_id, "odi", ODI, visit_id=first)
    records.record_questionnaire(me, client_id, "start_back", START, visit_id=first)
    records.record_questionnaire(me, client_id, "psfs", {"a1": {"activity": "run", "rating": 3}, "a2": {"activity": "lift", "rating": 4},
                                                         "a3": {"activity": "sit", "rating": 5}})
    records.record_questionnaire(me, client_id, "odi", {"lifting": 2})  # incomplete: kept, never scored
    home_programme(records, me, client_id, first, emergency=True)
    records.sign(me, first)
    records.amend(me, first, "Achilles reflex rechecked: reduced.")
    token, _ = records.create_intake_link(me, client_id, ["nprs"])
    records.submit_intake(token, intake_answers(saddle_anaesthesia=True))
    intake_id = records.intakes(me, client_id)[0].id
    urgent = records.create_visit(me, client_id, {"visit_date": TODAY, "case": {"symptoms": {"saddle_anaesthesia": True}}},
                                  intake_id=intake_id)
    records.save_referral_letter(me, urgent, {"addressee": "Dr Rao", "body": "Please see today."})
    token, _ = records.create_intake_link(me, client_id, ["nprs"])
    records.submit_intake(token, intake_answers())  # not yet taken up by a visit
    return client_id


@pytest.fixture
def clinic(tmp_path):
    records = fresh_records(f"sqlite:///{tmp_path / 'from.db'}")
    people = seed(records)
    return records, people, _rich_client(records, people)


def _names(value):
    """People by name only: an imported signature belongs to a stand-in account, never to an active one here."""
    if isinstance(value, dict):
        if set(value) == {"email", "name"}:
            return value["name"]
        return {k: _names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_names(v) for v in value]
    return value


def _normalised(record: dict) -> dict:
    """A record without this server's ids: what must survive a move."""
    record = _names(json.loads(json.dumps(record)))
    record.pop("id")
    for v in record["visits"]:
        v.pop("imported_at")
    episodes = {e["key"]: n for n, e in enumerate(record["episodes"])}
    visits = {v["key"]: n for n, v in enumerate(record["visits"])}
    for e in record["episodes"]:
        e["key"] = episodes[e["key"]]
    for v in record["visits"]:
        v["key"], v["episode"] = visits[v["key"]], episodes.get(v["episode"])
    for q in record["questionnaires"]:
        q["episode"], q["visit"] = episodes.get(q["episode"]), visits.get(q["visit"])
    for i in record["intakes"]:
        i["visit"] = visits.get(i["visit"])
    for t in record["treatments"]:
        t["visit"], t["after_effects"]["of_visit"] = visits[t["visit"]], visits.get(t["after_effects"]["of_visit"])
    for c in record["consents"]:
        c["visit"] = visits.get(c["visit"])
    for kind in ("programmes", "ticks", "check_ins"):
        for row in record["homecare"][kind]:
            row["episode"] = episodes.get(row["episode"])
            if "visit" in row:
                row["visit"] = visits.get(row["visit"])
    return record


def test_the_bundle_is_valid_r4b_with_every_kind_of_resource(clinic):
    records, people, client_id = clinic
    bundle = bundle_for(records.export_clients(people["north"], client_id))
    model = validate_bundle(bundle)
    assert model.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds >= {"Patient", "EpisodeOfCare", "Encounter", "Observation", "QuestionnaireResponse", "Condition", "CarePlan",
                     "ServiceRequest", "Composition", "Provenance", "Practitioner"}
    resources = [e["resource"] for e in bundle["entry"]]

    def codes(resource):
        return {c["code"] for c in resource["code"].get("coding", [])}

    observations = [r for r in resources if r["resourceType"] == "Observation"]
    assert any("72514-3" in codes(o) for o in observations)  # pain
    assert any("97909-6" in codes(o) for o in observations)  # ODI score
    start_back = next(o for o in observations if "91351-7" in codes(o))
    assert {"91350-9", "91352-5"} <= {c["code"]["coding"][0]["code"] for c in start_back["component"]}
    assert any(o["code"]["text"] == "Straight leg raise" and o["valueString"] == "left positive" for o in observations)
    condition = next(r for r in resources if r["resourceType"] == "Condition")
    assert {c["system"] for c in condition["code"]["coding"]} == {"http://hl7.org/fhir/sid/icd-10", "http://snomed.info/sct"}
    referral = next(r for r in resources if r["resourceType"] == "ServiceRequest")
    assert referral["priority"] == "stat"
    notes = [r for r in resources if r["resourceType"] == "Composition"]
    assert sorted(n["status"] for n in notes) == ["final", "preliminary"]
    signed = next(n for n in notes if n["status"] == "final")
    assert signed["attester"][0]["mode"] == "legal"
    assert sum(r["resourceType"] == "Provenance" for r in resources) == 2  # the signature and the amendment
    intakes = [r for r in resources if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].endswith("/intake")]
    assert len(intakes) == 2 and all(r["source"] == r["subject"] for r in intakes)  # the client's own answers
    taken_up = next(r for r in intakes if "encounter" in r)
    assert {"linkId": "screening.saddle_anaesthesia", "answer": [{"valueBoolean": True}]} in taken_up["item"]
    check_ins = [r for r in resources if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].endswith("/home-check-in")]
    assert len(check_ins) == 2 and all(r["source"] == r["subject"] for r in check_ins)  # the client's own answers
    assert {"linkId": "screening.bladder_dysfunction", "answer": [{"valueBoolean": True}]} in check_ins[1]["item"]
    adherence = [o for o in observations if o["category"][0]["coding"][0]["code"] == "activity"]
    assert sum(o["valueQuantity"]["value"] for o in adherence) == 3
    assert all(len([c for c in o["component"] if "valueDateTime" in c]) == o["valueQuantity"]["value"] for o in adherence)
    assert any(r["resourceType"] == "CarePlan" and r.get("title") == "Home programme" for r in resources)


def test_a_moved_record_is_the_same_and_signed_notes_stay_locked(clinic, tmp_path):
    records, people, client_id = clinic
    exported = records.export_clients(people["north"], client_id)
    target = fresh_records(f"sqlite:///{tmp_path / 'to.db'}")
    target_people = seed(target)
    admin = target_people["north_admin"]
    new_id = target.import_bundle(admin, json.loads(json.dumps(bundle_for(exported)))).imported[0]
    assert _normalised(target.export_clients(admin, new_id)[0]) == _normalised(exported[0])
    moved = target.episode_record(admin, new_id)
    signed = next(v for v in target.export_clients(admin, new_id)[0]["visits"] if v["signed_at"])
    with pytest.raises(Locked):
        target.save_soap(target_people["north"], signed["key"], {"plan": "rewritten"})
    assert moved.visits and target.get_client(admin, new_id).name == "Fay =Fhir"
    flagged = target.flagged_intakes(admin)
    assert flagged == []  # the emergency intake was taken up by its visit before the move, and stays so
    assert [(f.client_id, f.urgency) for f in target.flagged_check_ins(admin)] == [(new_id, "emergency")]  # not yet seen: still flagged
    home = target.home_record(admin, new_id)
    assert len(home.ticks) == 3 and len(home.programmes) == 1
    assert [i.urgency for i in target.intakes(admin, new_id)] == ["none", "emergency"]


def test_a_bundle_from_elsewhere_is_refused_with_a_reason():
    foreign = {"resourceType": "Bundle", "type": "collection",
               "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "name": [{"text": "X"}]}}]}
    with pytest.raises(BundleError, match="not exported by backcare"):
        list(items(bundle_resources(foreign)))
    with pytest.raises(BundleError, match="not a valid FHIR R4B Bundle"):
        list(items(bundle_resources({"resourceType": "Bundle", "type": "collection",
                                     "entry": [{"resource": {"resourceType": "Patient", "birthDate": "last spring"}}]})))


visit_cases = cases.map(lambda c: {k: v for k, v in c.items() if k != "id"})


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated, seeded database file to copy: one per example would spend most of the test hashing passwords."""
    import sqlite3

    path = tmp_path_factory.mktemp("template") / "seeded.db"
    records = fresh_records(f"sqlite:///{path}")
    people = seed(records)
    records.sessions.kw["bind"].dispose()
    records.read_sessions.kw["bind"].dispose()
    with sqlite3.connect(path) as connection:  # everything into the main file: a copy must not miss the WAL
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, people


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(visit_cases, st.booleans(), st.booleans()), min_size=1, max_size=3),
       st.lists(st.sampled_from(["odi", "start_back", "nprs"]), max_size=3), st.sampled_from([None, "waiting", "taken up"]),
       st.sampled_from(["", "bladder_dysfunction"]), st.booleans(), st.booleans())
def test_export_then_import_gives_back_the_same_records(template, tmp_path_factory, visits, questionnaires, intake, flag, home,
                                                        home_emergency):
    base = tmp_path_factory.mktemp("roundtrip")
    path, people = template
    for name in ("a.db", "b.db"):
        shutil.copy(path, base / name)
    source = fresh_records(f"sqlite:///{base / 'a.db'}")
    me = people["north"]
    client_id = source.create_client(me, {"name": "Prop Erty"})
    if intake:
        token, _ = source.create_intake_link(me, client_id, ["nprs"])
        source.submit_intake(token, intake_answers(**{flag: True} if flag else {}))
    intake_id = source.intakes(me, client_id)[0].id if intake == "taken up" else None
    for n, (case, sign, amend) in enumerate(visits):
        visit_id = source.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=n), "case": case},
                                       intake_id=intake_id if n == 0 else None)
        if sign:
            source.sign(me, visit_id)
            if amend:
                source.amend(me, visit_id, f"amendment {n}")
    answers = {"odi": ODI, "start_back": START, "nprs": {"pain": 4}}
    for instrument in questionnaires:
        source.record_questionnaire(me, client_id, instrument, answers[instrument])
    if home:
        first = source.timeline(me, client_id).entries[-1].id
        try:
            home_programme(source, me, client_id, first, home_emergency)
        except FieldErrors:
            pass  # the findings advised referral (no handout) or the programme has no exercise to tick
    exported = source.export_clients(me, client_id)
    bundle = json.loads(json.dumps(bundle_for(exported)))
    validate_bundle(bundle)
    target = fresh_records(f"sqlite:///{base / 'b.db'}")
    admin = people["north_admin"]
    new_id = target.import_bundle(admin, bundle).imported[0]
    assert _normalised(target.export_clients(admin, new_id)[0]) == _normalised(exported[0])


def test_csv_tables_hold_clients_visits_and_scores_and_no_formula(clinic):
    records, people, _ = clinic
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(records.export_clients(people["north_admin"]))))
    assert sorted(archive.namelist()) == ["clients.csv", "consents.csv", "scores.csv", "treatments.csv", "visits.csv"]
    clients = list(csv.DictReader(io.StringIO(archive.read("clients.csv").decode())))
    assert clients[0]["name"] == "Fay =Fhir" and clients[0]["visits"] == "2"
    visits = list(csv.DictReader(io.StringIO(archive.read("visits.csv").decode())))
    assert {v["referral"] for v in visits} == {"none", "emergency"}
    scores = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode())))
    assert {s["instrument"] for s in scores} == {"odi", "start_back", "psfs", "nprs"} and any(s["risk_group"] == "high" for s in scores)
    with pytest.raises(Exception):
        records.export_clients(people["north"])  # a whole clinic is for admins


def test_a_formula_in_a_name_is_defused():
    from backcare.records.tables import csv_text

    text = csv_text("clients.csv", [{"client_id": 1, "name": "=HYPERLINK(\"x\")", "date_of_birth": "", "phone": "+44 1",
                                     "email": "", "consent_given": True, "consent_date": "", "visits": 0, "first_visit": "",
                                     "last_visit": ""}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["name"].startswith("'=") and row["phone"] == "'+44 1"


def test_the_api_exports_one_client_audited_and_only_in_its_clinic(clinic, tmp_path):
    records, people, client_id = clinic
    url = records.sessions.kw["bind"].url.render_as_string(hide_password=False)
    browser = make_client(url)
    login(browser, "ther@north.test")
    answer = browser.get(f"/api/clients/{client_id}/fhir")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
    validate_bundle(answer.json())
    other = make_client(url)
    login(other, "ther@south.test")
    assert other.get(f"/api/clients/{client_id}/fhir").status_code == 404
    admin = make_client(url)
    login(admin, "admin@north.test")
    audit = admin.get("/admin/audit").text
    assert "export.fhir" in audit


def test_the_command_line_exports_and_imports(clinic, tmp_path):
    records, people, client_id = clinic
    source_url = records.sessions.kw["bind"].url.render_as_string(hide_password=False)
    run = lambda args, url, **kw: subprocess.run([sys.executable, "-m", "backcare", *args], capture_output=True, text=True,  # noqa: E731
                                                 env={**os.environ, "BACKCARE_DATABASE_URL": url}, **kw)
    exported = run(["export", "fhir", "--client", str(client_id), "--user", "ther@north.test"], source_url)
    assert exported.returncode == 0, exported.stderr
    validate_bundle(json.loads(exported.stdout))
    refused = run(["export", "fhir", "--bulk", str(tmp_path / "bulk"), "--user", "ther@north.test"], source_url)  # needs an admin
    assert refused.returncode != 0 and "admin" in refused.stderr
    (tmp_path / "bundle.json").write_text(exported.stdout)
    target_url = f"sqlite:///{tmp_path / 'cli-target.db'}"
    seed(fresh_records(target_url))
    imported = run(["import", "fhir", str(tmp_path / "bundle.json"), "--user", "admin@north.test"], target_url)
    assert imported.returncode == 0 and imported.stdout.startswith("imported 1 clients"), imported.stderr
    tables = run(["export", "csv", "--out", str(tmp_path / "t.zip"), "--user", "admin@north.test"], target_url)
    assert tables.returncode == 0 and zipfile.ZipFile(tmp_path / "t.zip").namelist()


def test_the_export_page_imports_a_bundle_and_refuses_other_files(clinic, tmp_path):
    records, people, client_id = clinic
    bundle = json.dumps(bundle_for(records.export_clients(people["north"], client_id))).encode()
    target_url = f"sqlite:///{tmp_path / 'web-target.db'}"
    seed(fresh_records(target_url))
    admin = make_client(target_url)
    csrf = login(admin, "admin@north.test")
    done = admin.post("/admin/import", data={"csrf_token": csrf}, files={"bundle": ("bundle.json", bundle, "application/json")})
    assert done.status_code == 200 and "Imported 1 client" in done.text
    refused = admin.post("/admin/import", data={"csrf_token": csrf}, files={"bundle": ("notes.txt", b"hello", "text/plain")})
    assert refused.status_code == 422 and "not a backcare FHIR Bundle" in refused.text
    therapist = make_client(target_url)
    csrf = login(therapist, "ther@north.test")
    assert therapist.post("/admin/import", data={"csrf_token": csrf}, files={"bundle": ("b.json", bundle, "application/json")}).status_code == 403
