"""The pre-visit intake in a real Chromium, on a phone (390 x 844), and back on the therapist's screen."""
from __future__ import annotations

import re

from backcare.clinical.knowledge.runtime import load_knowledge
from browser_support import answer_of, log_in, needs_chromium, new_client, watched

pytestmark = needs_chromium
SCREENING = list(load_knowledge().intake["screening"])


def _phone(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    errors: list[str] = []
    return watched(context.new_page(), errors), errors


def _make_link(page, name: str) -> tuple[str, str]:
    log_in(page)
    client = new_client(page, name)
    page.goto(client + "/intake")
    page.click("button:has-text('Make the link')")
    url = page.input_value("#intake-url")
    assert page.locator(".qr-figure svg").count() == 1
    return client, re.sub(r"^https?://[^/]+", "", url)


def test_an_intake_sent_from_a_phone_arrives_and_fills_the_next_visit(page, browser, server):
    client, path = _make_link(page, "Petra Phone")
    phone, errors = _phone(browser, server)
    phone.goto(path)
    assert phone.locator("h1").inner_text() == "Hello Petra"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391  # nothing wider than the phone
    for question in SCREENING:
        phone.locator(f'input[name="screening.{question}"][value="no"]').check()
    phone.locator('.scale-choice:has(input[name="pain_nrs"][value="5"])').tap()
    phone.fill("#pain_weeks", "2")
    for region in ("low_back", "buttock_left"):
        phone.locator(f'svg[data-view=back] rect[data-region="{region}"]').tap()
    phone.click('button[data-layer="paresthesia_sites"]')
    phone.locator('svg[data-view=back] rect[data-region="calf_left"]').tap()
    phone.locator('input[name="medical.osteoporosis"][value="no"]').check()
    assert phone.locator('input[name="q.nprs.pain"]').count() == 0  # pain 0-10 is asked once, above
    phone.locator('input[name="consent"][value="yes"]').check()
    phone.click("button:has-text('Send my answers')")
    phone.locator("h1", has_text="Thank you, Petra").wait_for()
    phone.context.close()
    assert errors == []

    page.goto(client)
    card = page.locator("section.intake-received")
    assert "no red flag" in card.inner_text() and "Pain now 5/10, for 2 weeks" in card.inner_text()
    card.locator("text=Start the visit from these answers").click()
    assert page.input_value('input[name="symptoms.pain_nrs"]') == "5"
    assert page.input_value('input[name="history.duration_days"]') == "14"
    assert answer_of(page, "symptoms.saddle_anaesthesia") == "no"
    assert answer_of(page, "medical.osteoporosis") == "no"
    assert page.locator('svg[data-view=back] rect[data-region="buttock_left"]').get_attribute("aria-checked") == "true"
    assert page.is_checked('input[name="symptoms.paresthesia_sites"][value="calf_left"]')
    screening = page.locator("#section-screening")
    assert screening.locator(".note-intake").is_visible() and "carried" in screening.get_attribute("class")
    for section in ("screening", "history", "pain-map"):
        page.click(f'[data-confirm="{section}"]')
    page.click("button:has-text('Save visit') >> nth=0")
    page.wait_for_url(re.compile(r"/visits/\d+\?done=saved"))
    page.goto(client)
    assert page.locator("section.intake-received").count() == 0  # taken up by the visit


def test_an_emergency_answer_shows_what_to_do_at_once(page, browser, server):
    _, path = _make_link(page, "Eddie Emergency")
    phone, errors = _phone(browser, server)
    phone.goto(path)
    warning = phone.locator("#emergency-now")
    assert not warning.is_visible()
    phone.locator('input[name="screening.saddle_anaesthesia"][value="yes"]').check()
    warning.wait_for(state="visible")  # before anything is sent
    assert "Go to an emergency department now" in warning.inner_text()
    for question in SCREENING[1:]:
        phone.locator(f'input[name="screening.{question}"][value="no"]').check()
    phone.locator('input[name="consent"][value="yes"]').check()
    phone.click("button:has-text('Send my answers')")
    phone.locator("h1", has_text="Please go to an emergency department now").wait_for()
    phone.context.close()
    assert errors == []
    page.goto("/clients")
    assert "Eddie Emergency" in page.locator(".attention").inner_text()
