"""End to end in a real headless Chromium (Debian's package, driven by Playwright)."""
from __future__ import annotations

import subprocess

from browser_support import answer, log_in, needs_chromium

pytestmark = needs_chromium


def test_a_whole_visit_from_login_to_handout(page, tmp_path):
    log_in(page)
    # Create a client.
    page.click("text=New client")
    page.fill("#name", "Robin Example")
    page.fill("#date_of_birth", "1984-05-06")
    page.check("input[name=consent_given]")
    page.fill("#consent_date", "2026-01-10")
    page.click("button:has-text('Save client')")
    page.wait_for_url("**/clients/*")
    assert page.locator("h1").inner_text() == "Robin Example"

    # Record a visit: screening, body chart clicks, a neurological exam.
    page.click("text=New visit")
    for flag in ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction", "progressive_weakness"):
        answer(page, f"symptoms.{flag}", "no")
    for region in ("buttock_left", "posterior_thigh_left", "calf_left"):
        page.click(f'svg[data-view=back] rect[data-region="{region}"]')
    page.click('button[data-layer="neuro.sensory.reduced"]')
    page.click('svg[data-view=back] rect[data-region="lateral_foot_left"]')
    assert page.locator('input[name="neuro.sensory.reduced"][value="lateral_foot_left"]').is_checked()
    assert page.locator('input[name="symptoms.pain_sites"][value="calf_left"]').is_checked()
    answer(page, "neuro.motor.ankle_plantarflexion.left", "weak")
    answer(page, "neuro.reflexes.achilles.left", "reduced")
    answer(page, "special_tests.slr.left", "positive")
    panel = page.locator("#assessment-panel")
    panel.locator("strong.root", has_text="S1 left").wait_for()
    assert "Lumbar disc herniation" in panel.inner_text() or "Lumbar radiculopathy" in panel.inner_text()
    assert "Plan withdrawn" not in panel.inner_text()

    # A red flag: the referral appears and the plan is withdrawn.
    answer(page, "symptoms.bladder_dysfunction", "yes")
    panel.locator(".redflags", has_text="EMERGENCY").wait_for()
    assert "Plan withdrawn: no hands-on treatment today." in panel.inner_text()
    assert panel.locator(".techniques").count() == 0
    answer(page, "symptoms.bladder_dysfunction", "no")
    panel.locator(".techniques").wait_for()

    # Save, then sign the SOAP note; a signed note can no longer be edited.
    page.click("button:has-text('Save visit')")
    page.wait_for_url("**/visits/*")
    assert "S1 left" in page.locator("aside").inner_text()
    assert "Pain: buttock, posterior thigh, calf (left)." in page.locator("#subjective").input_value()
    page.fill("#plan", page.locator("#plan").input_value() + "\nReview in one week.")
    page.once("dialog", lambda dialog: dialog.accept())  # signing asks first: it cannot be undone
    page.click("button:has-text('Save and sign')")
    page.locator(".badge", has_text="signed").wait_for()
    assert page.locator("textarea#subjective").count() == 0
    assert "Review in one week." in page.locator("[data-section=soap_plan]").inner_text()
    visit_url = page.url.split("#")[0].split("?")[0]
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(visit_url + "/soap", form={"csrf_token": csrf, "subjective": "rewritten"})
    assert refused.status == 409
    page.fill("#amendment", "Achilles reflex rechecked: reduced.")
    page.click("button:has-text('Add amendment')")
    page.locator(".locked", has_text="Achilles reflex rechecked").wait_for()

    # The handout is a valid PDF that names the exercises.
    handout = page.request.get(visit_url + "/handout.pdf")
    assert handout.status == 200 and handout.headers["content-type"] == "application/pdf"
    (tmp_path / "handout.pdf").write_bytes(handout.body())
    text = subprocess.run(["pdftotext", str(tmp_path / "handout.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Your home care plan" in text and "Prop up on your elbows" in text and "Stay active within comfort" in text


def test_the_client_list_search_filters_as_you_type(page):
    log_in(page)
    page.goto("/clients")
    page.fill("#q", "zzz-nobody")
    page.locator("#client-rows", has_text="No client matches").wait_for()
    page.fill("#q", "")
    page.click("label.seg-opt:has-text('discharged')")  # who to show: one tap, the search stays
    page.locator("#client-rows", has_text="No client discharged").wait_for()
    assert "status=discharged" in page.url


def test_keyboard_users_can_mark_the_body_chart(page, server):
    log_in(page)
    page.click("text=New client")
    page.fill("#name", "Kim Keyboard")
    page.click("button:has-text('Save client')")
    page.click("text=New visit")
    region = page.locator('svg[data-view=back] rect[data-region="low_back"]')
    region.focus()
    page.keyboard.press("Space")
    assert region.get_attribute("aria-checked") == "true"
    assert page.locator('input[name="symptoms.pain_sites"][value="low_back"]').is_checked()


def test_the_api_docs_work_without_internet(page):
    page.goto("/api/docs")
    page.locator(".swagger-ui", has_text="/api/assess").wait_for()


def test_the_pain_mechanism_checklist_shows_what_other_findings_imply(page):
    log_in(page)
    page.click("text=New client")
    page.fill("#name", "Mo Mechanism")
    page.click("button:has-text('Save client')")
    page.click("text=New visit")
    page.eval_on_selector_all("#section-mechanism details", "els => els.forEach(d => d.open = true)")
    # A positive slump test is read as a neurodynamic provocation, and the hint says where it came from.
    answer(page, "special_tests.slump.left", "positive")
    hint = page.locator("#derived-neurodynamic_provocation")
    hint.locator("strong", has_text="yes").wait_for()
    assert "from the nerve tension tests" in hint.inner_text()
    # Recording the nociplastic cluster gives that verdict and a calming plan.
    for cid in ("nonmechanical_unpredictable", "disproportionate_to_injury", "maladaptive_psychosocial", "diffuse_tenderness"):
        answer(page, f"pain_mechanism_criteria.{cid}", "yes")
    panel = page.locator("#assessment-panel")
    panel.locator("text=Nociplastic dominates").wait_for()
    panel.locator("text=Sensitised nervous system").first.wait_for()


def test_a_flagged_condition_leads_the_panel_and_the_tablet_status_bar(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 820, "height": 1180})
    page = context.new_page()
    log_in(page)
    page.click("text=New client")
    page.fill("#name", "Flo Flagged")
    page.click("button:has-text('Save client')")
    page.click("text=New visit")
    answer(page, "symptoms.saddle_anaesthesia", "yes")
    bar = page.locator(".status-bar")
    bar.locator("text=suspected Cauda equina syndrome").wait_for()
    assert bar.inner_text().startswith("Referral EMERGENCY")
    assert page.locator("#assessment-panel tr.flagged", has_text="Cauda equina syndrome").count() == 1
    context.close()
