"""The treatment record and consents in the records layer, on SQLite and PostgreSQL: contraindicated entries
refused, overrides audited, declined areas refused, the signature refused without the visit's consent (saving
nothing), withdrawal, another clinic, an upgrade from a database without treatments; and over HTTP."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backcare.records import FieldErrors, Locked, NotFound
from backcare.storage.models import AuditEvent, TreatmentConsent, TreatmentRecord, Visit
from backcare.treatment import entry_areas, treatment_data
from backcare.clinical.vocabulary import vocabulary
from web_support import fresh_records, login, make_client, seed

SCIATICA = {"history": {"onset": "sudden", "duration_days": 30, "aggravating": ["sitting"]},
            "medical": {"anticoagulants": True},
            "symptoms": {"pain_nrs": 6, "pain_sites": ["low_back", "buttock_left", "posterior_thigh_left"],
                         "saddle_anaesthesia": False, "bladder_dysfunction": False, "bowel_dysfunction": False,
                         "progressive_weakness": False},
            "special_tests": {"slr": {"left": "positive"}},
            "palpation": {"hypertonic": ["piriformis", "gluteus_maximus"]}}
SIGN = {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"}


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Sol Sciatica"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": SCIATICA})
    return records, people, client_id, visit_id


def audit(records, action: str) -> list[str]:
    with records.sessions() as db:
        return list(db.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)))


def test_what_the_contraindications_forbid_is_refused_on_both_databases_unless_a_reason_is_recorded(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    records.record_as_planned(me, visit_id)
    record = records.treatment_view(me, visit_id).record.model_dump()
    record["given"]["entries"].append({"technique": "trigger_point_compression", "targets": ["piriformis"], "minutes": 3,
                                       "pressure": "light"})
    record["given"]["entries"].append({"technique": "swedish", "targets": ["erector_spinae"], "minutes": 5, "pressure": "firm"})
    n = len(record["given"]["entries"])
    with pytest.raises(FieldErrors) as refused:
        records.save_treatment(me, visit_id, record)
    assert set(refused.value.errors) == {f"entries.{n - 2}", f"entries.{n - 1}"}
    assert "anticoagulants" in refused.value.errors[f"entries.{n - 1}"] and "clinical reason" in refused.value.errors[f"entries.{n - 1}"]
    with records.sessions() as db:  # nothing of the refused record was saved
        stored = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit_id))
        assert len(stored.given["entries"]) == n - 2
    record["given"]["entries"][-2]["clinical_reason"] = "asked for it; three light holds"
    record["given"]["entries"][-1]["clinical_reason"] = "thick tissue; no bruising history"
    assert len(records.save_treatment(me, visit_id, record)) >= 2
    overrides = audit(records, "treatment.override")
    assert any(d.startswith("ischemic compression of trigger points") and "despite" in d for d in overrides)


def test_the_signature_is_refused_without_the_visits_consent_and_then_saves_nothing(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    records.record_as_planned(me, visit_id)
    drafted = records.get_visit(me, visit_id).soap_plan
    assert "Treatment given (" in drafted and "Petrissage" in drafted  # the note follows the treatment
    with pytest.raises(FieldErrors) as refused:
        records.save_soap(me, visit_id, SIGN, sign=True)
    assert "buttocks" in refused.value.errors["sign"] and "written consent" in refused.value.errors["sign"]
    visit = records.get_visit(me, visit_id)
    assert visit.signed_at is None and visit.soap_plan == drafted  # one transaction: the typed note was not saved either
    with pytest.raises(FieldErrors):
        records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal"], "methods": ["tablet"]})
    records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal", "gluteal_cleft"],
                                                     "methods": ["tablet"], "signed_name": "Sol Sciatica"})
    assert "Consent for the buttocks (gluteal region): signed on the tablet" in records.get_visit(me, visit_id).soap_objective
    records.save_soap(me, visit_id, SIGN, sign=True)
    assert records.get_visit(me, visit_id).signed_at is not None
    with pytest.raises(Locked):
        records.save_treatment(me, visit_id, {"given": {"entries": []}})
    with pytest.raises(Locked):
        records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal"], "methods": ["verbal"]})


def test_a_declined_area_is_left_out_of_as_planned_and_refused_in_the_record(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal", "gluteal_cleft"],
                                                     "methods": ["verbal"], "decision": "declined"})
    records.record_as_planned(me, visit_id)
    record = records.treatment_view(me, visit_id).record
    assert record.given.entries and not any(entry_areas(e) & {"gluteal", "gluteal_cleft"} for e in record.given.entries)
    # The sciatic nerve is irritable (positive straight leg raise): nothing stretches or presses it.
    assert not any(e.technique in ("passive_stretch", "trigger_point_compression") and "piriformis" in e.targets
                   for e in record.given.entries)
    data = record.model_dump()
    data["given"]["entries"].append({"technique": "petrissage", "targets": ["gluteus_maximus"], "minutes": 5, "pressure": "light"})
    with pytest.raises(FieldErrors) as refused:
        records.save_treatment(me, visit_id, data)
    assert "declined consent today for the buttocks" in next(iter(refused.value.errors.values()))
    records.save_soap(me, visit_id, SIGN, sign=True)  # what avoids the area needs no consent


def test_a_withdrawal_keeps_the_work_until_then_and_the_rest_of_the_session_follows(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    consent_id = records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal", "gluteal_cleft"],
                                                                  "methods": ["written"]})
    records.record_as_planned(me, visit_id)
    assert records.withdraw_consent(me, consent_id, "felt uncomfortable") == visit_id
    view = records.treatment_view(me, visit_id)
    stopped = [e for e in view.record.given.entries if entry_areas(e) & {"gluteal"}]
    assert stopped and all(e.until_withdrawal for e in stopped)
    assert [c.withdrawn_at is not None for c in view.visit_consents] == [True]
    assert "withdrawn" in records.get_visit(me, visit_id).soap_objective
    more = view.record.model_dump()
    more["given"]["entries"].append({"technique": "swedish", "targets": ["gluteus_medius"], "minutes": 5})
    with pytest.raises(FieldErrors):  # no new work on the area after the withdrawal
        records.save_treatment(me, visit_id, more)
    records.save_soap(me, visit_id, SIGN, sign=True)
    assert audit(records, "consent.withdraw") == ["areas gluteal gluteal_cleft"]


def test_the_informed_consent_needs_every_element_and_another_clinic_sees_nothing(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    with pytest.raises(FieldErrors) as refused:
        records.record_consent(me, client_id, visit_id, {"scope": "treatment", "methods": ["verbal"], "elements": ["nature"]})
    assert "expected benefits" in refused.value.errors["elements"]
    elements = list(treatment_data().pack(None).general.elements)
    records.record_consent(me, client_id, visit_id, {"scope": "treatment", "methods": ["verbal"], "elements": elements})
    assert [c.scope for c in records.client_consents(me, client_id)] == ["treatment"]
    for attempt in (lambda: records.treatment_view(people["south"], visit_id),
                    lambda: records.record_as_planned(people["south"], visit_id),
                    lambda: records.client_consents(people["south"], client_id),
                    lambda: records.record_consent(people["south"], client_id, None, {"scope": "treatment", "methods": ["verbal"],
                                                                                      "elements": elements})):
        with pytest.raises(NotFound):
            attempt()
    with pytest.raises(NotFound):
        records.withdraw_consent(people["south"], 1)


def test_the_clinic_picks_its_pack_and_washington_asks_verbal_consent_at_the_cleft(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    assert records.consent_pack(me) == "ontario"
    with pytest.raises(FieldErrors):
        records.set_consent_pack(people["north_admin"], "narnia")
    records.set_consent_pack(people["north_admin"], "washington")
    assert records.consent_pack(me) == "washington" and records.consent_pack(people["south"]) == "ontario"
    records.record_as_planned(me, visit_id)
    records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal_cleft"], "methods": ["tablet"],
                                                     "signed_name": "Sol"})
    with pytest.raises(FieldErrors) as refused:
        records.sign(me, visit_id)
    assert "written and verbal consent" in refused.value.errors["sign"]
    records.record_consent(me, client_id, visit_id, {"scope": "areas", "areas": ["gluteal_cleft"], "methods": ["tablet", "verbal"],
                                                     "signed_name": "Sol"})
    records.sign(me, visit_id)


def test_an_older_database_with_visits_upgrades_and_its_visits_take_a_treatment(tmp_path):
    """A clinic's database from before treatments (0005), with a visit in it, upgraded in place."""
    from datetime import datetime, timezone
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import MetaData, create_engine, insert

    import backcare.storage.db as storage
    from backcare.clinical.api import assess_data
    from backcare.clinical.caseio import parse_case
    from backcare.records import Actor
    from backcare.records.users import hash_password

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(Path(storage.__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0005")
    engine = create_engine(url)
    old = MetaData()
    old.reflect(engine)
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    case = parse_case(SCIATICA).findings()
    assessment = assess_data(case)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["clinics"]).values(id=1, name="Old", address="", phone="", email="", website="",
                                                          timezone="UTC", created_at=now))
        conn.execute(insert(old.tables["users"]).values(id=1, clinic_id=1, email="old@clinic.test", name="Olga Old", role="admin",
                                                        password_hash=hash_password("x" * 12), active=True,
                                                        must_change_password=False, created_at=now))
        conn.execute(insert(old.tables["clients"]).values(id=1, clinic_id=1, name="Carried Over", name_norm="carried over",
                                                          search_norm="carried over", medical={}, consent_given=True,
                                                          created_by=1, created_at=now, updated_at=now))
        conn.execute(insert(old.tables["visits"]).values(
            id=1, clinic_id=1, client_id=1, therapist_id=1, visit_date=date.today(), case=case, assessment=assessment,
            kb_version=assessment["knowledge_base"]["version"], pain_nrs=6, referral="none", lead_condition="x",
            treatment_given="old free text", soap_subjective="", soap_objective="", soap_assessment="", soap_plan="", created_at=now))
    engine.dispose()
    records = fresh_records(url)  # upgrades to the head
    me = Actor(1, 1, "admin", "Olga Old")
    assert records.consent_pack(me) == "ontario"  # a clinic that never chose one has the default pack
    assert records.treatment_view(me, 1).record is None and records.get_visit(me, 1).treatment_given == "old free text"
    records.record_as_planned(me, 1)
    assert records.treatment_view(me, 1).record.response.pain_before == 6


# --- the signature's rule over generated records (SQLite) --------------------------------------

@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    records = fresh_records(f"sqlite:///{tmp_path_factory.mktemp('tx') / 'tx.db'}")
    people = seed(records)
    return records, people, records.create_client(people["north"], {"name": "Hypo Thesis"})


V = vocabulary()
generated_entries = st.lists(st.builds(
    lambda t, s: {"technique": t, "targets": s, "minutes": 5, "clinical_reason": "generated"},
    st.sampled_from(sorted(V.techniques)), st.lists(st.sampled_from(sorted(V.structures)), min_size=1, max_size=2, unique=True)),
    max_size=4)
generated_consents = st.lists(st.fixed_dictionaries({
    "areas": st.lists(st.sampled_from(sorted(treatment_data().areas)), min_size=1, max_size=3, unique=True),
    "methods": st.lists(st.sampled_from(["verbal", "written", "tablet"]), min_size=1, max_size=2, unique=True),
    "decision": st.sampled_from(["given", "given", "declined"])}), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(sorted(treatment_data().packs)), generated_entries, generated_consents, st.booleans())
def test_no_signed_note_in_any_pack_records_sensitive_area_work_without_a_matching_consent(shared, pack, work, consents, withdraw):
    records, people, client_id = shared
    me = people["north"]
    records.set_consent_pack(people["north_admin"], pack)
    visit_id = records.create_visit(me, client_id, {"visit_date": date.today(), "case": SCIATICA})
    ids = [records.record_consent(me, client_id, visit_id, {"scope": "areas", "signed_name": "H", **c}) for c in consents]
    try:
        records.save_treatment(me, visit_id, {"given": {"entries": work}})
        if withdraw and ids and consents[0]["decision"] == "given":
            records.withdraw_consent(me, ids[0])
        records.sign(me, visit_id)
    except FieldErrors:
        pass
    with records.sessions() as db:
        if db.scalar(select(Visit.signed_at).where(Visit.id == visit_id)) is None:
            return
        stored = db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit_id))
        rows = list(db.scalars(select(TreatmentConsent).where(TreatmentConsent.visit_id == visit_id)))
    rules = treatment_data().pack(pack).areas
    for entry in stored.given["entries"] if stored else []:
        for area in entry_areas(entry) & set(rules):
            needed = set(rules[area].requires)
            matching = [c for c in rows if c.decision == "given" and area in c.areas
                        and needed <= set(c.methods) | ({"written"} if "tablet" in c.methods else set())]
            assert matching, (pack, entry, area)
            assert entry["until_withdrawal"] or any(c.withdrawn_at is None for c in matching)


# --- over HTTP ---------------------------------------------------------------------------

def test_the_pages_refuse_a_contraindicated_entry_beside_it_and_keep_what_was_typed(clinic, database_url):
    records, people, client_id, visit_id = clinic
    client = make_client(database_url)
    csrf = login(client, "ther@north.test")
    form = {"csrf_token": csrf, "e0.technique": "trigger_point_compression", "e0.targets": ["piriformis"], "e0.side": "left",
            "e0.minutes": "4", "e0.pressure": "light", "e1.technique": "swedish", "e1.targets": ["erector_spinae"], "e1.pressure": "light",
            "e1.minutes": "abc", "pain_before": "6", "client_words": "tight"}
    page = client.post(f"/visits/{visit_id}/treatment", data=form)
    assert page.status_code == 422 and "Enter the minutes as a whole number" in page.text
    form["e1.minutes"] = "10"
    page = client.post(f"/visits/{visit_id}/treatment", data=form)
    assert page.status_code == 422
    assert re.search(r'id="e0.technique-error">Ischemic compression of trigger points \(piriformis\), light pressure: ruled out today because', page.text)
    assert 'value="4"' in page.text and ">tight</textarea>" in page.text
    form["e0.clinical_reason"] = "brief, client asked"
    assert client.post(f"/visits/{visit_id}/treatment", data=form, follow_redirects=False).status_code == 303
    visit = client.get(f"/visits/{visit_id}")
    assert "given despite a contraindication: brief, client asked" in visit.text
    assert "written consent needed" in visit.text
    other = make_client(database_url)
    login(other, "ther@south.test")
    assert other.get(f"/visits/{visit_id}/treatment").status_code == 404
    assert other.post(f"/visits/{visit_id}/treatment/as-planned", data={"csrf_token": csrf}).status_code in (403, 404)


def test_changed_findings_redraft_a_note_that_holds_the_treatment(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    records.record_as_planned(me, visit_id)
    changed = {**SCIATICA, "special_tests": {"slr": {"left": "positive"}, "slump": {"left": "positive"}}}
    assert records.update_findings(me, visit_id, {"visit_date": date.today(), "case": changed}) is True
    visit = records.get_visit(me, visit_id)
    assert "slump test left positive" in visit.soap_objective and "Treatment given (" in visit.soap_plan


def test_bad_input_gets_a_message_beside_its_field_never_a_500(clinic, database_url):
    records, people, client_id, visit_id = clinic
    client = make_client(database_url)
    csrf = login(client, "ther@north.test")
    base = {"csrf_token": csrf, "e0.technique": "swedish", "e0.targets": ["erector_spinae"], "e0.minutes": "5",
            "e0.pressure": "light"}
    for changes, field, words in (
            ({"client_words": "tight\x00"}, "client_words", "NUL"),
            ({"client_words": "x" * 2001}, "client_words", "2,000"),
            ({"e0.technique": "cupping"}, "e0.technique", "not a known technique"),
            ({"e0.pressure": "crushing"}, "e0.pressure", "choose a pressure"),
            ({"pain_after": "11"}, "pain_after", "10"),
            ({"retest.id": "slr_left", "retest.label": "SLR", "retest.unit": "degrees", "retest.after": "lots"}, "retest.after",
             "whole number"),
            ({"after.effects": ["none", "bruising"]}, None, "&#39;none&#39; cannot go with an after-effect")):
        page = client.post(f"/visits/{visit_id}/treatment", data={**base, **changes})
        assert page.status_code == 422, (changes, page.status_code)
        assert field is None or f'id="{field}-error"' in page.text, (changes, re.findall(r'class="error" id="([^"]+)"', page.text))
        assert words.lower() in page.text.lower()
    with records.sessions() as db:
        assert db.scalar(select(TreatmentRecord).where(TreatmentRecord.visit_id == visit_id)) is None  # nothing half-saved
    for path in (f"/visits/{2**40}/treatment", "/visits/abc/treatment", f"/consents/{2**40}/withdraw"):
        answer = client.post(path, data={"csrf_token": csrf}) if "withdraw" in path else client.get(path)
        assert answer.status_code == 404, path
    refused = client.post(f"/visits/{visit_id}/consents", data={"csrf_token": csrf, "scope": "areas", "areas": ["gluteal"],
                                                                "methods": ["carrier pigeon"]})
    assert refused.status_code == 422 and 'id="consent_areas-error"' in refused.text
    with pytest.raises(FieldErrors):
        records.record_consent(people["north"], client_id, visit_id, {"scope": "areas", "areas": ["gluteal"], "methods": ["tablet"],
                                                                      "signature": "M1 1 <script>", "signed_name": "x"})
