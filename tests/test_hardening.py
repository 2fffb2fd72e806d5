"""What a fuzzer and an attacker tried (issue 7), one test per finding, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from backcare.records import FieldErrors
from backcare.storage.models import AuditEvent, Visit
from web_support import PASSWORD, TODAY, a_visit_case, fresh_records, login, make_client, seed


@pytest.fixture
def site(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": a_visit_case()})
    return {"url": database_url, "records": records, "people": people, "client_id": client_id, "visit_id": visit_id}


def api_login(browser, email="ther@north.test", password=PASSWORD) -> str:
    response = browser.post("/api/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def audit(site, **where) -> list[AuditEvent]:
    with site["records"].sessions() as db:
        query = select(AuditEvent)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(db.scalars(query.order_by(AuditEvent.id)))


# 1. Rate limits: one key per account whatever its spelling; forwarded addresses only from trusted proxies.
def test_spaces_and_capitals_do_not_buy_fresh_guesses(site):
    browser = make_client(site["url"])
    for variant in ("ther@north.test", "   ther@north.test", "THER@north.test ", "\tther@North.Test", " ther@north.test"):
        assert browser.post("/api/login", json={"email": variant, "password": "wrong guess"}).status_code == 401
    assert browser.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD}).status_code == 429


def test_a_forged_forwarded_address_is_neither_believed_nor_logged(site):
    browser = make_client(site["url"], peer="127.0.0.1")
    for i in range(5):
        response = browser.post("/api/login", json={"email": f"nobody{i}@north.test", "password": "x"},
                                headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert response.status_code == 401
    # Every attempt counted against the real peer: a sixth account is refused from it too.
    assert browser.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD},
                        headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 429
    fresh = make_client(site["url"], peer="127.0.0.2")
    api_login(fresh)
    assert all("203.0.113" not in e.detail for e in audit(site, action="session.login"))


def test_a_trusted_proxy_reports_the_client_address(site):
    import ipaddress

    proxy = make_client(site["url"], peer="10.0.0.5", trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),))
    response = proxy.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD},
                          headers={"X-Forwarded-For": "198.51.100.7, 10.0.0.9"})
    assert response.status_code == 200
    assert audit(site, action="session.login")[-1].detail == "from 198.51.100.7"


# 2. Nothing is committed that cannot be read back; bad text is refused with the field's name.
def test_an_overlong_or_broken_text_is_refused_before_anything_is_saved(site):
    browser = make_client(site["url"])
    csrf = api_login(browser)
    url = f"/api/clients/{site['client_id']}/visits"
    with site["records"].sessions() as db:
        before = db.scalar(select(func.count()).select_from(Visit))
    long = browser.post(url, json={"visit_date": TODAY, "case": {"history": {"mechanism": "x" * 20000}}},
                        headers={"X-CSRF-Token": csrf})
    assert long.status_code == 422 and "history.mechanism" in long.text and "4,000" in long.text
    broken = browser.post(url, content=b'{"visit_date": "%s", "case": {"history": {"mechanism": "a\\ud800"}}}' % TODAY.encode(),
                          headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert broken.status_code == 422 and "lone surrogate" in broken.text
    assessed = browser.post("/api/assess", content=b'{"id": "x\\ud800"}',
                            headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert assessed.status_code == 422 and assessed.json()["problems"][0].startswith("id:")
    soap = browser.put(f"/api/visits/{site['visit_id']}/soap", content=b'{"plan": "ok\\u0000"}',
                       headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert soap.status_code == 422 and "NUL" in soap.text
    with site["records"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(Visit)) == before
    assert browser.get(f"/api/clients/{site['client_id']}/visits").status_code == 200


# 3. Only the treating therapist edits a note; save-and-sign is all or nothing.
def test_another_therapist_cannot_rewrite_or_sign_a_colleagues_note(site):
    records, people = site["records"], site["people"]
    records.add_user(people["north_admin"], "two@north.test", "Tess Two", PASSWORD, "therapist")
    browser = make_client(site["url"])
    csrf = api_login(browser, "two@north.test")
    original = records.get_visit(people["north"], site["visit_id"]).soap_plan
    response = browser.put(f"/api/visits/{site['visit_id']}/soap", json={"plan": "rewritten"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403
    page = browser.post(f"/visits/{site['visit_id']}/soap", data={"csrf_token": csrf, "plan": "rewritten", "action": "sign"})
    assert page.status_code == 403
    visit = records.get_visit(people["north"], site["visit_id"])
    assert visit.soap_plan == original and visit.signed_at is None


def test_save_and_sign_is_one_transaction(site):
    records, north = site["records"], site["people"]["north"]
    with pytest.raises(FieldErrors):
        records.save_soap(north, site["visit_id"], {"plan": "y" * 30000}, sign=True)
    assert records.get_visit(north, site["visit_id"]).signed_at is None
    records.save_soap(north, site["visit_id"], {"plan": "Review in a week."}, sign=True)
    visit = records.get_visit(north, site["visit_id"])
    assert visit.soap_plan == "Review in a week." and visit.signed_at is not None


# 4. Ids beyond what the database stores, and NUL bytes, are a 404 or a clear 422, never a 500.
def test_huge_ids_and_nul_bytes_never_answer_500(site):
    browser = make_client(site["url"])
    csrf = api_login(browser)
    for big in (2**31, 2**63, 2**70):
        for method, url in (("GET", f"/api/clients/{big}"), ("GET", f"/api/visits/{big}"), ("GET", f"/api/clients/{big}/visits"),
                            ("PUT", f"/api/visits/{big}/soap"), ("GET", f"/clients/{big}"), ("GET", f"/visits/{big}/handout.pdf")):
            response = browser.request(method, url, json={"plan": "x"} if method == "PUT" else None,
                                       headers={"X-CSRF-Token": csrf})
            assert response.status_code == 404, (method, url, response.status_code)
        assert browser.get(f"/api/clients?after={big}").status_code == 200
    assert browser.get("/api/clients", params={"q": "jo\x00"}).status_code == 200
    assert browser.get("/clients", params={"q": "\x00"}).status_code == 200
    anonymous = make_client(site["url"])
    assert anonymous.post("/api/login", json={"email": "a\x00@b", "password": "x"}).status_code == 422
    page = anonymous.get("/login")
    token = page.cookies.get("backcare_login_csrf") or anonymous.cookies.get("backcare_login_csrf")
    form = anonymous.post("/login", data={"email": "ther\x00@north.test", "password": "x\x00", "csrf_token": token})
    assert form.status_code == 401


# 5. The OpenAPI document describes the answers; timestamps carry their offset on both databases.
def test_errors_and_timestamps_match_the_documented_shapes(site):
    browser = make_client(site["url"])
    spec = browser.get("/api/openapi.json").json()
    responses = spec["paths"]["/api/visits/{visit_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404", "422"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
    assert browser.get("/api/me").json() == {"detail": "Log in first (POST /api/login)."}
    csrf = api_login(browser)
    bad = browser.post("/api/clients", json={"name": ""}, headers={"X-CSRF-Token": csrf}).json()
    assert set(bad) <= {"detail", "problems", "errors"} and bad["problems"]
    assert browser.post("/api/clients", content=b"{", headers={"X-CSRF-Token": csrf,
                                                              "Content-Type": "application/json"}).status_code == 400
    browser.post(f"/api/visits/{site['visit_id']}/sign", headers={"X-CSRF-Token": csrf})
    signed = browser.get(f"/api/visits/{site['visit_id']}").json()["signed_at"]
    assert signed.endswith("Z") or signed.endswith("+00:00"), signed


# 6. The audit log names every client a list showed (one event per page), and refused attempts.
def test_a_list_is_audited_per_page_naming_each_client_and_refused_attempts_are_logged(site):
    records, people = site["records"], site["people"]
    records.create_client(people["north"], {"name": "Al Second"})
    page = records.list_clients(people["north"])
    [listed] = audit(site, action="client.list")
    assert set(listed.clients) == {row.id for row in page.rows} and len(listed.clients) == 2
    browser = make_client(site["url"])
    api_login(browser, "ther@south.test")
    assert browser.get(f"/api/clients/{site['client_id']}").status_code == 404
    refused = audit(site, action="access.refused")
    clinics = {e.clinic_id for e in refused}
    assert clinics == {people["north"].clinic_id, people["south"].clinic_id}
    assert all(e.user_id == people["south"].user_id for e in refused)


# 7. Passwords: weak ones refused; a change-password page; an admin reset that forces a change.
@pytest.mark.parametrize("weak", [" " * 10, "aaaaaaaaaa", "password12", "newbie@north.test", "Nina Newbie 1"])
def test_weak_passwords_are_refused(site, weak):
    with pytest.raises(FieldErrors) as info:
        site["records"].add_user(site["people"]["north_admin"], "newbie@north.test", "Nina Newbie", weak, "therapist")
    assert "password" in info.value.errors


def test_a_user_changes_their_password_and_other_sessions_end(site):
    laptop = make_client(site["url"])
    phone = make_client(site["url"], app=laptop.app)  # the same worker: the change is immediate
    login(phone, "ther@north.test")
    csrf = login(laptop, "ther@north.test")
    new = "orange kettle under winter moon"
    refused = laptop.post("/account/password", data={"csrf_token": csrf, "current_password": "wrong",
                                                     "password": new, "password_again": new})
    assert refused.status_code == 422 and "not your current password" in refused.text
    changed = laptop.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                     "password": new, "password_again": new})
    assert changed.status_code == 200 and "Your password is changed" in changed.text
    assert laptop.get("/clients").status_code == 200
    assert phone.get("/clients", follow_redirects=False).status_code == 303
    assert site["records"].authenticate("ther@north.test", new) is not None


def test_an_admin_reset_forces_a_new_password_at_the_next_login(site):
    admin = make_client(site["url"])
    csrf = login(admin, "admin@north.test")
    temporary = "temporary lantern seventeen"
    response = admin.post(f"/admin/users/{site['people']['north'].user_id}/password",
                          data={"csrf_token": csrf, "password": temporary})
    assert response.status_code == 200 and "is reset" in response.text
    therapist = make_client(site["url"])
    login_page = therapist.get("/login")
    token = therapist.cookies.get("backcare_login_csrf")
    landed = therapist.post("/login", data={"email": "ther@north.test", "password": temporary, "csrf_token": token,
                                            "next": "/clients"})
    assert landed.url.path == "/account/password" and "An administrator reset your password" in landed.text
    assert login_page.status_code == 200
    api = make_client(site["url"])
    api_login(api, "ther@north.test", temporary)
    assert api.get("/api/clients").status_code == 403


def test_an_ended_session_reaches_every_worker_within_the_recheck_time(site):
    import time

    first = make_client(site["url"], session_recheck_seconds=0.3)
    second = make_client(site["url"], app=None, session_recheck_seconds=0.3)  # another worker
    csrf = login(first, "ther@north.test")
    second.cookies.update(first.cookies)
    assert second.get("/api/me").status_code == 200
    first.post("/logout", data={"csrf_token": csrf})
    time.sleep(0.5)
    assert second.get("/api/me").status_code == 401


# 8. The PDF renderer fetches only backcare's own static files.
def test_the_pdf_fetcher_serves_only_static_files():
    from backcare.web.pdf import FetchRefused, render, static_only_fetcher

    assert static_only_fetcher("http://backcare.local/static/app.css")["mime_type"] == "text/css"
    for url in ("file:///etc/passwd", "http://example.org/x.png", "http://backcare.local/static/../pdf.py",
                "http://backcare.local/static/%2e%2e/pdf.py"):
        with pytest.raises(FetchRefused):
            static_only_fetcher(url)
    pdf = render('<p>handout</p><img src="file:///etc/hostname"><link rel="stylesheet" href="file:///etc/passwd">')
    assert pdf.startswith(b"%PDF") and b"localhost" not in pdf


# 9. Implausible dates and values a form does not offer are refused, not dropped.
def test_implausible_dates_and_unknown_form_values_are_refused(site):
    browser = make_client(site["url"])
    csrf = api_login(browser)
    old = browser.post(f"/api/clients/{site['client_id']}/visits", json={"visit_date": "0001-01-01", "case": {}},
                       headers={"X-CSRF-Token": csrf})
    assert old.status_code == 422 and "1900" in old.text
    page = browser.post(f"/clients/{site['client_id']}/edit", data={"csrf_token": csrf, "name": "Jo Client",
                                                                   "medical.anticoagulants": "perhaps"})
    assert page.status_code == 422 and "Choose yes, no or not asked" in page.text
    assert site["records"].get_client(site["people"]["north"], site["client_id"]).medical == {}


# 10. The licence and the owners of third-party instruments are stated.
def test_the_licence_and_notice_are_shipped():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert "Apache License" in (root / "LICENSE").read_text() and "Version 2.0" in (root / "LICENSE").read_text()
    notice = (root / "NOTICE").read_text()
    assert "Keele" in notice and "Fairbank" in notice and 'license = "Apache-2.0"' in (root / "pyproject.toml").read_text()
