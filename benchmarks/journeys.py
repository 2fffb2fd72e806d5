"""Clicks and keystrokes of two everyday visits, scripted in Chromium at desktop and tablet size.

    .venv/bin/python benchmarks/journeys.py [--steps]

Serves backcare on a fresh SQLite database with two clients (one seen a week
ago, one who sent the pre-visit intake), signs in with Debian's headless
Chromium and runs the journeys of tests/journeys.py at 1366x900 and 820x1180,
then prints the counts beside the issue's bounds (a follow-up with no change in
findings: at most 8 clicks and 20 keystrokes besides the narrative; a first
visit from an intake: at most 30 clicks). --steps lists every counted action.
"""
from __future__ import annotations

import os
import sys

# benchmarks/http.py must not shadow the standard library's http package.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARGS, CHROMIUM, serving  # noqa: E402
from journeys import first_visit, follow_up, seed_journeys  # noqa: E402
from web_support import PASSWORD, fresh_records, seed  # noqa: E402

SIZES = {"desktop 1366x900": (1366, 900), "tablet 820x1180": (820, 1180)}
BOUNDS = {"follow_up": (8, 20), "first_visit": (30, None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", action="store_true", help="list every counted action")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        print(f"{'journey':<12} {'size':<18} {'clicks':>6} {'keys':>5}   bound")
        for size, (width, height) in SIZES.items():
            url = f"sqlite:///{folder}/{width}.db"
            records = fresh_records(url)
            seed_journeys(records, seed(records)["north"])
            with serving(url) as base:
                for name, journey in (("follow_up", follow_up), ("first_visit", first_visit)):
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": height},
                                                  has_touch=width < 1000)
                    page = context.new_page()
                    page.set_default_timeout(15000)
                    page.goto("/login")
                    page.fill("#email", "ther@north.test")
                    page.fill("#password", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    counted = journey(page)
                    clicks, keys = BOUNDS[name]
                    bound = f"<= {clicks} clicks" + (f", <= {keys} keys" if keys is not None else "")
                    print(f"{name:<12} {size:<18} {counted.clicks:>6} {counted.keys:>5}   {bound}")
                    if args.steps:
                        for step in counted.steps:
                            print(f"    {step}")
                    context.close()
        browser.close()


if __name__ == "__main__":
    main()
