"""The visit workflow below the browser: drafts, findings edits, the handout choice and the
clinic's details on SQLite and PostgreSQL; the pages' words and answers over HTTP."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from starlette.datastructures import FormData

from backcare.clinical.vocabulary import vocabulary
from backcare.records import DraftConflict, FieldErrors, Forbidden, Locked, NotFound
from backcare.storage.models import AuditEvent, VisitDraft
from backcare.web.visits.fields import case_from_form, form_values, friendly, label
from web_support import TODAY, a_visit_case, csrf_of, fresh_records, login, make_client, seed


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Dru Draft"})
    return records, people, client_id


def _actions(records, actor) -> list[str]:
    with records.sessions() as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.clinic_id == actor.clinic_id).order_by(AuditEvent.id)))


def test_a_draft_is_the_therapist_own_and_resumes_exactly(clinic):
    records, people, client_id = clinic
    me, colleague, stranger = people["north"], people["north_admin"], people["south"]
    data = {"symptoms.pain_nrs": "15", "history.mechanism": "fell off a ladder", "symptoms.pain_sites": ["calf_left", "low_back"]}
    version, _saved = records.save_draft(me, "new", data, 0, client_id=client_id)
    draft = records.get_draft(me, "new", client_id)
    assert draft.data == data and draft.version == version == 1  # as typed, even a value the visit would refuse
    assert records.get_draft(colleague, "new", client_id) is None  # a colleague of the same clinic sees nothing
    with pytest.raises(NotFound):
        records.get_draft(stranger, "new", client_id)
    with pytest.raises(NotFound):
        records.save_draft(stranger, "new", data, 0, client_id=client_id)
    assert [d.kind for d in records.drafts_of_client(me, client_id)] == ["new"]
    records.discard_draft(me, "new", client_id)
    assert records.get_draft(me, "new", client_id) is None


def test_a_stale_tab_cannot_overwrite_a_newer_draft_unless_asked(clinic):
    records, people, client_id = clinic
    me = people["north"]
    records.save_draft(me, "new", {"client.age": "40"}, 0, client_id=client_id)
    records.save_draft(me, "new", {"client.age": "41"}, 1, client_id=client_id)  # tab A
    with pytest.raises(DraftConflict) as conflict:
        records.save_draft(me, "new", {"client.age": "99"}, 1, client_id=client_id)  # tab B, one save behind
    assert conflict.value.version == 2
    records.save_draft(me, "new", {"client.age": "99"}, 1, client_id=client_id, force=True)
    assert records.get_draft(me, "new", client_id).data == {"client.age": "99"}
    # Saved as a visit elsewhere: the draft is gone, and a tab still typing is told so.
    records.create_visit(me, client_id, {"visit_date": TODAY, "case": a_visit_case()})
    assert records.get_draft(me, "new", client_id) is None
    with pytest.raises(DraftConflict) as gone:
        records.save_draft(me, "new", {"client.age": "42"}, 3, client_id=client_id)
    assert gone.value.version == 0


def test_drafts_of_a_visit_end_with_its_signature(clinic):
    records, people, client_id = clinic
    me, admin = people["north"], people["north_admin"]
    visit_id = records.create_visit(me, client_id, {"visit_date": TODAY, "case": a_visit_case()})
    with pytest.raises(Forbidden):
        records.save_draft(admin, "soap", {"plan": "x"}, 0, visit_id=visit_id)  # only the treating therapist
    records.save_draft(me, "soap", {"plan": "typed"}, 0, visit_id=visit_id)
    records.save_draft(me, "findings", {"client.age": "50"}, 0, visit_id=visit_id)
    records.sign(me, visit_id)
    assert records.get_draft(me, "soap", client_id, visit_id) is None
    assert records.get_draft(me, "findings", client_id, visit_id) is None
    with pytest.raises(Locked):
        records.save_draft(me, "soap", {"plan": "too late"}, 1, visit_id=visit_id)


def test_autosaves_are_audited_when_a_draft_starts_and_then_every_few_minutes(clinic):
    records, people, client_id = clinic
    me = people["north"]
    for n in range(5):
        records.save_draft(me, "new", {"client.age": str(40 + n)}, n, client_id=client_id)
    assert _actions(records, me).count("draft.start") == 1 and _actions(records, me).count("draft.save") == 0
    with records.sessions.begin() as db:  # six minutes pass
        db.execute(update(VisitDraft).values(audited_at=datetime.now(timezone.utc) - timedelta(minutes=6)))
    records.save_draft(me, "new", {"client.age": "50"}, 5, client_id=client_id)
    records.save_draft(me, "new", {"client.age": "51"}, 6, client_id=client_id)
    assert _actions(records, me).count("draft.save") == 1
    records.get_draft(me, "new", client_id)
    assert _actions(records, me)[-1] == "draft.read"


@pytest.mark.parametrize("data, field", [
    ({"x": "a\x00b"}, "x"), ({"x": "\ud800"}, "x"), ({"x": "y" * 20_001}, "draft"), ({f"f{i}": "" for i in range(2_001)}, "draft"),
    ({"x": 5}, "draft"), ({"x": ["a", 5]}, "draft"), ({"y" * 121: "a"}, "draft"),
])
def test_a_draft_is_bounded_form_text(clinic, data, field):
    records, people, client_id = clinic
    with pytest.raises(FieldErrors) as refused:
        records.save_draft(people["north"], "new", data, 0, client_id=client_id)
    assert field in refused.value.errors


def test_findings_change_until_signed_and_the_note_follows_unless_edited(clinic):
    records, people, client_id = clinic
    me = people["north"]
    visit_id = records.create_visit(me, client_id, {"visit_date": TODAY, "case": a_visit_case()})
    changed = a_visit_case() | {"neuro": {"motor": {"ankle_plantarflexion": {"left": "weak"}}, "reflexes": {"achilles": {"left": "reduced"}}}}
    assert records.update_findings(me, visit_id, {"visit_date": TODAY, "case": changed}) is True
    visit = records.get_visit(me, visit_id)
    assert visit.assessment["nerve_roots"][0]["root"] == "S1" and "plantarflexion left weak" in visit.soap_objective
    records.save_soap(me, visit_id, {"subjective": visit.soap_subjective, "objective": "my own words", "assessment": "",
                                     "plan": "", "treatment_given": ""})
    assert records.update_findings(me, visit_id, {"visit_date": TODAY, "case": a_visit_case()}) is False
    visit = records.get_visit(me, visit_id)
    assert visit.soap_objective == "my own words" and visit.assessment["nerve_roots"] == []
    with pytest.raises(Forbidden):
        records.update_findings(people["north_admin"], visit_id, {"visit_date": TODAY, "case": a_visit_case()})
    records.sign(me, visit_id)
    with pytest.raises(Locked):
        records.update_findings(me, visit_id, {"visit_date": TODAY, "case": changed})


def test_the_handout_takes_only_what_the_findings_allow(clinic):
    records, people, client_id = clinic
    me = people["north"]
    extension_hurts = a_visit_case() | {"history": {"aggravating": ["extension"]}}
    visit_id = records.create_visit(me, client_id, {"visit_date": TODAY, "case": extension_hurts})
    engine_choice = [s["id"] for s in records.get_visit(me, visit_id).assessment["self_care"]]
    records.set_handout(me, visit_id, ["sitting_breaks", engine_choice[0]])
    assert records.get_visit(me, visit_id).handout_items == ["sitting_breaks", engine_choice[0]]
    with pytest.raises(FieldErrors) as refused:
        records.set_handout(me, visit_id, ["prone_on_elbows"])  # extension would aggravate
    assert "Prop up on your elbows" in refused.value.errors["handout"]
    with pytest.raises(FieldErrors):
        records.set_handout(me, visit_id, ["no_such_exercise"])
    emergency = records.create_visit(me, client_id, {"visit_date": TODAY, "case": {"symptoms": {"saddle_anaesthesia": True}}})
    with pytest.raises(FieldErrors):
        records.set_handout(me, emergency, ["stay_active"])  # no self-care before a doctor has seen the client


def test_clinic_details_are_for_admins_and_checked(clinic):
    records, people, _ = clinic
    with pytest.raises(Forbidden):
        records.update_clinic(people["north"], {"name": "Mine now"})
    with pytest.raises(FieldErrors) as refused:
        records.update_clinic(people["north_admin"], {"name": "North", "timezone": "Mars/Olympus", "phone": "call us"})
    assert set(refused.value.errors) == {"timezone", "phone"}
    details = records.update_clinic(people["north_admin"], {"name": "North Clinic", "address": "1 High St", "phone": "+44 1234 567",
                                                            "email": "desk@northclinic.org", "timezone": "Europe/London"})
    assert details.contact_line == "1 High St · +44 1234 567 · desk@northclinic.org" and details.zone.key == "Europe/London"
    assert records.clinic_details(people["south"]).timezone == "UTC"


def test_the_models_match_the_migrations(database_url):
    """Every table and column the code declares is what the migrations build."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from backcare.storage.db import upgrade
    from backcare.storage.models import Base

    upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    # The search index (FTS5 table on SQLite, trigram index on PostgreSQL) is the migrations' own.
    differences = [d for d in differences if "clients_search" not in str(d) and "trgm" not in str(d)]
    assert differences == []


# --- the form and its words -------------------------------------------------------------

structures = st.sampled_from(sorted(vocabulary().structures))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["hypertonic", "trigger_points", "tender"]),
                       st.dictionaries(structures, st.sampled_from([["left"], ["right"], ["left", "right"]]), min_size=1),
                       min_size=1))
def test_palpation_by_side_survives_the_form_and_back(sides):
    case = {"palpation": {kind: list(by_structure) for kind, by_structure in sides.items()}}
    values = form_values(case, {"palpation_sides": sides})
    form = FormData([(name, v) for name, value in values.items() for v in value])
    parsed, details, errors = case_from_form(form)
    assert errors == {} and parsed == case and details == {"palpation_sides": sides}


def test_messages_name_fields_in_the_form_words_never_a_path():
    assert friendly("symptoms.pain_nrs", "15 is out of range (input should be less than or equal to 10)") == "Enter a number from 0 to 10"
    assert friendly("history.mechanism", "is too long; keep it under 500 characters") == "Keep this under 500 characters"
    assert label("special_tests.slr.left") == "Straight leg raise, left"
    assert label("special_tests.si_distraction") == "SI distraction"
    assert label("neuro.reflexes.achilles.right") == "Achilles tendon reflex, right"
    assert label("rom.side_bending_left.passive") == "Side bending left, passive range"
    for name in ("symptoms.pain_nrs", "palpation.tender", "medical.cancer_history", "pain_mechanism_criteria.diffuse_tenderness"):
        assert "_" not in label(name) and "." not in label(name)


# --- pages over HTTP ----------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Vic Visit", "medical": {"cancer_history": False}})
    case = a_visit_case() | {"special_tests": {"slr": {"left": "positive"}},
                             "neuro": {"motor": {"ankle_plantarflexion": {"left": "weak"}}}}
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": case})
    return {"url": url, "records": records, "people": people, "client_id": client_id, "visit_id": visit_id}


def test_a_failed_save_explains_each_field_once_beside_it(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    response = browser.post(f"/clients/{site['client_id']}/visits/new", data={
        "csrf_token": csrf, "visit_date": TODAY, "symptoms.pain_nrs": "15", "special_tests.slr.left": "positve"})
    assert response.status_code == 422
    assert response.text.count("Enter a number from 0 to 10") == 1
    assert 'id="symptoms.pain_nrs-error">Enter a number from 0 to 10' in response.text
    assert 'id="special_tests.slr.left-error">Choose one of the options offered' in response.text
    assert '<a href="#symptoms.pain_nrs">Pain now (0-10)</a>' in response.text  # the summary names, the field explains
    assert "symptoms.pain nrs" not in response.text and "input should be" not in response.text


def test_an_empty_amendment_is_explained_once(site):
    records, me = site["records"], site["people"]["north"]
    records.sign(me, site["visit_id"])
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    response = browser.post(f"/visits/{site['visit_id']}/amend", data={"csrf_token": csrf, "amendment": "  "})
    assert response.status_code == 422 and response.text.count("Write the correction") == 1


def test_the_visit_page_speaks_plainly(site):
    browser = make_client(site["url"])
    browser.headers["Accept-Language"] = "en-US,en;q=0.9"
    login(browser, "ther@north.test")
    page = browser.get(f"/visits/{site['visit_id']}").text
    visit = site["records"].get_visit(site["people"]["north"], site["visit_id"])
    assert visit.kb_version not in page and "knowledge base" not in page.lower()
    assert not re.search(r"confidence \d", page)
    assert not re.search(r"\bslr\b", page)
    assert "Straight leg raise" in page and "Pain map" in page and "Plantarflexion" in page
    today = date.today()
    assert f"{today.day} {today:%b} {today.year}" in page  # the clinic's locale (British by default), month in words
    assert today.strftime("%-m/%-d/%Y") not in page  # never the browser's all-number form
    assert 'target="_blank"' in page


def test_the_client_page_tells_not_asked_from_no(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{site['client_id']}").text
    asked_no, never = 1, len(vocabulary().medical_history) - 1
    assert f"{asked_no} answered no" in page and f"{never} not asked" in page
    assert "nothing flagged" not in page


def test_autosave_answers_json_even_when_the_session_has_ended(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    url = f"/clients/{site['client_id']}/visits/new/draft"
    saved = browser.post(url, data={"csrf_token": csrf, "client.age": "33", "draft_version": "0"}, headers={"Accept": "application/json"})
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = browser.post(url, data={"csrf_token": csrf, "client.age": "34", "draft_version": "7"}, headers={"Accept": "application/json"})
    assert stale.status_code == 409 and stale.json()["conflict"] == "draft"
    form = browser.get(f"/clients/{site['client_id']}/visits/new").text
    assert 'value="33"' in form and "continuing your draft" in form
    browser.post("/logout", data={"csrf_token": csrf})
    ended = browser.post(url, data={"csrf_token": csrf, "client.age": "35"}, headers={"Accept": "application/json"})
    assert ended.status_code == 401 and ended.json()["detail"] == "Your session has ended; sign in again."


def test_a_forbidden_exercise_posted_to_the_handout_is_refused(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    site["records"].update_findings(site["people"]["north"], site["visit_id"], {
        "visit_date": TODAY, "case": a_visit_case() | {"history": {"aggravating": ["extension"]}}})
    response = browser.post(f"/visits/{site['visit_id']}/handout", data={"csrf_token": csrf, "item": ["prone_lying"]})
    assert response.status_code == 422 and "cannot go on this client" in response.text
    assert site["records"].get_visit(site["people"]["north"], site["visit_id"]).handout_items is None


def test_only_admins_edit_the_clinic_and_a_bad_zone_is_named(site):
    therapist = make_client(site["url"])
    login(therapist, "ther@north.test")
    assert therapist.get("/admin/clinic").status_code == 403
    admin = make_client(site["url"])
    csrf = login(admin, "admin@north.test")
    response = admin.post("/admin/clinic", data={"csrf_token": csrf, "name": "North", "timezone": "Nowhere/Town"})
    assert response.status_code == 422 and 'id="timezone-error">Choose a time zone from the list' in response.text
    assert csrf_of(admin.get("/admin/clinic").text)
