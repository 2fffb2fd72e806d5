"""The web app over HTTP: access control, CSRF, sessions, bad input, the API."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from web_support import PASSWORD, TODAY, a_visit_case, csrf_of, fresh_records, login, make_client, seed


@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": a_visit_case()})
    return {"url": url, "records": records, "people": people, "client_id": client_id, "visit_id": visit_id}


def client_urls(client_id: int, visit_id: int) -> list[tuple[str, str]]:
    return [("GET", f"/clients/{client_id}"), ("GET", f"/clients/{client_id}/edit"), ("POST", f"/clients/{client_id}/edit"),
            ("GET", f"/clients/{client_id}/visits/new"), ("POST", f"/clients/{client_id}/visits/new"),
            ("GET", f"/visits/{visit_id}"), ("POST", f"/visits/{visit_id}/soap"), ("POST", f"/visits/{visit_id}/amend"),
            ("GET", f"/visits/{visit_id}/handout.pdf"), ("GET", f"/visits/{visit_id}/summary.pdf"),
            ("GET", f"/visits/{visit_id}/edit"), ("POST", f"/visits/{visit_id}/edit"), ("POST", f"/visits/{visit_id}/handout"),
            ("POST", f"/clients/{client_id}/visits/new/draft"), ("POST", f"/clients/{client_id}/visits/new/draft/discard"),
            ("POST", f"/visits/{visit_id}/edit/draft"), ("POST", f"/visits/{visit_id}/edit/draft/discard"),
            ("POST", f"/visits/{visit_id}/soap/draft"),
            ("GET", f"/api/clients/{client_id}"), ("PUT", f"/api/clients/{client_id}"), ("GET", f"/api/clients/{client_id}/visits"),
            ("POST", f"/api/clients/{client_id}/visits"), ("GET", f"/api/visits/{visit_id}"), ("PUT", f"/api/visits/{visit_id}/soap"),
            ("POST", f"/api/visits/{visit_id}/sign"), ("POST", f"/api/visits/{visit_id}/amendments")]


def test_a_therapist_of_another_clinic_gets_404_on_every_client_url(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@south.test")
    # Valid bodies, so the request reaches the access check (a malformed body is
    # refused first, identically for every id, which reveals nothing either).
    def body(url: str):
        if url.endswith("/soap"):
            return {"plan": "x"}
        if url.endswith("/amendments"):
            return {"text": "x"}
        if url.endswith("/visits"):
            return {"visit_date": TODAY, "case": {}}
        return {"name": "x"}

    for method, url in client_urls(site["client_id"], site["visit_id"]):
        if url.startswith("/api/"):
            response = browser.request(method, url, json=body(url) if method != "GET" else None, headers={"X-CSRF-Token": csrf})
        else:
            response = browser.request(method, url, data={"csrf_token": csrf} if method == "POST" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Jo Client" not in response.text


def test_a_missing_record_keeps_the_navigation(site):
    browser = make_client(site["url"])
    login(browser, "ther@south.test")
    page = browser.get(f"/clients/{site['client_id']}")
    assert page.status_code == 404 and "There is no such record." in page.text and 'href="/clients">Clients</a>' in page.text


def test_the_own_clinic_sees_the_record(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    assert "Jo Client" in browser.get(f"/clients/{site['client_id']}").text
    assert browser.get(f"/visits/{site['visit_id']}").status_code == 200


def test_logged_out_requests_go_to_the_login_page(site):
    browser = make_client(site["url"])
    response = browser.get(f"/clients/{site['client_id']}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next=/clients/{site['client_id']}"
    assert browser.get("/api/clients").status_code == 401
    assert browser.post("/api/assess", json={}).status_code == 401


def test_state_changing_requests_need_the_session_csrf_token(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    before = site["records"].get_client(site["people"]["north"], site["client_id"]).name
    for token in (None, "forged-token"):
        data = {"name": "Changed", **({"csrf_token": token} if token else {})}
        response = browser.post(f"/clients/{site['client_id']}/edit", data=data)
        assert response.status_code == 403
        api = browser.put(f"/api/clients/{site['client_id']}", json={"name": "Changed"}, headers={"X-CSRF-Token": token or ""})
        assert api.status_code == 403
    assert site["records"].get_client(site["people"]["north"], site["client_id"]).name == before
    ok = browser.post(f"/clients/{site['client_id']}/edit", data={"name": "Changed", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303


def test_login_needs_its_own_csrf_token_and_is_rate_limited(site):
    browser = make_client(site["url"])
    assert browser.post("/login", data={"email": "ther@north.test", "password": PASSWORD}).status_code == 403
    page = browser.get("/login")
    statuses = []
    for _ in range(6):  # each answer is a fresh login form with a fresh token, as a browser would use it
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        page = browser.post("/login", data={"email": "ther@north.test", "password": "wrong", "csrf_token": token})
        statuses.append(page.status_code)
    assert statuses == [401] * 5 + [429]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    right = browser.post("/login", data={"email": "ther@north.test", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429  # still blocked, even with the right password


def test_the_login_page_explains_why_plain_http_from_another_device_cannot_work(site):
    from fastapi.testclient import TestClient

    from backcare.web.app import create_app
    from backcare.web.settings import Settings

    app = create_app(Settings(database_url=site["url"], secure_cookies=True))
    assert "This connection is not encrypted" in TestClient(app, base_url="http://192.168.1.20:8000").get("/login").text
    assert "This connection is not encrypted" not in TestClient(app, base_url="http://127.0.0.1:8000").get("/login").text
    assert "This connection is not encrypted" not in TestClient(app, base_url="https://clinic.example").get("/login").text


def test_session_cookie_flags_and_logout(site, tmp_path):
    from fastapi.testclient import TestClient

    from backcare.web.app import create_app
    from backcare.web.settings import Settings

    browser = TestClient(create_app(Settings(database_url=site["url"], secure_cookies=True)), base_url="https://127.0.0.1")
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = browser.post("/login", data={"email": "ther@north.test", "password": PASSWORD, "csrf_token": token},
                            follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "backcare_session=" in cookie and "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    csrf = csrf_of(browser.get("/clients").text)
    browser.post("/logout", data={"csrf_token": csrf})
    assert browser.get("/clients", follow_redirects=False).status_code == 303


def test_bad_client_input_is_shown_beside_each_field_and_saves_nothing(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    count = len(site["records"].list_clients(site["people"]["north"]).rows)
    response = browser.post("/clients/new", data={"csrf_token": csrf, "name": "", "email": "not-an-email",
                                                  "date_of_birth": "2999-01-01", "phone": "call me", "consent_given": "yes"})
    assert response.status_code == 422
    for field in ("name", "email", "date_of_birth", "phone", "consent_date"):
        assert f'id="{field}-error"' in response.text, field
    assert 'id="name-error">This field is required' in response.text
    assert 'id="email-error">Enter a valid email address' in response.text
    assert len(site["records"].list_clients(site["people"]["north"]).rows) == count


def test_bad_visit_input_names_the_field_and_saves_nothing(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    url = f"/clients/{site['client_id']}/visits/new"
    response = browser.post(url, data={"csrf_token": csrf, "visit_date": TODAY, "client.age": "forty",
                                       "symptoms.pain_nrs": "14", "special_tests.slr.left": "positve"})
    assert response.status_code == 422
    assert 'id="client.age-error">Enter a whole number' in response.text
    response = browser.post(url, data={"csrf_token": csrf, "visit_date": TODAY, "symptoms.pain_nrs": "14",
                                       "special_tests.slr.left": "positve"})
    assert 'id="symptoms.pain_nrs-error"' in response.text and 'id="special_tests.slr.left-error"' in response.text
    assert len(site["records"].timeline(site["people"]["north"], site["client_id"]).entries) == 1


def test_non_admins_cannot_manage_users_or_read_the_audit_log(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    assert browser.get("/admin/users").status_code == 403
    assert browser.get("/admin/audit").status_code == 403
    admin = make_client(site["url"])
    login(admin, "admin@north.test")
    audit = admin.get("/admin/audit").text
    assert "visit.create" in audit and "client.create" in audit
    assert "session.login" in audit and "Tom Therapist" in audit


def test_api_assess_and_a_full_visit_flow(site):
    browser = make_client(site["url"])
    me = browser.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD}).json()
    headers = {"X-CSRF-Token": me["csrf_token"]}
    out = browser.post("/api/assess", json={"symptoms": {"saddle_anaesthesia": True}}, headers=headers).json()
    assert out["referral"]["urgency"] == "emergency" and out["plan"]["treat"] is False
    bad = browser.post("/api/assess", json={"special_tests": {"slr": {"left": "positve"}}}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["problems"] == ["special_tests.slr.left: 'positve' is not one of: positive, negative"]
    assert browser.post("/api/assess", content=b"{not json", headers={**headers, "content-type": "application/json"}).status_code == 400
    client = browser.post("/api/clients", json={"name": "Api Person", "consent_given": True, "consent_date": TODAY}, headers=headers)
    assert client.status_code == 201
    visit = browser.post(f"/api/clients/{client.json()['id']}/visits", json={"visit_date": TODAY, "case": a_visit_case()}, headers=headers)
    assert visit.status_code == 201 and visit.json()["assessment"]["referral"]["urgency"] == "none"
    signed = browser.post(f"/api/visits/{visit.json()['id']}/sign", headers=headers)
    assert signed.json()["signed_at"]
    assert browser.put(f"/api/visits/{visit.json()['id']}/soap", json={"plan": "x"}, headers=headers).status_code == 409
    missing = browser.post("/api/clients", json={"name": ""}, headers=headers)
    assert missing.status_code == 422 and missing.json()["problems"]


def test_pages_carry_security_headers_and_are_never_cached(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{site['client_id']}")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert browser.get(f"/api/clients/{site['client_id']}").headers["cache-control"] == "no-store"


def test_openapi_documents_the_api(site):
    spec = make_client(site["url"]).get("/api/openapi.json").json()
    assert {"/api/assess", "/api/clients", "/api/clients/{client_id}/visits", "/api/visits/{visit_id}/sign"} <= set(spec["paths"])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make test installs it)")
def test_the_handout_is_a_pdf_that_names_the_exercises(site, tmp_path):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    response = browser.get(f"/visits/{site['visit_id']}/handout.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    (tmp_path / "h.pdf").write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Your home care plan" in text and "Glute bridge" in text and "When to get help straight away" in text


def test_the_client_page_reports_a_meaningful_pain_change(site):
    from datetime import timedelta

    north = site["people"]["north"]
    earlier = a_visit_case()
    earlier["symptoms"]["pain_nrs"] = 8
    site["records"].create_visit(north, site["client_id"], {"visit_date": date.today() - timedelta(days=14), "case": earlier})
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{site['client_id']}").text
    assert re.search(r"From 8/10 \(\d{1,2} [A-Z][a-z]{2} \d{4}\) to 5/10 \(\d{1,2} [A-Z][a-z]{2} \d{4}\): better by 3 points, at least the minimal important change of 2", page)
    assert f'href="/clients/{site["client_id"]}/progress"' in page
