"""Screenshots of the main pages at desktop and tablet size, for a person to look at.

    .venv/bin/python scripts/screenshots.py [OUT_DIR] [--page NAME ...]

Starts backcare on a throwaway SQLite database with the demo clinic, signs in
in Debian's headless Chromium and saves one PNG per page and viewport
(1366x900 and 820x1180, and 390x844 for the client's own pages) into OUT_DIR (default: screenshots/). Each page may set
up a state first (e.g. fill the visit form) so the shot shows what a therapist sees.
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

VIEWPORTS = {"desktop": (1366, 900), "tablet": (820, 1180), "phone": (390, 844)}
DEFAULT_VIEWPORTS = ("desktop", "tablet")
PHONE = {"home-phone", "home-phone-check-in", "intake-form"}  # the client's own pages, also shot at phone size
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def _serve(url: str) -> tuple[str, dict[str, str]]:
    import uvicorn

    from backcare.records import Records
    from backcare.storage.db import make_engine, make_sessionmaker, upgrade
    from backcare.web.app import create_app
    from backcare.web.demo import create_demo
    from backcare.web.settings import Settings

    upgrade(url)
    passwords = create_demo(Records(make_sessionmaker(make_engine(url))))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(database_url=url)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", passwords


def answer(page, name: str, value: str) -> None:
    """A one-tap answer in the visit form (a segment of the field's group)."""
    page.click(f'label.seg-opt:has(> input[name="{name}"][value="{value}"])')


def _fill_mechanism_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Alex Moreno")
    page.click("text=New visit")
    answer(page, "special_tests.slump.left", "positive")
    page.eval_on_selector_all("#section-mechanism details", "els => els.forEach(d => d.open = true)")
    for cid in ("nonmechanical_unpredictable", "disproportionate_to_injury", "maladaptive_psychosocial"):
        answer(page, f"pain_mechanism_criteria.{cid}", "yes")
    page.wait_for_timeout(800)
    page.locator("#section-mechanism").scroll_into_view_if_needed()


def _flagged_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Dana Okafor")
    page.click("text=New visit")
    answer(page, "symptoms.saddle_anaesthesia", "yes")
    page.wait_for_timeout(800)
    page.locator("#assessment-panel .redflags").scroll_into_view_if_needed()


def _notes_flagged_visit(page) -> None:
    """A red flag said only in the notes' words: the panel quotes them and asks to confirm."""
    page.goto("/clients")
    page.click("text=Dana Okafor")
    page.click("text=New visit")
    page.fill('[name="history.mechanism"]', "no injury; breast cancer treated in 2019, pain worse over 6 weeks")
    page.locator('[name="history.mechanism"]').blur()
    page.wait_for_timeout(1000)
    page.locator("#assessment-panel .redflags").scroll_into_view_if_needed()


def _notes_emergency_visit(page) -> None:
    """An emergency said only in the notes' words (a heart attack felt in the back): the panel's first line."""
    page.goto("/clients")
    page.click("text=Dana Okafor")
    page.click("text=New visit")
    page.fill('[name="history.mechanism"]', "pressing ache between the shoulder blades since the stairs, "
              "spreading into the left arm and jaw; clammy and sweating")
    page.locator('[name="history.mechanism"]').blur()
    page.wait_for_timeout(1000)
    page.locator("#assessment-panel").scroll_into_view_if_needed()


def _body_chart(page) -> None:
    """The visit form's body chart with a few regions marked and one focused (its name shows)."""
    _new_visit(page)
    def mark(field: str, view: str, region: str) -> None:  # the draft of another size may have marked it already
        box = page.locator(f'input[name="{field}"][value="{region}"]')  # the list under the chart loads when opened
        if not (box.count() and box.first.is_checked()):
            page.click(f'button[data-layer="{field}"]')
            page.click(f'svg[data-view={view}] rect[data-region="{region}"]')

    for region in ("low_back_left", "buttock_left", "posterior_thigh_left", "calf_left"):
        mark("symptoms.pain_sites", "back", region)
    mark("symptoms.paresthesia_sites", "front", "dorsum_foot_left")
    page.focus('svg[data-view=front] rect[data-region="dorsum_foot_left"]')
    page.locator("[data-body-chart] .charts").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -60)")


def _intake_chart(page) -> None:
    """The client's body chart on the intake form (a phone in the client's hand), with a few places marked."""
    _intake_form(page)
    for region in ("low_back", "buttock_right", "posterior_thigh_right"):
        page.click(f'svg[data-view=back] rect[data-region="{region}"]')
    page.locator("[data-body-chart] .charts").scroll_into_view_if_needed()


def _users(page) -> None:
    page.goto("/admin/users")
    page.locator("details summary").first.click()


def _new_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Priya Shah")
    page.click("text=New visit")


def _visit_parts(page) -> None:
    """The parts of the visit form sent when opened: the upper motor neurone signs and the hip section."""
    _new_visit(page)
    page.click("summary:has-text('Signs of an upper motor neurone lesion')")
    page.locator('input[name="special_tests.hoffmann.left"]').first.wait_for(state="attached")
    if "folded" in page.get_attribute("#section-hip", "class"):  # the chart's draft from another shot may have opened it
        page.click("#section-hip [data-unfold]")
    page.locator("#body-hip input").first.wait_for()
    page.locator("#section-neuro details").scroll_into_view_if_needed()


def _panel_open(page) -> None:
    _flagged_visit(page)
    if page.locator("#status-bar").is_visible():  # the slide-over panel exists on narrow screens only
        page.click("#status-bar")
        page.wait_for_timeout(400)


def _visit_edit(page) -> None:
    page.goto("/clients")
    page.click("text=Alex Moreno")
    page.click("ol.timeline a")
    if page.locator("text=Change findings").count():
        page.click("text=Change findings")


def _progress(page) -> None:
    page.goto("/clients")
    page.click("text=Jordan Ellis")
    page.click("a:has-text('Progress')")


def _questionnaire(page) -> None:
    _progress(page)
    page.click("a:has-text('Disability (ODI)')")


def _client_mode(page) -> None:
    _progress(page)
    page.click("a:has-text('Risk (STarT Back)')")
    page.click("button:has-text('Hand the tablet to the client')")
    page.wait_for_url("**/client-mode")


def _intake_form(page) -> None:
    page.goto("/clients")
    page.click("text=Priya Shah")
    page.click("text=Pre-visit intake")
    page.click("button:has-text('Make the link')")
    page.goto(page.input_value("#intake-url"))


def _home_progress(page) -> None:
    page.goto("/clients")
    page.click("text=Priya Shah")
    page.click("a:has-text('Progress')")


def _home_phone(page, name: str = "Priya Shah") -> None:
    """A client's programme as their phone shows it (a new link: the programme stays the episode's)."""
    page.goto("/clients")
    page.click(f"text={name}")
    page.click("a:has-text('Home programme')")
    page.click("button:has-text('Make the link')")
    page.goto(page.input_value("#home-url"))


def _letter(page) -> None:
    page.goto("/clients")
    page.click("text=Dana Okafor")
    page.click("ol.timeline a")
    page.click("text=Write a referral letter")


def _records_law(page) -> None:
    """A client's page with an access request on its clock and a statement of disagreement attached."""
    page.goto("/clients")
    page.click("text=Alex Moreno")
    page.click("#records-law summary:has-text('Record a request')")
    page.fill("#request-details", "A copy of everything, by e-mail.")
    page.click("button:has-text('Record the request')")
    page.click("#records-law summary:has-text('Attach a correction')")
    page.select_option("#correction-kind", "disagreement")
    page.select_option("#correction-visit", index=1)
    page.fill("#correction-part", "Subjective")
    page.fill("#correction-text", "I did not lift anything heavy; the pain started after a long drive.")
    page.click("button:has-text('Attach')")
    page.locator("#records-law").scroll_into_view_if_needed()


def _breaches(page) -> None:
    page.goto("/admin/breaches")
    if page.locator("td:has-text('laptop')").count() == 0:
        page.fill("#description", "A laptop with the appointment list was left on a bus; the disk is encrypted.")
        page.fill("#clients_affected", "12")
        page.fill("#containment", "The laptop was wiped remotely the same day.")
        page.click("button:has-text('Save')")


PAGES = {
    "today": lambda page: page.goto("/today"),
    "clients": lambda page: page.goto("/clients"),
    "follow-up": lambda page: (page.goto("/clients"), page.click("tr:has-text('Priya Shah') a:has-text('Follow-up visit')")),
    "progress": _progress,
    "questionnaire": _questionnaire,
    "referral-letter": _letter,
    "visit-form": _new_visit,
    "visit-form-parts": _visit_parts,
    "visit-form-palpation": lambda page: (_new_visit(page), page.click("summary:has-text('Bony landmarks')"),
                                          page.locator("#section-palpation").scroll_into_view_if_needed()),
    "visit-form-panel": _panel_open,
    "visit-edit": _visit_edit,
    "password": lambda page: page.goto("/account/password"),
    "client": lambda page: (page.goto("/clients"), page.click("text=Priya Shah")),
    "visit": lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("ol.timeline a")),
    "visit-form-mechanism": _fill_mechanism_visit,
    "visit-form-flagged": _flagged_visit,
    "visit-form-notes-flag": _notes_flagged_visit,
    "visit-form-notes-emergency": _notes_emergency_visit,
    "body-chart": _body_chart,
}
PAGES["intake-link"] = lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("text=Pre-visit intake"),
                                     page.click("button:has-text('Make the link')"))
PAGES["intake-form"] = _intake_form
PAGES["intake-chart"] = _intake_chart
PAGES["intake-received"] = lambda page: (page.goto("/clients"), page.click("text=Noor Haddad"))
PAGES["client-records-law"] = _records_law
PAGES["visit-treatment"] = lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("ol.timeline a"),
                                         page.locator("#treatment").scroll_into_view_if_needed())
PAGES["visit-treated"] = lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("ol.timeline li:nth-child(2) a"),
                                       page.locator("#treatment").scroll_into_view_if_needed())
PAGES["treatment-form"] = lambda page: (PAGES["visit-treatment"](page), page.click("#as-planned") if page.locator("#as-planned").count()
                                        else page.click("text=Change treatment"))
PAGES["client-details"] = lambda page: (page.goto("/clients"), page.click("text=Dana Okafor"))
PAGES["homecare"] = lambda page: (page.goto("/clients"), page.click("text=Priya Shah"), page.click("a:has-text('Home programme')"))
PAGES["homecare-visit"] = lambda page: (page.goto("/clients"), page.click("text=Priya Shah"), page.click("ol.timeline a >> nth=0"))
PAGES["homecare-progress"] = lambda page: (_home_progress(page), page.locator("#home-programme").scroll_into_view_if_needed())
PAGES["home-phone"] = _home_phone  # the client's own page: shot at phone size (PHONE)
PAGES["home-phone-check-in"] = lambda page: (_home_phone(page, "Alex Moreno"), page.locator("#check-in").scroll_into_view_if_needed(),
                                             page.check('input[name="screening.bladder_dysfunction"][value="yes"]'),
                                             page.locator("#emergency-now").scroll_into_view_if_needed())
PAGES["client-mode"] = _client_mode  # last of all: the session stays in client mode
# Pages only an admin sees.
ADMIN_PAGES = {"export": lambda page: page.goto("/admin/export"), "users": _users, "audit": lambda page: page.goto("/admin/audit"),
               "clinic": lambda page: page.goto("/admin/clinic"), "retention": lambda page: page.goto("/admin/retention"),
               "breaches": _breaches}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="screenshots")
    parser.add_argument("--full", action="store_true", help="the whole page, not only what the viewport shows")
    parser.add_argument("--viewport", action="append", choices=sorted(VIEWPORTS),
                        help=f"only these sizes (default: {', '.join(DEFAULT_VIEWPORTS)})")
    parser.add_argument("--page", action="append", choices=sorted(PAGES) + sorted(ADMIN_PAGES), help="only these pages")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        base, passwords = _serve(f"sqlite:///{tmp}/shots.db")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for role, pages in (("therapist", PAGES), ("admin", ADMIN_PAGES)):
                email = next(e for e in passwords if e.startswith(role))
                wanted = [n for n in (args.page or pages) if n in pages]
                for view in args.viewport or DEFAULT_VIEWPORTS:
                    width, height = VIEWPORTS[view]
                    if not wanted:
                        break
                    if view == "phone" and not PHONE & set(wanted):
                        continue
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": height})
                    page = context.new_page()
                    page.on("console", lambda m: print("  console:", m.type, m.text) if m.type in ("error", "warning") else None)
                    page.on("pageerror", lambda e: print("  page error:", e))
                    page.goto("/login")
                    page.fill("#email", email)
                    page.fill("#password", passwords[email])
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    for name in wanted:
                        if view == "phone" and name not in PHONE:
                            continue
                        pages[name](page)
                        page.wait_for_load_state("networkidle")
                        path = out / f"{name}-{view}.png"
                        page.screenshot(path=str(path), full_page=args.full)
                        print(path)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
