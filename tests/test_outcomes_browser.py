"""Outcomes in a real Chromium: questionnaires at three visits, the progress page, and the
tablet handed to the client in client mode."""
from __future__ import annotations

from datetime import date, timedelta

from backcare.records import Records
from backcare.storage.db import make_engine, make_sessionmaker
from browser_support import log_in, needs_chromium
from web_support import PASSWORD

pytestmark = needs_chromium

ODI = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping", "social_life", "travelling"]


def _client_with_visits(database: str) -> tuple[int, list[int]]:
    """A client seen three times over seven weeks, pain falling 8 -> 6 -> 4 (made directly in the records)."""
    records = Records(make_sessionmaker(make_engine(database)))
    me = records.authenticate("ther@north.test", PASSWORD)
    client_id = records.create_client(me, {"name": "Quin Questionnaire"})
    visits = []
    for days_ago, pain in ((49, 8), (21, 6), (0, 4)):
        case = {"history": {"duration_days": 14}, "symptoms": {"pain_nrs": pain, "pain_sites": ["low_back"],
                                                               "saddle_anaesthesia": False, "bladder_dysfunction": False,
                                                               "bowel_dysfunction": False, "progressive_weakness": False}}
        visits.append(records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=days_ago), "case": case}))
    return client_id, visits


def test_questionnaires_at_three_visits_make_the_progress_page(page, database):
    client_id, visits = _client_with_visits(database)
    log_in(page)
    for visit_id, level in zip(visits, ("3", "2", "1")):
        page.goto(f"/clients/{client_id}/questionnaires/new?instrument=odi&visit={visit_id}")
        for section in ODI:
            page.check(f'input[name="a.{section}"][value="{level}"]')
        page.click("button:has-text('Save Disability (ODI)')")
        page.wait_for_url(f"**/clients/{client_id}/progress?done=odi")
    assert page.locator("#done").inner_text() == "Disability (ODI) saved."
    charts = page.locator("svg.progress-chart")
    assert charts.count() == 2
    odi = page.locator("article.measure", has_text="Oswestry")
    assert "meaningful improvement" in odi.inner_text() and "From 60" in odi.inner_text() and "to 20" in odi.inner_text()
    pain = page.locator("article.measure", has_text="Numeric Pain Rating Scale")
    assert "meaningful improvement" in pain.inner_text()
    assert "Expected by now for acute low back pain" in pain.inner_text() and "On track" in pain.inner_text()
    assert pain.locator("svg polyline[stroke-dasharray='1 4']").count() == 1  # the expected course is drawn
    assert "Menezes Costa" in page.locator(".cite").inner_text()
    assert page.locator(".not-on-track").count() == 0
    assert page.get_attribute("a:has-text('Progress report')", "target") == "_blank"


def test_the_client_mode_keeps_the_record_out_of_reach_until_the_pin(tablet, database):
    client_id, visits = _client_with_visits(database)
    log_in(tablet)
    tablet.goto("/account/password")
    tablet.fill("#pin_password", PASSWORD)
    tablet.fill("#pin_value", "4826")
    tablet.click("button:has-text('Set PIN')")
    tablet.locator("text=Your PIN is set.").wait_for()

    tablet.goto(f"/clients/{client_id}/questionnaires/new?instrument=nprs&visit={visits[-1]}")
    tablet.click("button:has-text('Hand the tablet to the client')")
    tablet.wait_for_url("**/client-mode")
    assert tablet.locator("h1").inner_text() == "Hello Quin"
    assert tablet.locator("header nav").count() == 0 and "Questionnaire" not in tablet.locator("header").inner_text()
    assert float(tablet.evaluate("parseFloat(getComputedStyle(document.querySelector('.client-sheet')).fontSize)")) >= 20
    # Nothing else of the record: not by address, not by going back.
    for elsewhere in (f"/clients/{client_id}", f"/visits/{visits[0]}", "/clients"):
        tablet.goto(elsewhere)
        assert tablet.url.endswith("/client-mode"), elsewhere
    tablet.go_back()
    assert tablet.url.endswith("/client-mode")
    tablet.locator(".scale-choice", has_text="3").first.click()
    tablet.click("button:has-text('Done: save my answers')")
    tablet.locator("h1", has_text="Thank you, Quin").wait_for()
    tablet.fill("#secret", "1111")
    tablet.click("button:has-text('Unlock')")
    tablet.locator("#secret-error", has_text="4 tries left").wait_for()
    assert tablet.url.endswith("/client-mode/unlock") or "client-mode" in tablet.url
    tablet.fill("#secret", "4826")
    tablet.click("button:has-text('Unlock')")
    tablet.wait_for_url(f"**/visits/{visits[-1]}?done=client-mode")
    assert tablet.locator("header nav").count() == 1
    tablet.goto(f"/clients/{client_id}/progress")
    assert "the client, on the tablet" in tablet.locator("main").inner_text()
    # The wrong PIN answered 401, as it should.
    tablet.console_errors[:] = [e for e in tablet.console_errors if "status of 401" not in e]
