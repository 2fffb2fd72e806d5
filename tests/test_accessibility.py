"""axe-core (from the npm registry: tests/axe) on every page of the app, at desktop and tablet size.

No serious or critical violation is allowed. The pages are visited in the
states a therapist sees them: a form with marks and a mistyped value, a visit
with its handout chooser, a signed note, the tablet's open assessment panel.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser_support import answer, log_in, needs_chromium, new_client

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [needs_chromium, pytest.mark.skipif(not AXE.exists(), reason="run `make test` (npm ci in tests/axe) first")]
VISIT_PAGE = re.compile(r"/visits/\d+(\?.*)?$")
SIZES = {"desktop": (1366, 900), "tablet": (820, 1180)}


def violations(page) -> list[str]:
    # From the top of the page: axe counts a button scrolled under the sticky section bar as obscured,
    # wherever the last step left the page (anchors and focus land below the bar: scroll-padding-top).
    page.evaluate("window.scrollTo(0, 0)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return found


@pytest.fixture(scope="module")
def visits(browser, server):
    """A client with a signed visit and an unsigned one, made through the pages."""
    context = browser.new_context(base_url=server)
    page = context.new_page()
    log_in(page, "ther@north.test")
    client = new_client(page, "Alma Access")
    made = []
    for sign in (True, False):
        page.goto(client + "/visits/new")
        page.click("#section-screening [data-quick=normal]")
        page.fill('input[name="symptoms.pain_nrs"]', "5")
        page.click('svg[data-view=back] rect[data-region="buttock_left"]')
        answer(page, "neuro.motor.ankle_plantarflexion.left", "weak")
        page.click("button:has-text('Save visit')")
        page.wait_for_url(VISIT_PAGE)
        made.append(page.url.split("?")[0].removeprefix(server))
        if sign:
            page.once("dialog", lambda d: d.accept())
            page.click("button:has-text('Save and sign')")
            page.locator(".badge", has_text="signed").wait_for()
    # A questionnaire for the progress page, and a visit that advised referral for the letter.
    page.goto(client + "/questionnaires/new?instrument=odi")
    for section in ("pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping", "social_life", "travelling"):
        page.check(f'input[name="a.{section}"][value="2"]')
    page.click("button:has-text('Save Disability (ODI)')")
    page.wait_for_url("**/progress?done=odi")
    page.goto(client + "/visits/new")
    answer(page, "symptoms.saddle_anaesthesia", "yes")
    page.click("button:has-text('Save visit')")
    page.wait_for_url(VISIT_PAGE)
    referral = page.url.split("?")[0].removeprefix(server)
    links = []
    for _ in range(2):  # one to look at, one to send
        page.goto(client + "/intake")
        page.click("button:has-text('Make the link')")
        links.append(re.sub(r"^https?://[^/]+", "", page.input_value("#intake-url")))
    context.close()
    return {"client": client, "signed": made[0], "unsigned": made[1], "referral": referral, "intake": links}


def _intake_sent(page, visits):
    page.goto(visits["intake"][1])
    for question in ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction", "progressive_weakness"):
        page.check(f'input[name="screening.{question}"][value="{"yes" if question == "saddle_anaesthesia" else "no"}"]')
    page.check('input[name="consent"][value="yes"]')
    page.click("button:has-text('Send my answers')")
    page.wait_for_load_state("networkidle")


def _client_mode(page, visits):
    page.goto(visits["client"] + "/questionnaires/new?instrument=start_back")
    page.click("button:has-text('Hand the tablet to the client')")
    page.wait_for_url("**/client-mode")


def _new_visit_in_progress(page, visits):
    page.goto(visits["client"] + "/visits/new")
    page.click('svg[data-view=back] rect[data-region="calf_left"]')
    page.click('button[data-layer="symptoms.numbness_sites"]')
    page.click('svg[data-view=back] rect[data-region="calf_left"]')
    page.fill('input[name="symptoms.pain_nrs"]', "15")
    page.locator(".live-error").wait_for()


def _panel_open(page, visits):
    _new_visit_in_progress(page, visits)
    if page.viewport_size["width"] <= 900:
        page.click("#status-bar")
        page.wait_for_timeout(300)


THERAPIST_PAGES = {
    "today": lambda page, v: page.goto("/today"),
    "clients": lambda page, v: page.goto("/clients"),
    "follow-up started from the last visit": lambda page, v: page.goto(v["client"] + "/visits/new?from=last"),
    "new client": lambda page, v: page.goto("/clients/new"),
    "client": lambda page, v: page.goto(v["client"]),
    "edit client": lambda page, v: page.goto(v["client"] + "/edit"),
    "new visit in progress": _new_visit_in_progress,
    "assessment panel open": _panel_open,
    "visit, unsigned, with handout": lambda page, v: page.goto(v["unsigned"]),
    "visit, signed": lambda page, v: page.goto(v["signed"]),
    "change findings": lambda page, v: page.goto(v["unsigned"] + "/edit"),
    "treatment form": lambda page, v: page.goto(v["unsigned"] + "/treatment"),
    "password": lambda page, v: page.goto("/account/password"),
    "not found": lambda page, v: page.goto("/visits/999999"),
    "progress": lambda page, v: page.goto(v["client"] + "/progress"),
    "questionnaire (sections)": lambda page, v: page.goto(v["client"] + "/questionnaires/new?instrument=odi"),
    "questionnaire (activities)": lambda page, v: page.goto(v["client"] + "/questionnaires/new?instrument=psfs"),
    "questionnaire (scale)": lambda page, v: page.goto(v["client"] + "/questionnaires/new?instrument=nprs"),
    "visit with a referral": lambda page, v: page.goto(v["referral"]),
    "referral letter": lambda page, v: page.goto(v["referral"] + "/referral-letter"),
    "intake link": lambda page, v: page.goto(v["client"] + "/intake"),
    "client mode (last: it keeps the tablet)": _client_mode,
}
# The client's own pages, with no account.
CLIENT_PAGES = {
    "intake form": lambda page, v: page.goto(v["intake"][0]),
    "intake sent (emergency)": _intake_sent,
    "intake link used": lambda page, v: page.goto(v["intake"][1]),
}
ADMIN_PAGES = {
    "export": lambda page, v: page.goto("/admin/export"),
    "users": lambda page, v: page.goto("/admin/users"),
    "clinic": lambda page, v: page.goto("/admin/clinic"),
    "audit log": lambda page, v: page.goto("/admin/audit"),
    "retention queue": lambda page, v: page.goto("/admin/retention"),
    "breach register": lambda page, v: page.goto("/admin/breaches"),
}


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_violation_on_any_page(browser, server, visits, size):
    width, height = SIZES[size]
    found: dict[str, list[str]] = {}
    pages_of = ((None, {"login": lambda page, v: page.goto("/login")}), ("ther@north.test", THERAPIST_PAGES),
                ("admin@north.test", ADMIN_PAGES))
    if size == "desktop":  # the client's pages once: a phone-sized run of them follows
        pages_of += ((None, CLIENT_PAGES),)
    for email, pages in pages_of:
        # The app's strict Content-Security-Policy refuses injected scripts; axe is injected.
        context = browser.new_context(base_url=server, viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        if email:
            log_in(page, email)
        for name, visit in pages.items():
            visit(page, visits)
            page.wait_for_load_state("networkidle")
            if problems := violations(page):
                found[name] = problems
        context.close()
    assert found == {}, json.dumps(found, indent=1)


def test_the_client_intake_on_a_phone_has_no_serious_violation(browser, server, visits):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, bypass_csp=True, is_mobile=True)
    page = context.new_page()
    page.goto(visits["intake"][0])
    problems = violations(page)
    context.close()
    assert problems == []
