"""Live assessment panel benchmark: from a change in the visit form to the new panel on screen.

    .venv/bin/python benchmarks/panel.py [--inputs N]

Starts `backcare serve` (one worker, a fresh SQLite database), signs in with
Debian's headless Chromium driven by Playwright, opens a new visit and changes
one screening answer N times (yes and no in turn, so every verdict changes).
For each change it measures, in the page, the time from the change event to the
panel being replaced; then it measures the preview request alone, fetched from
the same page with the same form, as the floor the panel cannot beat.
Target: median change-to-panel under 150 ms. It prints median and 90th
percentile and both ratios (to the target and to the bare request), one run.
"""
from __future__ import annotations

import os
import sys

# benchmarks/http.py must not shadow the standard library's http package.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARGS, CHROMIUM  # noqa: E402
from server_support import backcare_server  # noqa: E402
from web_support import PASSWORD, fresh_records, seed  # noqa: E402

TARGET_MS = 150

CHANGE = """value => new Promise(resolve => {
    const segment = document.querySelector(`input[name="symptoms.saddle_anaesthesia"][value="${value}"]`);
    const start = performance.now();
    document.addEventListener('backcare:assessed', () => resolve(performance.now() - start), {once: true});
    segment.checked = true;
    segment.dispatchEvent(new Event('change', {bubbles: true}));
})"""

REQUEST_ONLY = """async () => {
    const form = document.getElementById('visit-form');
    const url = document.getElementById('assessment-live').dataset.preview;
    const start = performance.now();
    const response = await fetch(url, {method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin'});
    await response.text();
    return performance.now() - start;
}"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=40)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/panel.db"
        seed(fresh_records(url))
        with backcare_server(url) as (base, _), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(base_url=base, viewport={"width": 1366, "height": 900})
            page.goto("/login")
            page.fill("#email", "ther@north.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/today")
            page.goto("/clients/new")
            page.fill("#name", "Bench Mark")
            page.click("button:has-text('Save client')")
            page.wait_for_url("**/clients/*")
            page.goto(page.url + "/visits/new")
            page.locator("#assessment-panel .ddx").wait_for()
            for value in ("yes", "no", "yes", "no"):  # warm up the server and the page
                page.evaluate(CHANGE, value)
            panel = [page.evaluate(CHANGE, "yes" if n % 2 == 0 else "no") for n in range(args.inputs)]
            request = [page.evaluate(REQUEST_ONLY) for _ in range(args.inputs)]
            browser.close()

    panel_median, request_median = statistics.median(panel), statistics.median(request)
    print(f"live panel, {args.inputs} changes at 1366x900, one backcare worker on SQLite")
    print(f"  change to panel on screen: median {panel_median:6.1f} ms   p90 {_percentile(panel, 0.9):6.1f} ms")
    print(f"  preview request alone:     median {request_median:6.1f} ms   p90 {_percentile(request, 0.9):6.1f} ms")
    print(f"  median / target ({TARGET_MS} ms):     {panel_median / TARGET_MS:5.2f}  ({'met' if panel_median < TARGET_MS else 'MISSED'})")
    print(f"  median / request alone:       {panel_median / request_median:5.2f}  (the page's own share on top of the request)")


if __name__ == "__main__":
    main()
