"""Issue 18's measure, in Chromium at both sizes: a follow-up with no change in findings in at most 8
clicks and 20 keystrokes besides the narrative; a first visit from an intake in at most 30 clicks.
The counting and the journeys are in journeys.py (benchmarks/journeys.py prints them)."""
from __future__ import annotations

import pytest

from browser_support import log_in, needs_chromium
from journeys import FOLLOW_UP_CLIENT, INTAKE_CLIENT, first_visit, follow_up, seed_journeys
from web_support import fresh_records, seed

pytestmark = needs_chromium
SIZES = {"desktop": "page", "tablet": "tablet"}


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('journeys') / 'journeys.db'}"
    records = fresh_records(url)
    actor = seed(records)["north"]
    for size in SIZES:
        seed_journeys(records, actor, f" {size}")
    return url


@pytest.mark.parametrize("size", SIZES)
def test_a_follow_up_with_no_change_takes_at_most_8_clicks_and_20_keystrokes(size, request):
    page = request.getfixturevalue(SIZES[size])
    log_in(page)
    counted = follow_up(page, f"{FOLLOW_UP_CLIENT} {size}")
    assert counted.clicks <= 8 and counted.keys <= 20, counted.steps
    # Nothing was lost on the way: the findings are the last visit's, confirmed, and the note is signed.
    findings = page.locator("#findings").inner_text()
    assert "erector spinae" in findings and "quadratus lumborum" in findings and "Straight leg raise" in findings
    assert "3/10" in findings


@pytest.mark.parametrize("size", SIZES)
def test_a_first_visit_from_an_intake_takes_at_most_30_clicks(size, request):
    page = request.getfixturevalue(SIZES[size])
    log_in(page)
    counted = first_visit(page, f"{INTAKE_CLIENT} {size}")
    assert counted.clicks <= 30, counted.steps
    findings = page.locator("#findings").inner_text()
    assert "lifted a box" in findings and "Straight leg raise" in findings
