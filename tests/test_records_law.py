"""The records law as data: retention by jurisdiction (with its sources), the admin's queue and destruction on approval
leaving a stub, client requests on the law's clock, corrections and statements of disagreement that travel with the
record, and the breach register."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from backcare.fhir import bundle_for
from backcare.records import FieldErrors, Forbidden
from backcare.retention.rules import DATA, Rules, jurisdictions, keep_until, request_clock
from backcare.storage.models import AuditEvent, Client, DestroyedRecord, QuestionnaireResponse, SignedPdf, Visit
from web_support import a_visit_case, fresh_records, login, make_client, seed

TODAY = date.today()


# --- the rules -------------------------------------------------------------------------------

def test_every_jurisdiction_is_checked_on_load_and_names_its_sources():
    rules = jurisdictions()
    assert "CA-ON" in rules and len(rules) >= 2
    assert all(j.sources and all(str(s.url).startswith("https://") for s in j.sources) for j in rules.values())
    ontario = rules["CA-ON"]
    assert (ontario.years_after_last_entry, ontario.minor_until.age, ontario.minor_until.years, ontario.access_days) == (10, 18, 10, 30)
    broken = yaml.safe_load(DATA.read_text())
    broken["jurisdictions"]["CA-ON"]["years_after_last_entry"] = 0
    with pytest.raises(ValueError):
        Rules.model_validate(broken)
    broken = yaml.safe_load(DATA.read_text())
    broken["default"] = "XX"
    with pytest.raises(ValueError):
        Rules.model_validate(broken)


def test_ontario_keeps_ten_years_after_the_last_entry_or_after_the_18th_birthday_whichever_is_later():
    assert keep_until("CA-ON", date(2020, 5, 1), date(1980, 1, 1)).keep_until == date(2030, 5, 1)
    minor = keep_until("CA-ON", date(2020, 5, 1), date(2010, 3, 15))  # 18 in 2028, kept to 2038
    assert minor.keep_until == date(2038, 3, 15) and "18" in minor.reason
    assert keep_until("AU-NSW", date(2020, 5, 1), date(2010, 3, 15)).keep_until == date(2035, 3, 15)  # until 25
    assert keep_until("AU-NSW", date(2020, 5, 1), date(1970, 3, 15)).keep_until == date(2027, 5, 1)  # 7 years


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))


@given(st.sampled_from(sorted(jurisdictions())), days, days)
def test_a_record_is_never_due_before_either_limit_and_an_unknown_birth_date_never_shortens_it(code, last, born):
    rule = jurisdictions()[code]
    kept = keep_until(code, last, born).keep_until
    assert kept >= last.replace(year=last.year + rule.years_after_last_entry, day=min(last.day, 28))
    if born <= last:
        assert kept >= born.replace(year=born.year + rule.minor_until.age + rule.minor_until.years, day=min(born.day, 28))
        assert keep_until(code, last, None).keep_until >= kept


def test_a_request_has_thirty_days_once_extendable_by_thirty_in_ontario():
    clock = request_clock("CA-ON", "access", date(2026, 3, 1), False, date(2026, 3, 11))
    assert (clock.due, clock.days_left, clock.overdue) == (date(2026, 3, 31), 20, False)
    assert request_clock("CA-ON", "correction", date(2026, 3, 1), True, date(2026, 4, 5)).due == date(2026, 4, 30)
    assert request_clock("CA-ON", "access", date(2026, 3, 1), False, date(2026, 4, 5)).overdue


# --- retention in the records ------------------------------------------------------------------

@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    me, long_ago = people["north"], TODAY - timedelta(days=365 * 12)

    def client(name, born, last):
        client_id = records.create_client(me, {"name": name, "date_of_birth": born})
        visit_id = records.create_visit(me, client_id, {"visit_date": last, "case": a_visit_case()})
        records.sign(me, visit_id)
        records.amend(me, visit_id, "Follow-up call.")
        return client_id

    ids = {"adult": client("Ada Old", date(1950, 2, 2), long_ago),
           "minor": client("Max Young", TODAY - timedelta(days=365 * 25), long_ago),  # 13 at the last visit
           "held": client("Hal Held", date(1950, 2, 2), long_ago),
           "recent": client("Rae Recent", date(1950, 2, 2), TODAY - timedelta(days=30))}
    # An amendment is an entry: it counts as the last one (an old visit amended last year is not due).
    with records.sessions.begin() as db:
        db.execute(Visit.__table__.update().where(Visit.client_id.in_([ids["adult"], ids["held"], ids["minor"]]))
                   .values(created_at=TODAY - timedelta(days=365 * 12)))
        from backcare.storage.models import Amendment

        db.execute(Amendment.__table__.update().values(created_at=TODAY - timedelta(days=365 * 12)))
        db.execute(Client.__table__.update().values(created_at=TODAY - timedelta(days=365 * 13)))
    records.record_questionnaire(me, ids["adult"], "nprs", {"pain": 3}, answered_on=long_ago)
    records.log_request(me, ids["held"], {"kind": "access", "received_on": TODAY})
    return records, people, ids


def test_the_queue_holds_only_records_past_retention_and_without_an_open_request(clinic):
    records, people, ids = clinic
    queue, rule = records.retention_queue(people["north_admin"])
    assert [r.client_id for r in queue] == [ids["adult"]] and rule.code == "CA-ON"
    assert records.retention(people["north"], ids["minor"]).keep_until > TODAY  # ten years after turning 18
    assert records.retention(people["north"], ids["held"]).held
    with pytest.raises(Forbidden):
        records.retention_queue(people["north"])


def test_destruction_needs_approval_deletes_every_row_and_leaves_a_stub_and_an_intact_audit_chain(clinic):
    records, people, ids = clinic
    admin = people["north_admin"]
    with pytest.raises(FieldErrors) as refused:
        records.destroy_records(admin, [ids["adult"]], "yes")
    assert "DESTROY" in refused.value.errors["confirmation"]
    with pytest.raises(FieldErrors):  # one record not due: none is destroyed
        records.destroy_records(admin, [ids["adult"], ids["minor"]], "DESTROY")
    assert records.get_client(people["north"], ids["adult"]).name == "Ada Old"
    with records.read_sessions() as db:
        signed_visit = db.scalar(select(Visit.id).where(Visit.client_id == ids["adult"]))
    assert records.keep_pdf(people["north"], signed_visit, "summary", "k" * 64, b"%PDF-1.7 kept")  # a signed PDF kept
    assert records.destroy_records(admin, [ids["adult"]], "DESTROY") == [ids["adult"]]
    with records.read_sessions() as db:
        assert db.get(Client, ids["adult"]) is None
        assert db.scalar(select(func.count()).select_from(SignedPdf)) == 0
        assert db.scalar(select(func.count()).select_from(Visit).where(Visit.client_id == ids["adult"])) == 0
        assert db.scalar(select(func.count()).select_from(QuestionnaireResponse).where(QuestionnaireResponse.client_id == ids["adult"])) == 0
        stub = db.scalars(select(DestroyedRecord)).one()
        destroyed = db.scalars(select(AuditEvent).where(AuditEvent.action == "record.destroy")).one()
    assert (stub.name, stub.former_client_id, stub.visits, stub.approved_by) == ("Ada Old", ids["adult"], 1, admin.user_id)
    assert "Ontario" in stub.rule and destroyed.client_id == ids["adult"]
    assert all(r.broken is None for r in records.verify_audit())  # the log still names the record, unbroken
    assert records.retention_queue(admin)[0] == []


def test_the_retention_page_destroys_the_chosen_records_on_approval(clinic, database_url):
    records, people, ids = clinic
    admin = make_client(database_url)
    csrf = login(admin, "admin@north.test")
    page = admin.get("/admin/retention").text
    assert "Ada Old" in page and "Max Young" not in page and "Hal Held" not in page
    refused = admin.post("/admin/retention/destroy", data={"csrf_token": csrf, "client": str(ids["adult"]), "confirmation": ""})
    assert refused.status_code == 422 and "Type DESTROY" in refused.text
    done = admin.post("/admin/retention/destroy", data={"csrf_token": csrf, "client": str(ids["adult"]), "confirmation": "destroy"})
    assert done.status_code == 200 and "1 record destroyed" in done.text and "Ada Old" in done.text  # the stub


# --- requests and corrections ---------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'law.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Cora Correct", "date_of_birth": date(1970, 4, 4)})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": TODAY, "case": a_visit_case()})
    records.sign(people["north"], visit_id)
    return url, records, people, client_id, visit_id


def test_an_access_request_shows_its_clock_and_gives_a_readable_copy_and_fhir(site, tmp_path):
    url, records, people, client_id, visit_id = site
    browser = make_client(url)
    csrf = login(browser, "ther@north.test")
    received = TODAY - timedelta(days=3)
    assert browser.post(f"/clients/{client_id}/requests", data={"csrf_token": csrf, "kind": "access",
                                                                "received_on": received.isoformat(), "details": "A copy, please"},
                        follow_redirects=False).status_code == 303
    page = browser.get(f"/clients/{client_id}").text
    assert "day 3: answer by" in page and "27 days left" in page and "readable copy" in page
    refused = browser.post(f"/clients/{client_id}/requests", data={"csrf_token": csrf, "kind": "access", "received_on": "1800-01-01"})
    assert refused.status_code == 422 and "between 1900 and today" in refused.text
    copy = browser.get(f"/clients/{client_id}/record.pdf")
    assert copy.status_code == 200 and copy.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext"):
        (tmp_path / "copy.pdf").write_bytes(copy.content)
        text = subprocess.run(["pdftotext", str(tmp_path / "copy.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        assert "Cora Correct" in text and "Subjective" in text
        assert TODAY.strftime("%B") in text  # dates on paper carry the month in words
    assert browser.get(f"/clients/{client_id}/fhir.json").status_code == 200
    [request] = records.requests(people["north"], client_id)
    with pytest.raises(FieldErrors):  # a refusal owes the client its reason
        records.answer_request(people["north"], request.id, {"status": "refused"})
    records.answer_request(people["north"], request.id, {"status": "extended"})
    with pytest.raises(FieldErrors):
        records.answer_request(people["north"], request.id, {"status": "extended"})
    assert records.requests(people["north"], client_id)[0].clock.due == received + timedelta(days=60)
    records.answer_request(people["north"], request.id, {"status": "answered", "outcome": "Copy given in person."})
    assert records.requests(people["north"], client_id)[0].status == "answered"
    with records.read_sessions() as db:
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.client_id == client_id)))
    assert {"request.access", "export.copy", "request.extended", "request.answered"} <= actions


def test_a_refused_correction_keeps_the_original_and_the_clients_statement_goes_with_the_record(site, tmp_path):
    url, records, people, client_id, visit_id = site
    me = people["north"]
    original = records.get_visit(me, visit_id).soap_subjective
    request_id = records.log_request(me, client_id, {"kind": "correction", "received_on": TODAY, "details": "I never fell."})
    records.attach_correction(me, client_id, {"kind": "disagreement", "part": "Subjective", "visit_id": visit_id,
                                              "text": "I did not fall; the pain began while gardening.", "request_id": request_id})
    records.attach_correction(me, client_id, {"kind": "correction", "part": "date of birth", "text": "Born 5 April 1970."})
    records.answer_request(me, request_id, {"status": "refused", "outcome": "The note records what was said at the visit."})
    assert records.get_visit(me, visit_id).soap_subjective == original  # the original is kept
    with pytest.raises(FieldErrors):
        records.attach_correction(me, client_id, {"kind": "correction", "part": "Plan", "text": "x", "visit_id": 999_999})
    browser = make_client(url)
    login(browser, "ther@north.test")
    assert "the pain began while gardening" in browser.get(f"/visits/{visit_id}").text
    assert "Born 5 April 1970." in browser.get(f"/clients/{client_id}").text
    # Exported with the record (readably, and in backcare's extension), and back in on another server.
    bundle = json.loads(json.dumps(bundle_for(records.export_clients(me, client_id))))
    notes = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Composition"]
    assert any(s["title"] == "Corrections and statements of disagreement" for n in notes for s in n["section"])
    target = fresh_records(f"sqlite:///{tmp_path / 'moved.db'}")
    admin = seed(target)["north_admin"]
    moved = target.import_bundle(admin, bundle).imported[0]
    kept = {(k.kind, k.part, k.text, k.visit_id is not None) for k in target.corrections(admin, moved)}
    assert kept == {("disagreement", "Subjective", "I did not fall; the pain began while gardening.", True),
                    ("correction", "date of birth", "Born 5 April 1970.", False)}


# --- the breach register ------------------------------------------------------------------------------

def test_the_breach_register_is_the_admins_and_checks_its_dates(site):
    url, records, people, client_id, visit_id = site
    admin = people["north_admin"]
    with pytest.raises(Forbidden):
        records.breaches(people["north"])
    with pytest.raises(FieldErrors) as refused:
        records.record_breach(admin, {"discovered_on": TODAY, "occurred_on": TODAY + timedelta(days=1), "kind": "loss",
                                      "description": "x", "clients_affected": -1})
    assert {"occurred_on", "clients_affected"} <= set(refused.value.errors)
    breach = records.record_breach(admin, {"discovered_on": TODAY, "kind": "theft", "description": "A tablet was stolen from the car.",
                                           "clients_affected": 40, "containment": "Remote wipe the same day."})
    records.record_breach(admin, {"discovered_on": TODAY, "kind": "theft", "description": "A tablet was stolen from the car.",
                                  "clients_affected": 40, "clients_notified_on": TODAY, "regulator_notified_on": TODAY}, breach)
    [row] = records.breaches(admin)
    assert row.clients_notified_on == TODAY and row.containment == ""
    browser = make_client(url)
    csrf = login(browser, "admin@north.test")
    page = browser.get("/admin/breaches").text
    assert "A tablet was stolen" in page and "Information and Privacy Commissioner" in page
    bad = browser.post("/admin/breaches", data={"csrf_token": csrf, "discovered_on": "soon", "kind": "theft", "description": ""})
    assert bad.status_code == 422 and "Enter a date" in bad.text


# --- the treatment session and the home programme are part of the record --------------------------

def _twelve_years_back(records, client_id: int) -> None:
    """Every date of the client's record moved twelve years back, as if the record had been left that long."""
    from sqlalchemy import Date, DateTime

    from backcare.storage.models import (CheckIn, Episode, ExerciseTick, HomeLink, HomeProgramme, TreatmentConsent,
                                         TreatmentRecord)

    back = timedelta(days=365 * 12)
    with records.sessions.begin() as db:
        for model in (Client, Visit, Episode, QuestionnaireResponse, TreatmentRecord, TreatmentConsent, HomeProgramme, HomeLink,
                      ExerciseTick, CheckIn):
            table = model.__table__
            owner = table.c.id if model is Client else table.c.client_id
            moved = [c.name for c in table.columns if isinstance(c.type, (Date, DateTime))]
            for row in db.execute(select(table).where(owner == client_id)).mappings():
                db.execute(table.update().where(table.c.id == row["id"])
                           .values({c: row[c] - back for c in moved if row[c] is not None}))


def test_the_copy_holds_the_treatment_consents_and_home_programme_and_destruction_takes_them_all(database_url, tmp_path):
    from backcare.storage.models import (CheckIn, ExerciseTick, HomeLink, HomeLinkKey, HomeProgramme, TreatmentConsent,
                                         TreatmentRecord)
    from web_support import home_programme

    records = fresh_records(database_url)
    people = seed(records)
    me, admin = people["north"], people["north_admin"]
    client_id = records.create_client(me, {"name": "Tess Treated", "date_of_birth": date(1950, 2, 2), "occupation": "Baker",
                                           "allergies": "Latex"})
    visit_id = records.create_visit(me, client_id, {"visit_date": TODAY, "case": a_visit_case()})
    records.record_consent(me, client_id, visit_id, {"scope": "treatment", "methods": ["verbal"], "techniques": ["swedish"],
                                                     "elements": ["nature", "benefits", "risks", "alternatives", "no_treatment",
                                                                  "right_to_stop"]})
    records.record_as_planned(me, visit_id)
    home_programme(records, me, client_id, visit_id, emergency=False)

    # The access copy: the readable PDF and the FHIR record both carry the session, the consent and the programme.
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    bundle = browser.get(f"/clients/{client_id}/fhir.json").json()
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Procedure", "Consent", "CarePlan"} <= kinds
    assert any(e["resource"].get("questionnaire", "").endswith("/home-check-in") for e in bundle["entry"])
    copy = browser.get(f"/clients/{client_id}/record.pdf")
    assert copy.status_code == 200
    if shutil.which("pdftotext"):
        (tmp_path / "copy.pdf").write_bytes(copy.content)
        text = subprocess.run(["pdftotext", str(tmp_path / "copy.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        for words in ("Baker", "Latex", "The treatment as given", "Consents", "Home programme", "Weekly check-ins", "mornings."):
            assert words in text, words

    # A record left twelve years is due; destroying it takes every row of it, in one transaction, leaving the stub.
    _twelve_years_back(records, client_id)
    assert [r.client_id for r in records.retention_queue(admin)[0]] == [client_id]
    with records.read_sessions() as db:
        links = list(db.scalars(select(HomeLink.id).where(HomeLink.client_id == client_id)))
    owned = (Visit, TreatmentRecord, TreatmentConsent, HomeProgramme, HomeLink, ExerciseTick, CheckIn)

    def counts() -> dict[str, int]:
        with records.read_sessions() as db:
            out = {m.__tablename__: db.scalar(select(func.count()).select_from(m).where(m.client_id == client_id)) for m in owned}
            out["home_link_keys"] = db.scalar(select(func.count()).select_from(HomeLinkKey).where(HomeLinkKey.link_id.in_(links)))
            return out

    assert all(counts().values()), counts()
    assert records.destroy_records(admin, [client_id], "DESTROY") == [client_id]
    assert set(counts().values()) == {0}
    with records.read_sessions() as db:
        stub = db.scalars(select(DestroyedRecord)).one()
    assert (stub.name, stub.former_client_id, stub.visits) == ("Tess Treated", client_id, 1)
    assert all(r.broken is None for r in records.verify_audit())


def test_the_clinic_settings_choose_the_records_law_beside_the_date_format_and_keep_it_when_the_form_leaves_it_out(site):
    url, records, people, client_id, visit_id = site
    admin = make_client(url)
    csrf = login(admin, "admin@north.test")
    form = {"csrf_token": csrf, "name": "North Clinic", "timezone": "UTC", "locale": "en_GB", "idle_minutes": "90"}
    assert 'name="jurisdiction"' in admin.get("/admin/clinic").text and 'name="locale"' in admin.get("/admin/clinic").text
    assert admin.post("/admin/clinic", data={**form, "jurisdiction": "AU-NSW"}, follow_redirects=False).status_code == 303
    assert records.clinic_details(people["north_admin"]).jurisdiction == "AU-NSW"
    assert admin.post("/admin/clinic", data={**form, "locale": "en_US"}, follow_redirects=False).status_code == 303
    details = records.clinic_details(people["north_admin"])
    assert (details.jurisdiction, details.locale) == ("AU-NSW", "en_US")  # left out of the form: kept
    refused = admin.post("/admin/clinic", data={**form, "jurisdiction": "XX"})
    assert refused.status_code == 422 and "Choose one of: Ontario" in refused.text
    assert records.retention(people["north"], client_id).rule.code == "AU-NSW"
