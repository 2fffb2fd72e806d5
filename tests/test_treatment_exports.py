"""The treatment session in the papers and exports: FHIR Procedure and Consent (valid R4B, round-tripping),
the CSV tables, the visit summary PDF and the progress page."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta

import pytest

from backcare.fhir import bundle_for, validate_bundle
from backcare.records.tables import csv_zip
from web_support import fresh_records, login, make_client, seed

SCIATICA = {"history": {"onset": "sudden", "duration_days": 30, "aggravating": ["sitting"]},
            "symptoms": {"pain_nrs": 6, "pain_sites": ["low_back", "buttock_left", "posterior_thigh_left"],
                         "saddle_anaesthesia": False, "bladder_dysfunction": False, "bowel_dysfunction": False,
                         "progressive_weakness": False},
            "special_tests": {"slr": {"left": "positive"}},
            "palpation": {"hypertonic": ["piriformis", "gluteus_maximus"]}}


@pytest.fixture
def treated(tmp_path):
    """Two sessions a week apart: the first with consent signed on the tablet and a withdrawal, the second declined."""
    url = f"sqlite:///{tmp_path / 'tx.db'}"
    records = fresh_records(url)
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Pia Procedure"})
    first = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=7), "case": SCIATICA})
    records.record_consent(me, client_id, first, {"scope": "treatment", "methods": ["verbal"], "techniques": ["swedish"],
                                                  "elements": ["nature", "benefits", "risks", "alternatives", "no_treatment",
                                                               "right_to_stop"]})
    consent = records.record_consent(me, client_id, first, {"scope": "areas", "areas": ["gluteal", "gluteal_cleft"],
                                                            "methods": ["tablet"], "signed_name": "Pia Procedure",
                                                            "signature": "M10 10 L40 60 L90 20"})
    records.record_as_planned(me, first)
    record = records.treatment_view(me, first).record.model_dump()
    record["response"] |= {"pain_after": 3, "client_words": "=looser"}
    record["response"]["retest"] |= {"before": "40", "after": "55"}
    records.save_treatment(me, first, record)
    records.withdraw_consent(me, consent, "enough for today")
    records.sign(me, first)
    second = records.create_visit(me, client_id, {"visit_date": date.today(), "case": {**SCIATICA, "symptoms": {
        **SCIATICA["symptoms"], "pain_nrs": 4}}})
    records.record_consent(me, client_id, second, {"scope": "areas", "areas": ["gluteal", "gluteal_cleft"], "methods": ["verbal"],
                                                   "decision": "declined"})
    records.record_as_planned(me, second)
    record = records.treatment_view(me, second).record.model_dump()
    record["after_effects"] = {"of_visit": first, "effects": ["bruising"], "note": "small, left buttock"}
    records.save_treatment(me, second, record)
    return url, records, people, client_id, (first, second)


def _names(value):
    """People by name only: what an imported record attests belongs to a stand-in account, never to an active one here."""
    if isinstance(value, dict):
        return value["name"] if set(value) == {"email", "name"} else {k: _names(v) for k, v in value.items()}
    return [_names(v) for v in value] if isinstance(value, list) else value


def _normalised(record: dict) -> dict:
    """The treatment part of an exported record without this server's ids."""
    record = _names(record)
    visits = {v["key"]: n for n, v in enumerate(record["visits"])}
    treatments = json.loads(json.dumps(record["treatments"]))
    for t in treatments:
        t["visit"] = visits[t["visit"]]
        t["after_effects"]["of_visit"] = visits.get(t["after_effects"]["of_visit"])
        t["updated_at"] = t["updated_at"].replace("Z", "+00:00")
    consents = json.loads(json.dumps(record["consents"]))
    for c in consents:
        c["visit"] = visits.get(c["visit"])
        for key in ("given_at", "withdrawn_at"):
            c[key] = c[key].replace("Z", "+00:00") if c[key] else None
    return {"treatments": treatments, "consents": consents}


def test_the_bundle_has_a_procedure_per_technique_and_a_consent_per_consent_and_moves_whole(treated, tmp_path):
    url, records, people, client_id, (first, second) = treated
    exported = records.export_clients(people["north"], client_id)
    bundle = json.loads(json.dumps(bundle_for(exported)))
    validate_bundle(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    procedures = [r for r in resources if r["resourceType"] == "Procedure"]
    entries = sum(len(t["given"]["entries"]) for t in exported[0]["treatments"])
    assert len(procedures) == entries
    petrissage = next(p for p in procedures if p["code"]["coding"][0]["code"] == "petrissage" and p["status"] == "stopped")
    site = next(s for s in petrissage["bodySite"] if s["coding"][0]["code"] == "gluteus_maximus")
    assert site["text"] == "gluteus maximus, left"
    assert site["extension"][0]["valueCodeableConcept"]["coding"][0] == {"system": "http://snomed.info/sct", "code": "7771000",
                                                                         "display": "Left"}
    assert petrissage["performer"][0]["actor"]["display"] == "Tom Therapist"
    assert petrissage["outcome"]["text"].startswith("pain 6/10 before, 3/10 after; Straight leg raise")
    consents = [r for r in resources if r["resourceType"] == "Consent"]
    assert sorted(c["status"] for c in consents) == ["active", "inactive", "rejected"]  # given, withdrawn, declined
    withdrawn = next(c for c in consents if c["status"] == "inactive")
    assert withdrawn["provision"]["type"] == "permit" and "end" in withdrawn["provision"]["period"]
    assert [c["coding"][0]["code"] for c in withdrawn["provision"]["code"]] == ["gluteal", "gluteal_cleft"]
    assert withdrawn["policyRule"]["text"].startswith("Ontario")
    assert next(c for c in consents if c["status"] == "rejected")["provision"]["type"] == "deny"

    target = fresh_records(f"sqlite:///{tmp_path / 'to.db'}")
    admin = seed(target)["north_admin"]
    new_id = target.import_bundle(admin, bundle).imported[0]
    moved = target.export_clients(admin, new_id)[0]
    assert _normalised(moved) == _normalised(exported[0])
    signed = next(v for v in moved["visits"] if v["signed_at"])
    assert target.treatment_view(admin, signed["key"]).record.given.entries  # and it stays with its locked note


def test_the_csv_tables_have_a_row_per_technique_and_per_consent_without_free_text_or_formulas(treated):
    url, records, people, client_id, _ = treated
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(records.export_clients(people["north_admin"]))))
    treatments = list(csv.DictReader(io.StringIO(archive.read("treatments.csv").decode())))
    assert {"technique", "targets", "side", "minutes", "pressure", "pain_before", "pain_after", "retest_after"} <= set(treatments[0])
    assert any(t["technique"] == "petrissage" and t["stopped_at_withdrawal"] == "True" and t["pain_after"] == "3" for t in treatments)
    assert "looser" not in archive.read("treatments.csv").decode()
    consents = list(csv.DictReader(io.StringIO(archive.read("consents.csv").decode())))
    assert [(c["scope"], c["decision"], bool(c["withdrawn_at"])) for c in consents] == [
        ("treatment", "given", False), ("areas", "given", True), ("areas", "declined", False)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make test installs it)")
def test_the_visit_summary_and_the_progress_page_and_report_carry_the_treatment(treated):
    url, records, people, client_id, (first, second) = treated
    client = make_client(url)
    login(client, "ther@north.test")
    pdf = client.get(f"/visits/{first}/summary.pdf")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "Consent and treatment" in text and "Petrissage" in text
    assert re.search(r"Consent for the buttocks \(gluteal region\): given \d{1,2} [A-Z][a-z]+ \d{4}", text)  # month in words
    assert "withdrawn" in text and "Re-test, Straight leg raise, left" in text
    page = client.get(f"/clients/{client_id}/progress")
    assert "Techniques and what followed" in page.text and "not proof" in page.text
    assert re.search(r"Petrissage</th><td>2</td>\s*<td>-3.0 <span class=\"muted small\">\(1\)</span></td>\s*<td>-2.0", page.text)
    assert "bruising (small, left buttock)" in page.text
    visit = client.get(f"/visits/{second}")
    assert "declined" in visit.text and "Hip rotator stretches" in visit.text
    assert "After the last treatment" in visit.text and "bruising" in visit.text
    report = client.get(f"/clients/{client_id}/progress.pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=report.content, capture_output=True, check=True).stdout.decode()
    assert "Techniques and what followed" in text and "not proof" in text

