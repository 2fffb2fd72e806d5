"""Episodes and progress as issue 18 found them wrong (items 3 and 4), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from backcare.records import FieldErrors
from backcare.web.outcomes.charts import LABEL_GAP, Series, chart, place_labels
from backcare.web.outcomes.progress import _nprs_points
from web_support import a_visit_case, fresh_records, seed

EMERGENCY = {"symptoms": {"saddle_anaesthesia": True, "pain_sites": ["low_back"]}}
AGO = lambda days: date.today() - timedelta(days=days)  # noqa: E731


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Eve Episode"})
    return records, people["north"], client_id


def _visit(records, me, client_id, day: date, case: dict | None = None, pain: int = 6) -> int:
    case = case or a_visit_case()
    case = {**case, "symptoms": {**case.get("symptoms", {}), "pain_nrs": pain}}
    return records.create_visit(me, client_id, {"visit_date": day, "case": case})


def test_backdating_the_first_visit_moves_the_start_of_the_episode(clinic):
    records, me, client_id = clinic
    visit_id = _visit(records, me, client_id, AGO(0))
    records.update_findings(me, visit_id, {"visit_date": AGO(10), "case": {**a_visit_case(), "symptoms": {"pain_nrs": 6}}})
    assert records.episode_record(me, client_id).episode.started_on == AGO(10)


def test_goals_met_is_not_accepted_silently_after_a_referral_and_the_summary_says_so(clinic):
    records, me, client_id = clinic
    _visit(records, me, client_id, AGO(3))
    _visit(records, me, client_id, AGO(1), case=EMERGENCY)
    episode = records.episode_record(me, client_id).episode
    with pytest.raises(FieldErrors) as refused:
        records.close_episode(me, client_id, episode.id, {"reason": "goals_met", "closed_on": date.today()})
    assert "advised an emergency referral" in refused.value.errors["referral_acknowledged"]
    records.close_episode(me, client_id, episode.id, {"reason": "goals_met", "closed_on": date.today(),
                                                      "note": "Seen in the emergency department; no compression.",
                                                      "referral_acknowledged": True})
    assert records.get_client(me, client_id).discharged_on == date.today()
    # A new visit opens a new episode: the client is in care again.
    _visit(records, me, client_id, date.today())
    assert records.get_client(me, client_id).discharged_on is None


def test_the_first_of_two_same_day_pain_scores_is_the_baseline(clinic):
    records, me, client_id = clinic
    _visit(records, me, client_id, AGO(7), pain=7)
    records.record_questionnaire(me, client_id, "nprs", {"pain": 5}, answered_on=AGO(7))  # entered after the visit
    _visit(records, me, client_id, AGO(0), pain=4)
    assert _nprs_points(records.episode_record(me, client_id)) == [(AGO(7), 7.0), (AGO(0), 4.0)]


def test_the_psfs_offers_last_visits_activities_again(clinic, database_url):
    from web_support import login, make_client

    records, me, client_id = clinic
    records.record_questionnaire(me, client_id, "psfs", {"a1": {"activity": "Lifting my grandson", "rating": "3"},
                                                         "a2": {"activity": "Gardening", "rating": "5"},
                                                         "a3": {"activity": "Driving an hour", "rating": "4"}})
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{client_id}/questionnaires/new?instrument=psfs").text
    assert 'value="Lifting my grandson"' in page and 'value="Driving an hour"' in page


def test_questionnaires_from_home_are_not_shown_as_the_therapists(clinic, database_url):
    from web_support import intake_answers, login, make_client

    records, me, client_id = clinic
    token, _ = records.create_intake_link(me, client_id, ["nprs"])
    records.submit_intake(token, intake_answers())
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{client_id}/progress").text
    row = re.search(r"<tr><td>[^<]*</td><td>Pain[^<]*</td>.*?</tr>", page, re.S).group(0)
    assert "at home" in row and "therapist" not in row


def test_chart_labels_never_sit_on_each_other():
    # Baseline 6, a meaningful improvement at 4 and an expected course ending near 4: three labels in one place.
    series = Series("Pain", [(AGO(14), 6.0), (AGO(0), 5.0)], 0, 10, "worse", baseline=6.0, threshold=4.0,
                    expected=[(AGO(14), 6.0), (AGO(0), 4.1)])
    tops = sorted(float(t) for t in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*text-anchor="end"[^>]*stroke=', chart(series, "Pain")))
    assert len(tops) == 3 and all(b - a >= LABEL_GAP for a, b in zip(tops, tops[1:]))
    assert [t for _, t, _ in place_labels([(100, "a", ""), (101, "b", ""), (102, "c", "")])] == ["a", "b", "c"]


def test_scores_are_written_as_people_write_them():
    from backcare.web.filters import score

    assert [score(12.0), score(12.5), score(44.44), score(None)] == ["12", "12.5", "44.4", ""]
