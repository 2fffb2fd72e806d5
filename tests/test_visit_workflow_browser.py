"""The visit a therapist can live in, in a real Chromium: nothing typed is lost, the form fits
the treatment room, and the tablet keeps the verdict in reach."""
from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import create_engine, text

from backcare.web.body_chart import SHAPES
from browser_support import answer, answer_of, log_in, needs_chromium, new_client

pytestmark = needs_chromium

VISIT_PAGE = re.compile(r"/visits/\d+(\?.*)?$")
SCREENING = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction", "progressive_weakness")


def end_every_session(database_url: str) -> None:
    """What an idle timeout does, at once: every session row goes."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM login_sessions"))
    engine.dispose()


def wait_saved(page) -> None:
    page.locator("#autosave-status", has_text="Draft saved").wait_for()


def screen_all_no(page) -> None:
    page.click("#section-screening [data-quick=normal]")


def test_typing_survives_an_ended_session_and_comes_back_after_signing_in(page, database):
    log_in(page)
    client = new_client(page, "Ada Autosave")
    page.goto(client + "/visits/new")
    screen_all_no(page)
    page.fill('input[name="symptoms.pain_nrs"]', "6")
    page.click('svg[data-view=back] rect[data-region="buttock_left"]')
    page.fill('textarea[name="history.mechanism"]', "lifted a sofa")
    wait_saved(page)
    page.click("summary:has-text('Signs of an upper motor neurone lesion')")  # a part of the form sent when opened
    page.locator('input[name="special_tests.babinski.left"]').first.wait_for()

    # The session ends during a long treatment; the therapist goes on typing.
    end_every_session(database)
    page.fill("#treatment_given", "Soft tissue work to the left gluteals, 30 minutes.")
    answer(page, "neuro.reflexes.achilles.left", "reduced")
    answer(page, "special_tests.babinski.left", "positive")
    banner = page.locator(".banner", has_text="Your session has ended")
    banner.wait_for()
    # Saving now would post into a login page: the form stays, with everything in it.
    page.click("button:has-text('Save visit')")
    assert "/visits/new" in page.url

    banner.get_by_role("link", name="Sign in again").click()
    page.wait_for_url("**/login*")
    page.fill("#email", "ther@north.test")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**" + client + "/visits/new")
    # Both what reached the server and what was typed after the session ended are back, the
    # answer in the part of the form the server did not send too (it is fetched first).
    page.wait_for_function("""() => (document.querySelector('input[name="special_tests.babinski.left"][value=positive]') || {}).checked""")
    assert page.input_value('input[name="symptoms.pain_nrs"]') == "6"
    assert page.input_value('textarea[name="history.mechanism"]') == "lifted a sofa"
    assert page.input_value("#treatment_given") == "Soft tissue work to the left gluteals, 30 minutes."
    assert answer_of(page, "neuro.reflexes.achilles.left") == "reduced"
    assert page.locator('svg[data-view=back] rect[data-region="buttock_left"]').get_attribute("aria-checked") == "true"
    wait_saved(page)

    page.click("button:has-text('Save visit')")
    page.wait_for_url(VISIT_PAGE)
    assert "Visit saved" in page.locator("#done").inner_text()
    assert "Soft tissue work to the left gluteals" in page.input_value("#treatment_given")
    # The draft is gone with the save: the client page offers nothing to continue.
    page.goto(client)
    assert page.locator(".warn-box").count() == 0
    # The requests refused while the session was over are expected here, and only here.
    page.console_errors[:] = [e for e in page.console_errors if "status of 401" not in e]


def test_a_reload_or_a_closed_tab_resumes_from_the_server(page, browser, server):
    log_in(page)
    client = new_client(page, "Rory Reload")
    page.goto(client + "/visits/new")
    page.fill('input[name="client.age"]', "51")
    answer(page, "special_tests.slr.right", "positive")
    wait_saved(page)
    page.evaluate("window.sessionStorage.clear()")  # prove it is the server's draft, not the tab's copy
    page.reload()
    assert page.input_value('input[name="client.age"]') == "51"
    assert answer_of(page, "special_tests.slr.right") == "positive"
    assert "continuing your draft" in page.locator(".ok-box").inner_text()
    # Another browser of the same therapist (a closed tab, another device) finds it too.
    other = browser.new_context(base_url=server).new_page()
    log_in(other)
    other.goto(client)
    other.locator(".warn-box", has_text="unfinished new visit").locator("a").click()
    assert answer_of(other, "special_tests.slr.right") == "positive"
    other.context.close()


def test_leaving_with_unsaved_changes_asks_first(page):
    log_in(page)
    client = new_client(page, "Lee Leave")
    page.goto(client + "/visits/new")
    page.fill('input[name="symptoms.pain_nrs"]', "4")
    asked = []

    def reply(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", reply)
    # Straight away, before the autosave has been acknowledged.
    page.click("header nav >> text=Clients", no_wait_after=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert "/visits/new" in page.url
    wait_saved(page)
    page.remove_listener("dialog", reply)
    # Once the server has it, leaving is safe and does not ask.
    page.click("header nav >> text=Clients")
    page.wait_for_url("**/clients")


def _saved_visit(page, name: str) -> str:
    log_in(page)
    client = new_client(page, name)
    page.goto(client + "/visits/new")
    screen_all_no(page)
    page.fill('input[name="symptoms.pain_nrs"]', "5")
    page.click("#section-neuro [data-quick=normal]")
    answer(page, "neuro.motor.ankle_dorsiflexion.left", "weak")
    page.check('input[name="palpation.tender"][value="piriformis:left"]')
    page.click("button:has-text('Save visit')")
    page.wait_for_url(VISIT_PAGE)
    return client


def test_a_note_signed_in_another_tab_keeps_the_typed_text(page):
    _saved_visit(page, "Cass Conflict")
    visit = page.url.split("?")[0]
    other = page.context.new_page()
    other.goto(visit)
    page.fill("#plan", "Typed here while the other tab signs.")
    other.once("dialog", lambda d: d.accept())
    other.click("button:has-text('Save and sign')")
    other.locator(".badge", has_text="signed").wait_for()
    page.click("button:has-text('Save draft')")
    page.locator("#conflict").wait_for()
    assert "signed" in page.locator("#conflict").inner_text()
    assert "Typed here while the other tab signs." in page.input_value("#amendment")
    page.click("button:has-text('Add amendment')")
    page.locator(".locked", has_text="Typed here while the other tab signs.").wait_for()
    # The refused autosave and the refused save answered 409, as they should.
    page.console_errors[:] = [e for e in page.console_errors if "status of 409" not in e]


def test_the_next_visit_starts_from_the_last_one_once_confirmed(page):
    client = _saved_visit(page, "Cara Carry")
    page.goto(client + "/visits/new")
    screening = page.locator("#section-screening")
    assert screening.locator("[data-carry]").count() == 0  # red flags are asked afresh every visit
    neuro = page.locator("#section-neuro")
    neuro.locator("[data-carry=neuro]").click()
    neuro.locator(".carried-note").wait_for()  # after the signs' part of the form, which the last visit recorded, arrives
    assert answer_of(page, "neuro.motor.ankle_dorsiflexion.left") == "weak"
    assert answer_of(page, "neuro.reflexes.patellar.right") == "normal"
    assert "carried" in neuro.get_attribute("class")
    assert neuro.locator(".carried-note").is_visible()
    page.locator("#section-palpation [data-carry=palpation]").click()
    page.locator("#section-palpation .carried-note").wait_for()
    assert page.is_checked('input[name="palpation.tender"][value="piriformis:left"]')
    assert not page.is_checked('input[name="palpation.tender"][value="piriformis:right"]')

    # Not saved while carried findings are unconfirmed.
    screen_all_no(page)
    page.click("button:has-text('Save visit')")
    page.locator("#autosave-status", has_text="Confirm or change").wait_for()
    assert "/visits/new" in page.url
    neuro.locator("[data-confirm=neuro]").click()
    page.locator("#section-palpation [data-confirm=palpation]").click()
    assert not neuro.locator(".carried-note").is_visible()
    page.click("button:has-text('Save visit')")
    page.wait_for_url(VISIT_PAGE)
    assert "piriformis (left)" in page.locator("#findings").inner_text().lower()


def test_upright_tablet_opens_the_assessment_over_the_form_and_keeps_the_place(tablet):
    log_in(tablet)
    client = new_client(tablet, "Tess Tablet")
    tablet.goto(client + "/visits/new")
    panel = tablet.locator("#assessment-panel")
    bar = tablet.locator("#status-bar")
    bar.locator("text=Screening not yet asked").wait_for()  # never a green "none" before the questions
    assert not panel.is_visible() or panel.bounding_box()["x"] >= 820  # off-screen to the right
    tablet.locator("#section-neuro").scroll_into_view_if_needed()
    answer(tablet, "neuro.motor.great_toe_extension.left", "weak")
    place = tablet.evaluate("window.scrollY")
    assert place > 2000  # far down the form, where the old panel was out of reach

    bar.click()
    tablet.wait_for_timeout(300)  # the slide
    box = panel.bounding_box()
    assert box["x"] < 820 and box["x"] + box["width"] <= 821 and box["y"] <= 1 and box["height"] >= 1100
    assert panel.locator("h2", has_text="Assessment").is_visible()
    assert bar.get_attribute("aria-expanded") == "true"
    assert tablet.evaluate("window.scrollY") == place

    tablet.keyboard.press("Escape")
    tablet.wait_for_timeout(300)
    assert tablet.evaluate("window.scrollY") == place
    assert bar.get_attribute("aria-expanded") == "false"
    assert panel.bounding_box()["x"] >= 820


@pytest.mark.parametrize("size", [(820, 1180), (1180, 820), (1366, 900), (390, 844)])
def test_every_body_chart_region_is_a_finger_sized_target(browser, server, size):
    context = browser.new_context(base_url=server, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    log_in(page)
    page.goto(new_client(page, f"Hit Target {size[0]}") + "/visits/new")
    boxes = page.eval_on_selector_all("[data-body-chart] svg .region", "els => els.map(e => e.getBoundingClientRect())"
                                      ".map(r => [r.width, r.height])")
    context.close()
    assert len(boxes) == len(SHAPES) == 60
    smallest = min(min(w, h) for w, h in boxes)
    assert smallest >= 44, f"smallest region {smallest:.1f} px at {size}"


def test_the_chart_shows_every_layer_its_legend_colours_and_labels(page):
    log_in(page)
    page.goto(new_client(page, "Lena Layers") + "/visits/new")
    region = page.locator('svg[data-view=back] rect[data-region="calf_left"]')
    region.click()  # pain
    page.click('button[data-layer="symptoms.numbness_sites"]')
    region.click()
    assert "multi" in region.get_attribute("class")
    dots = page.locator('svg[data-view=back] .dots[data-for="calf_left"] .dot.on')
    assert dots.count() == 2
    assert page.get_attribute('svg[data-view=back] .dots[data-for="calf_left"] .dot.on >> nth=1', "class").endswith("numbness")
    assert region.get_attribute("aria-label") == "calf, left: Pain, Numbness"
    # A tap names the region on the chart and under it: a finger on the region hides what it covers.
    assert page.locator("[data-region-named]").inner_text() == "calf, left: pain, numbness"
    tag = page.locator("svg[data-view=back] .region-tag")
    assert tag.is_visible() and tag.locator("text").text_content() == "calf, left"
    # It is a body: an outline of head, trunk, arms and legs behind the regions, and every region inside it.
    assert page.locator("svg[data-view=front] .outline ellipse").count() >= 1
    assert page.locator('svg[data-view=front] rect[data-region="hand_left"]').count() == 1
    assert page.locator('svg[data-view=back] rect[data-region="thoracic_right"]').count() == 1
    # The legend keeps its colours (no class of the chart's own on the swatches).
    colours = page.eval_on_selector_all(".chart-tools .swatch", "els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert len(set(colours)) == 6 and "rgba(0, 0, 0, 0)" not in colours
    assert page.locator("[data-body-chart] svg[data-view=back] .view-title").text_content() == "BACK"
    assert page.locator("[data-body-chart] svg[data-view=front] .view-title").text_content() == "FRONT"
    # Keyboard: one Tab stop per view, arrows move, Space marks.
    start = page.locator('svg[data-view=back] rect[data-region="low_back_left"]')
    start.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.region") == "low_back"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.region") == "sacrum"
    page.keyboard.press("Space")
    assert page.is_checked('input[name="symptoms.numbness_sites"][value="sacrum"]')
    assert page.eval_on_selector_all('svg[data-view=back] .region[tabindex="0"]', "els => els.length") == 1


NEURO_ANSWERS = """() => Object.fromEntries(Array.from(document.querySelectorAll('#section-neuro input[type=radio]:checked'))
    .map(e => [e.name, e.value]))"""


def test_quick_entry_fills_only_what_is_empty_and_every_bulk_fill_undoes(page):
    log_in(page)
    page.goto(new_client(page, "Quinn Quick") + "/visits/new")
    answer(page, "neuro.motor.hip_flexion.right", "weak")
    page.click("#section-neuro [data-quick=normal]")
    page.locator("#undo-bar").wait_for()  # the fill waits for the signs' part of the form (loaded on demand)
    values = page.evaluate(NEURO_ANSWERS)
    assert values["neuro.motor.hip_flexion.right"] == "weak"
    assert {v for name, v in values.items() if name != "neuro.motor.hip_flexion.right"} == {"normal", "negative"}
    # Undo puts back exactly what was there before the fill.
    undo = page.locator("#undo-bar")
    assert "All normal both sides" in undo.inner_text()
    undo.locator("[data-undo]").click()
    assert {k: v for k, v in page.evaluate(NEURO_ANSWERS).items() if v} == {"neuro.motor.hip_flexion.right": "weak"}
    assert undo.is_hidden()
    page.click("#section-neuro [data-quick=clear]")
    assert not any(page.evaluate(NEURO_ANSWERS).values())
    undo.locator("[data-undo]").click()  # clearing is a bulk fill too
    assert page.evaluate(NEURO_ANSWERS)["neuro.motor.hip_flexion.right"] == "weak"
    screen_all_no(page)
    assert {answer_of(page, f"symptoms.{f}") for f in SCREENING} == {"no"}
    # A change by hand ends the offer: undo never reverts what was typed after the fill.
    answer(page, "symptoms.saddle_anaesthesia", "yes")
    assert undo.is_hidden()


def test_a_mistyped_value_is_explained_once_beside_its_field_and_the_panel_stays(page):
    log_in(page)
    page.goto(new_client(page, "Max Mistype") + "/visits/new")
    answer(page, "special_tests.slr.left", "positive")
    page.fill('input[name="symptoms.pain_nrs"]', "15")
    message = page.locator("#symptoms\\.pain_nrs-live-error")
    message.wait_for()
    assert message.inner_text() == "Enter a number from 0 to 10"
    assert page.locator("text=Enter a number from 0 to 10").count() == 1
    panel = page.locator("#assessment-panel")
    assert panel.locator(".ddx").is_visible()  # the rest is still assessed
    assert "Pain now (0-10)" in panel.locator(".left-out").inner_text()
    page.fill('input[name="symptoms.pain_nrs"]', "7")
    message.wait_for(state="detached")


def test_the_live_panel_asks_at_once_and_shows_only_the_latest_findings(page):
    """Every change asks at once (no fixed wait) and cancels the answer still under way, so a
    stale verdict never lands last. How fast: benchmarks/panel.py."""
    log_in(page)
    page.goto(new_client(page, "Pat Pace") + "/visits/new")
    page.locator("#assessment-panel .ddx").wait_for()
    previews, settled = [], []
    page.on("request", lambda request: previews.append(request) if "preview" in request.url else None)
    page.on("requestfinished", lambda request: settled.append(request) if "preview" in request.url else None)
    page.on("requestfailed", lambda request: settled.append(request) if "preview" in request.url else None)  # cancelled
    for last in ("yes", "no"):
        previews.clear()
        settled.clear()
        page.evaluate("""last => {
            for (const value of ['yes', 'no', 'yes', 'no', 'yes', 'no', last]) {
                const segment = document.querySelector(`input[name="symptoms.saddle_anaesthesia"][value="${value}"]`);
                segment.checked = true;
                segment.dispatchEvent(new Event('change', {bubbles: true}));
            }
        }""", last)
        for _ in range(250):  # up to 5 s for every answer, stale or not, to arrive or be cancelled
            if len(previews) == len(settled) == 7:
                break
            page.wait_for_timeout(20)
        assert len(previews) == len(settled) == 7  # one request per change, none held back by a timer
        # Nothing is under way any more, so what the panel settles on is final: it must be the last change's verdict.
        page.wait_for_function("""wanted => document.querySelector('#assessment-panel').innerText.includes('EMERGENCY') === wanted""",
                               arg=last == "yes", timeout=3000)


def test_no_drop_down_cuts_its_text(page, tablet):
    """Each drop-down is at least as wide as it would be if left to fit its longest choice."""
    for view in (page, tablet):
        log_in(view)
        view.goto(new_client(view, "Dee Dropdown") + "/visits/new")
        cut = view.evaluate("""() => Array.from(document.querySelectorAll('select')).filter(s => {
            const free = s.cloneNode(true);
            free.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none';
            document.body.appendChild(free);
            const needed = free.getBoundingClientRect().width;
            free.remove();
            return s.getBoundingClientRect().width + 0.5 < needed;
        }).map(s => s.name)""")
        assert cut == []


def test_the_chosen_exercises_reach_the_pdf_in_order_with_the_clinic(page, tmp_path):
    _saved_visit(page, "Hana Handout")
    items = page.locator("#handout-items li")
    first, second = items.nth(0).get_attribute("data-id"), items.nth(1).get_attribute("data-id")
    titles = dict(zip(page.eval_on_selector_all("#handout-items li", "els => els.map(e => e.dataset.id)"),
                      page.eval_on_selector_all("#handout-items li strong", "els => els.map(e => e.textContent)")))
    # Drop the first, move the second to the top, add one the engine did not choose.
    items.nth(0).locator("input[type=checkbox]").uncheck()
    items.nth(1).locator("[data-move=up]").click()
    unchosen = page.locator("#handout-items li:has(input:not(:checked))").last
    extra = unchosen.get_attribute("data-id")
    unchosen.locator("input").check()
    page.click("button:has-text('Save handout choice')")
    page.wait_for_url("**?done=handout*")
    handout = page.request.get(page.url.split("?")[0] + "/handout.pdf")
    (tmp_path / "handout.pdf").write_bytes(handout.body())
    pdf = subprocess.run(["pdftotext", "-layout", str(tmp_path / "handout.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "North Clinic" in pdf
    assert titles[first] not in pdf
    assert pdf.index(titles[second]) < pdf.index(titles[extra])
    assert "1. " + titles[second] in pdf
    # A PDF opens in a new tab, so the visit stays where it was.
    assert page.get_attribute("a[href$='handout.pdf']", "target") == "_blank"


def test_printing_a_visit_leaves_out_the_menus_and_stays_short(page, tmp_path):
    _saved_visit(page, "Piet Print")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("button:has-text('Save and sign')").is_visible()
    page.emulate_media(media="null")  # no emulation: printing to PDF applies the print styles itself
    pdf = tmp_path / "visit.pdf"
    page.pdf(path=str(pdf), format="A4")
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    assert count <= 3


def test_dates_follow_the_clinic_setting_with_the_month_in_words_and_times_the_clinic(browser, server):
    """One unambiguous form for dates on every page, whatever the browser's own language (issue 18, item 1)."""
    context = browser.new_context(base_url=server, locale="en-US")  # a browser that would write 3/4/2026
    page = context.new_page()
    log_in(page, "admin@north.test")
    page.goto("/admin/clinic")
    page.select_option("#timezone", "Pacific/Auckland")
    page.select_option("#locale", "en_GB")
    page.click("button:has-text('Save clinic settings')")
    page.wait_for_url("**saved=true")
    client = new_client(page, "Dora Dates")
    page.goto(client + "/visits/new")
    page.fill("#visit_date", "2026-03-04")
    page.click("#section-screening [data-quick=normal]")
    page.click("button:has-text('Save visit')")
    page.wait_for_url(VISIT_PAGE)
    visit = page.url
    assert page.locator("h1").inner_text().startswith("Visit 4 Mar 2026")
    page.goto("/admin/audit")
    first_time = page.locator("tbody tr td").first.inner_text()
    assert first_time.endswith(("NZDT", "NZST")) and re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}", first_time)
    page.goto("/admin/clinic")
    page.select_option("#locale", "en_US")
    page.select_option("#timezone", "UTC")
    page.click("button:has-text('Save clinic settings')")
    page.wait_for_url("**saved=true")
    page.goto(visit)
    assert page.locator("h1").inner_text().startswith("Visit Mar 4, 2026")
    page.goto("/admin/clinic")
    page.select_option("#locale", "en_GB")
    page.click("button:has-text('Save clinic settings')")
    context.close()


def test_an_idle_session_warns_first_and_stays_with_one_tap(browser, server, database):
    """The clinic sets the timeout (default 90 minutes); two minutes before it ends, a warning offers to stay."""
    context = browser.new_context(base_url=server, viewport={"width": 820, "height": 1180}, has_touch=True)
    page = context.new_page()
    page.clock.install()
    log_in(page)
    engine = create_engine(database)
    with engine.connect() as connection:
        expires = connection.execute(text("SELECT expires_at FROM login_sessions ORDER BY created_at DESC LIMIT 1")).scalar()
        started = connection.execute(text("SELECT created_at FROM login_sessions ORDER BY created_at DESC LIMIT 1")).scalar()
    minutes = (_as_datetime(expires) - _as_datetime(started)).total_seconds() / 60
    assert 89 <= minutes <= 91  # the default: longer than a treatment
    warning = page.locator("#idle-warning")
    page.clock.run_for(80 * 60_000)
    assert warning.is_hidden()
    page.clock.run_for(8 * 60_000 + 30_000)
    assert warning.is_visible() and "minute" in warning.inner_text()
    with page.expect_response("**/session/keep") as kept:
        page.locator("[data-keep-session]").tap()
    assert kept.value.status == 200
    assert warning.is_hidden()
    engine.dispose()
    context.close()


def _as_datetime(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


def test_the_form_takes_the_new_findings_and_the_panel_says_whom_to_see(tablet):
    """Issue 14's case format in the form: spinal surgery, the folded hip and circulation sections,
    sensation tests, upper motor neurone signs, landmarks and familiar-pain trigger points; the
    panel and the tablet's status bar name whom to see, and never say "none" before screening."""
    page = tablet
    log_in(page)
    page.goto(new_client(page, "Oli Operated") + "/visits/new")
    bar = page.locator("#status-bar")
    bar.locator("text=Screening not yet asked").wait_for()
    assert "not-asked" in bar.get_attribute("class") and "NONE" not in bar.inner_text()
    # Hip and circulation stay folded until the findings point there.
    assert page.locator("#body-hip").is_hidden() and page.locator("#body-circulation").is_hidden()
    page.click('svg[data-view=front] rect[data-region="groin_right"]')
    page.locator("#body-hip").wait_for()
    assert page.locator("#body-circulation").is_hidden()
    answer(page, "medical.smoker", "yes")
    page.locator("#body-circulation").wait_for()
    # After a discectomy, a new deficit belongs with the surgical team.
    screen_all_no(page)
    answer(page, "history.spinal_surgery.procedure", "discectomy")
    page.fill('input[name="history.spinal_surgery.weeks_ago"]', "20")
    answer(page, "neuro.motor.ankle_plantarflexion.left", "weak")
    answer(page, "neuro.reflexes.achilles.left", "absent")
    bar.locator("text=The surgical team who operated").wait_for()
    assert "URGENT" in bar.inner_text()
    # The new examination findings.
    answer(page, "neuro.vibration.left", "reduced")
    # The upper motor neurone signs and the bony landmarks are folded lists, sent when opened.
    page.click("summary:has-text('Signs of an upper motor neurone lesion')")
    page.locator('input[name="special_tests.hoffmann.left"]').first.wait_for(state="attached")
    answer(page, "special_tests.hoffmann.left", "positive")
    page.fill('input[name="hip.internal_rotation_degrees.right"]', "10")
    answer(page, "special_tests.fadir.right", "positive")
    answer(page, "circulation.pedal_pulses.left", "reduced")
    page.click("summary:has-text('Bony landmarks')")
    page.check('input[name="palpation.tender"][value="greater_trochanter:right"]')
    page.check('input[name="palpation.not_tender"][value="coccyx"]')
    page.check('input[name="palpation.reproduces_familiar_pain"][value="piriformis:left"]')
    bar.click()
    panel = page.locator("#assessment-panel")
    panel.locator("text=Who to see: The surgical team who operated").wait_for()
    panel.locator("text=suspected spinal cord compression").wait_for()
    page.keyboard.press("Escape")
    page.click("button:has-text('Save visit')")
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0, page.locator("#error-summary").inner_text()
    page.wait_for_url(VISIT_PAGE)
    findings = page.locator("#findings").inner_text()
    for shown in ("discectomy, 20 weeks ago", "Vibration sense at the great toe", "left reduced", "Hoffmann",
                  "Hip internal rotation (degrees)", "right 10°", "Foot pulses",
                  "greater trochanter (right)", "tailbone", "Reproduces the familiar pain", "piriformis (left)"):
        assert shown in findings, shown
