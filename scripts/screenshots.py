"""Screenshots of the main pages at desktop and tablet size, for a person to look at.

    .venv/bin/python scripts/screenshots.py [OUT_DIR] [--page NAME ...]

Starts backcare on a throwaway SQLite database with the demo clinic, signs in
in Debian's headless Chromium and saves one PNG per page and viewport
(1366x900 and 820x1180) into OUT_DIR (default: screenshots/). Each page may set
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

VIEWPORTS = {"desktop": (1366, 900), "tablet": (820, 1180)}
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


def _fill_mechanism_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Alex Moreno")
    page.click("text=New visit")
    page.select_option('select[name="special_tests.slump.left"]', "positive")
    page.eval_on_selector_all("#section-mechanism details", "els => els.forEach(d => d.open = true)")
    for cid in ("nonmechanical_unpredictable", "disproportionate_to_injury", "maladaptive_psychosocial"):
        page.select_option(f'select[name="pain_mechanism_criteria.{cid}"]', "yes")
    page.wait_for_timeout(800)
    page.locator("#section-mechanism").scroll_into_view_if_needed()


def _flagged_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Dana Okafor")
    page.click("text=New visit")
    page.select_option('select[name="symptoms.saddle_anaesthesia"]', "yes")
    page.wait_for_timeout(800)
    page.locator("#assessment-panel .redflags").scroll_into_view_if_needed()


def _users(page) -> None:
    page.goto("/admin/users")
    page.locator("details summary").first.click()


def _new_visit(page) -> None:
    page.goto("/clients")
    page.click("text=Priya Shah")
    page.click("text=New visit")


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
    "clients": lambda page: page.goto("/clients"),
    "progress": _progress,
    "questionnaire": _questionnaire,
    "referral-letter": _letter,
    "visit-form": _new_visit,
    "visit-form-panel": _panel_open,
    "visit-edit": _visit_edit,
    "password": lambda page: page.goto("/account/password"),
    "client": lambda page: (page.goto("/clients"), page.click("text=Priya Shah")),
    "visit": lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("ol.timeline a")),
    "visit-form-mechanism": _fill_mechanism_visit,
    "visit-form-flagged": _flagged_visit,
}
PAGES["intake-link"] = lambda page: (page.goto("/clients"), page.click("text=Alex Moreno"), page.click("text=Pre-visit intake"),
                                     page.click("button:has-text('Make the link')"))
PAGES["intake-form"] = _intake_form
PAGES["intake-received"] = lambda page: (page.goto("/clients"), page.click("text=Noor Haddad"))
PAGES["client-records-law"] = _records_law
PAGES["client-mode"] = _client_mode  # last of all: the session stays in client mode
# Pages only an admin sees.
ADMIN_PAGES = {"export": lambda page: page.goto("/admin/export"), "users": _users, "audit": lambda page: page.goto("/admin/audit"),
               "clinic": lambda page: page.goto("/admin/clinic"), "retention": lambda page: page.goto("/admin/retention"),
               "breaches": _breaches}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="screenshots")
    parser.add_argument("--full", action="store_true", help="the whole page, not only what the viewport shows")
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
                for view, (width, height) in VIEWPORTS.items():
                    if not wanted:
                        break
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": height})
                    page = context.new_page()
                    page.on("console", lambda m: print("  console:", m.type, m.text) if m.type in ("error", "warning") else None)
                    page.on("pageerror", lambda e: print("  page error:", e))
                    page.goto("/login")
                    page.fill("#email", email)
                    page.fill("#password", passwords[email])
                    page.click("button[type=submit]")
                    page.wait_for_url("**/clients")
                    for name in wanted:
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
