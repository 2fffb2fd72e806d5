"""Light pages (issue 19, item 4): compressed answers, static files cached under hashed names,
CSRF tokens masked per page, and the visit form's rarely used parts sent only when opened."""
from __future__ import annotations

import gzip
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings

from backcare.clinical.case import Case
from backcare.web.visits.fields import form_values
from backcare.web.visits.parts import PARTS
from strategies import every_field_cases
from test_visit_form import _chartable
from web_support import csrf_of, fresh_records, login, make_client, seed


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('light') / 'light.db'}"
    records = fresh_records(url)
    actors = seed(records)
    client_id = records.create_client(actors["north"], {"name": "Lena Light"})
    browser = make_client(url)
    login(browser, "ther@north.test")
    return {"records": records, "actor": actors["north"], "client_id": client_id, "browser": browser, "url": url}


def _raw(browser, path: str, **headers):
    """The answer as sent on the wire (not decompressed), with its headers."""
    with browser.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_pages_and_scripts_are_compressed_but_not_tiny_answers_or_pdfs(site):
    browser, records, actor = site["browser"], site["records"], site["actor"]
    page, wire = _raw(browser, f"/clients/{site['client_id']}/visits/new", **{"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "accept-encoding" in page.headers["vary"].lower()
    html = gzip.decompress(wire).decode()
    assert "<form id=\"visit-form\"" in html and len(wire) * 5 < len(html)
    plain, body = _raw(browser, f"/clients/{site['client_id']}/visits/new", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and b"visit-form" in body
    health, body = _raw(browser, "/healthz", **{"Accept-Encoding": "gzip"})
    assert body == b"ok" and "content-encoding" not in health.headers
    visit_id = records.create_visit(actor, site["client_id"], {"visit_date": date.today(), "case": {"symptoms": {"pain_nrs": 4}}})
    pdf, body = _raw(browser, f"/visits/{visit_id}/summary.pdf", **{"Accept-Encoding": "gzip"})
    assert pdf.status_code == 200 and body.startswith(b"%PDF") and "content-encoding" not in pdf.headers
    # The API's answers are compressed too, at the cheapest level (a saved visit's answer at every save).
    answer, wire = _raw(browser, f"/api/visits/{visit_id}", **{"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert len(wire) == len(gzip.compress(gzip.decompress(wire), compresslevel=1, mtime=0))


def test_static_files_are_linked_by_hash_and_cached_for_a_year(site):
    browser = site["browser"]
    html = browser.get("/today").text
    css = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', html).group(1)
    hashed = browser.get(css)
    assert hashed.status_code == 200 and hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = browser.get("/static/app.css")
    assert plain.content == hashed.content and plain.headers["cache-control"] == "public, max-age=300"
    # A page from before an upgrade names an old hash: it still gets the file, but not pinned for a year.
    stale = browser.get("/static/app.000000000000.css")
    assert stale.content == plain.content and stale.headers["cache-control"] == "public, max-age=300"
    again = browser.get(css, headers={"If-None-Match": hashed.headers["etag"]})
    assert again.status_code == 304
    assert browser.get("/static/nothing.0123456789ab.css").status_code == 404
    for script in re.findall(r'src="(/static/[^"]+)"', html):
        assert re.search(r"\.[0-9a-f]{12}\.js$", script), script
    docs = browser.get("/api/docs").text
    assert re.search(r"/static/swagger/swagger-ui-bundle\.[0-9a-f]{12}\.js", docs)


def test_each_page_carries_the_csrf_token_masked_differently(site):
    browser = site["browser"]
    first, second = csrf_of(browser.get("/clients").text), csrf_of(browser.get("/clients").text)
    assert first != second  # nothing constant for compression to leak (BREACH)
    for token in (first, second):
        saved = browser.post("/clients/new", data={"name": "Masked Mo", "csrf_token": token}, follow_redirects=False)
        assert saved.status_code == 303
    pad, body = second.split(".")
    forged = f"{pad}.{body[:-2]}{'AA' if body[-2:] != 'AA' else 'BB'}"
    assert browser.post("/clients/new", data={"name": "Forged Flo", "csrf_token": forged}).status_code == 403


class _Controls(HTMLParser):
    """The form's controls as a browser would submit them: name -> current values."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.names: set[str] = set()
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.names.add(self._textarea)
            self.values[self._textarea] = [""]
        elif tag == "input" and a.get("name"):
            self.names.add(a["name"])
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", ""))
            elif a.get("type") != "submit":
                self.values.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
            self.names.add(self._select)
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html.split('<form id="visit-form"', 1)[1].split("</form>", 1)[0])
    return parser


def test_the_form_leaves_out_its_rarely_used_parts_and_sends_each_when_asked(site):
    browser = site["browser"]
    new = browser.get(f"/clients/{site['client_id']}/visits/new").text
    controls = _controls(new)
    assert not any(n.startswith(("hip.", "circulation.", "pain_mechanism_criteria.")) for n in controls.names)
    assert "special_tests.hoffmann.left" not in controls.names and "symptoms.pain_sites" not in controls.names
    assert all(f'data-part="{p}"' in new for p in PARTS)
    fetched = {}
    for part in PARTS:
        answer = browser.get(f"/visit-form/parts/{part}")
        assert answer.status_code == 200 and "<html" not in answer.text
        fetched[part] = _controls(f'<form id="visit-form">{answer.text}</form>').names
    assert {"hip.flexion_degrees.left", "special_tests.fadir.right"} <= fetched["hip"]
    assert {"circulation.pedal_pulses.left", "circulation.abpi.right"} <= fetched["circulation"]
    assert {"symptoms.pain_sites", "observation.atrophy_sites"} <= fetched["regions"]
    assert "special_tests.babinski.left" in fetched["umn"] and "palpation.not_tender" in fetched["landmarks"]
    assert any(n.startswith("pain_mechanism_criteria.") for n in fetched["mechanism-1"] | fetched["mechanism-2"])
    # With every part in the page (as when each holds something) the form is much larger.
    full = browser.post(f"/clients/{site['client_id']}/visits/new",
                        data={"csrf_token": csrf_of(new), "parts_shown": " ".join(PARTS), "show_part": "hip"}).text
    assert 'data-part="' not in full.split('<form id="visit-form"')[1]
    assert len(new.encode()) < 0.65 * len(full.encode())
    assert browser.get("/visit-form/parts/nothing").status_code == 404
    anonymous = make_client(site["url"])
    assert anonymous.get("/visit-form/parts/hip", follow_redirects=False).status_code == 303


def test_without_javascript_opening_a_part_posts_the_form_back_with_what_was_typed(site):
    browser, records = site["browser"], site["records"]
    page = browser.get(f"/clients/{site['client_id']}/visits/new").text
    before = len(records.timeline(site["actor"], site["client_id"]).entries)
    answer = browser.post(f"/clients/{site['client_id']}/visits/new", data={
        "csrf_token": csrf_of(page), "visit_date": date.today().isoformat(), "symptoms.pain_nrs": "7",
        "history.mechanism": "lifted a crate", "show_part": "hip"})
    assert answer.status_code == 200
    controls = _controls(answer.text)
    assert controls.values["symptoms.pain_nrs"] == ["7"] and controls.values["history.mechanism"] == ["lifted a crate"]
    assert "hip.flexion_degrees.left" in controls.names
    assert 'id="body-hip" hidden' not in answer.text  # opened, not only sent
    assert controls.values["parts_shown"] == ["hip"]  # and kept on the next round trip
    assert len(records.timeline(site["actor"], site["client_id"]).entries) == before  # nothing saved


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(every_field_cases)
def test_every_recorded_finding_is_in_the_form_that_edits_it(site, data):
    """Whatever a draft holds, the form shows it: no recorded value is left in a part not sent."""
    case = Case.model_validate(_chartable(data)).findings()
    values = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in form_values(case).items()}
    records, actor = site["records"], site["actor"]
    records.save_draft(actor, "new", values, None, client_id=site["client_id"], force=True)
    controls = _controls(site["browser"].get(f"/clients/{site['client_id']}/visits/new").text)
    for name, value in values.items():
        expected = value if isinstance(value, list) else [value]
        shown = controls.values.get(name, [])
        assert all(v in shown for v in expected), (name, expected, shown)
