"""The home programme in a real Chromium: the therapist sends the link from a visit's handout, the
client on a phone (390 x 844) ticks an exercise and answers the weekly check-in, an emergency
answer shows what to do before anything is sent and again after, and the therapist's client list
flags it until acknowledged; axe-core on every page of the journey."""
from __future__ import annotations

import re

import pytest

from backcare.clinical.knowledge.runtime import load_knowledge
from browser_support import log_in, needs_chromium, new_client, watched
from test_accessibility import AXE, violations

pytestmark = [needs_chromium, pytest.mark.skipif(not AXE.exists(), reason="run `make test` (npm ci in tests/axe) first")]
SCREENING = list(load_knowledge().intake["screening"])


def _phone(browser, server):
    # Axe is injected as a script of its own, so the page's script policy is set aside in this context only.
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  bypass_csp=True)
    return watched(context.new_page(), [])


def test_a_client_follows_the_programme_on_a_phone_and_an_emergency_reaches_the_therapist(page, browser, server):
    found: dict[str, list[str]] = {}
    log_in(page)
    client = new_client(page, "Paula Phone")
    page.goto(client + "/visits/new")
    page.click("#section-screening [data-quick=normal]")
    page.fill('input[name="symptoms.pain_nrs"]', "5")
    page.click('svg[data-view=back] rect[data-region="low_back"]')
    page.click("button:has-text('Save visit')")
    page.wait_for_url(re.compile(r"/visits/\d+"))
    page.goto(client + "/homecare")
    page.click("button:has-text('Make the link')")
    assert page.locator(".qr-figure svg").count() == 1 and "Hello Paula" in page.input_value("#home-message")
    path = re.sub(r"^https?://[^/]+", "", page.input_value("#home-url"))

    phone = _phone(browser, server)
    phone.goto(path)
    assert phone.locator("h1").inner_text() == "Hello Paula"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391  # nothing wider than the phone
    assert phone.locator("li.exercise svg.exercise").count() >= 1  # the drawings
    found["programme"] = violations(phone)
    first = phone.locator("li.exercise").first
    title = first.locator("h3").inner_text()
    first.locator("button:has-text('Done today')").tap()
    phone.wait_for_url(re.compile(r"\?done="))
    assert phone.locator(".today-count").inner_text().startswith("1 of")
    assert phone.locator("li.exercise.done h3").first.inner_text() == title

    warning = phone.locator("#emergency-now")
    assert not warning.is_visible()
    phone.locator('input[name="screening.saddle_anaesthesia"][value="yes"]').check()
    warning.wait_for(state="visible")  # before anything is sent
    assert "Go to an emergency department now" in warning.inner_text()
    found["emergency shown"] = violations(phone)
    for question in SCREENING[1:]:
        phone.locator(f'input[name="screening.{question}"][value="no"]').check()
    phone.locator('.scale-choice:has(input[name="pain_nrs"][value="6"])').tap()
    phone.locator('.scale-choice:has(input[name="exercise_days"][value="3"])').tap()
    phone.locator("fieldset.felt").first.locator('input[value="hurt"]').check()
    phone.click("button:has-text('Send my check-in')")
    phone.locator("h1", has_text="Please go to an emergency department now").wait_for()  # and again after
    found["check-in sent"] = violations(phone)
    phone.context.close()
    assert phone.console_errors == []

    page.goto("/clients")
    alert = page.locator(".check-in-alerts")
    assert "Paula Phone" in alert.inner_text() and "EMERGENCY" in alert.inner_text()
    page.goto(client + "/homecare")
    weeks = page.locator("table.weeks-table").inner_text()
    assert "6/10" in weeks and f"{title}: it hurt" in weeks
    page.click("button:has-text('Acknowledge')")
    page.wait_for_url(re.compile(r"done=acknowledged"))
    page.goto("/clients")
    assert page.locator(".check-in-alerts").count() == 0
    for size, (width, height) in {"desktop": (1366, 900), "tablet": (820, 1180)}.items():
        context = browser.new_context(base_url=page.url.split("/clients")[0], viewport={"width": width, "height": height},
                                      storage_state=page.context.storage_state(), bypass_csp=True)
        therapist = context.new_page()
        therapist.goto(client + "/homecare")
        found[f"therapist's page ({size})"] = violations(therapist)
        therapist.goto(client)
        therapist.click("ol.timeline a")
        therapist.locator("#programme select").first.wait_for()
        found[f"visit with its programme ({size})"] = violations(therapist)
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
