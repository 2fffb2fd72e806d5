"""Browser test fixtures: backcare served in a thread, and Debian's headless Chromium driven by Playwright."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

from web_support import PASSWORD, fresh_records, seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM and not os.environ.get("CI"),
                                    reason="needs Debian's chromium (make test installs it)")


@contextmanager
def serving(url: str, **settings):
    """backcare on a free port of 127.0.0.1, in a thread, until the block ends."""
    import uvicorn

    from backcare.web.app import create_app
    from backcare.web.settings import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Secure cookies stay on: Chromium accepts them from http://127.0.0.1.
    config = uvicorn.Config(create_app(Settings(database_url=url, **settings)), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    seed(fresh_records(url))
    return url


@pytest.fixture(scope="module")
def server(database):
    # Sessions are checked on every request (no per-worker memory), so a test can end one at once.
    with serving(database, session_recheck_seconds=0) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def watched(page, errors: list[str]):
    """Script errors and Content-Security-Policy violations go into `errors` (tests assert it stays empty)."""
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15000)
    page.console_errors = errors  # a test that expects an error removes it here
    return page


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    yield watched(context.new_page(), errors)
    context.close()
    assert errors == [], errors


@pytest.fixture
def tablet(browser, server):
    """An upright tablet (820 x 1180, touch)."""
    context = browser.new_context(base_url=server, viewport={"width": 820, "height": 1180}, has_touch=True)
    errors: list[str] = []
    yield watched(context.new_page(), errors)
    context.close()
    assert errors == [], errors


def log_in(page, email="ther@north.test", landing="**/today"):
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(landing)


def new_client(page, name: str) -> str:
    """Create a client through the form; returns the client page's path."""
    page.goto("/clients/new")
    page.fill("#name", name)
    page.click("button:has-text('Save client')")
    page.wait_for_url("**/clients/*")
    return urlparse(page.url).path


def answer(page, name: str, value: str) -> None:
    """Give a one-tap answer (a segment of the field's group), or choose it in a drop-down."""
    segment = page.locator(f'label.seg-opt:has(> input[name="{name}"][value="{value}"])')
    if segment.count():
        segment.click()  # the segment a finger taps: its label
    else:
        page.select_option(f'select[name="{name}"]', value)


def answer_of(page, name: str) -> str:
    """The answer a field holds: the chosen segment's value or the drop-down's ('' when none)."""
    return page.evaluate("""name => {
        const chosen = document.querySelector(`input[type=radio][name="${name}"]:checked`);
        if (chosen) { return chosen.value; }
        const box = document.querySelector(`select[name="${name}"]`);
        return box ? box.value : "";
    }""", name)
