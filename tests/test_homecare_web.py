"""The home programme over HTTP: the client's page behind the link (the intake's neutral page for
every link that cannot be used, limits, check-in answers named), the therapist's side (the flag
until acknowledged, the link by e-mail, the next visit's changes reaching the link, the summary
at the top of the next visit, the progress page and report), and the demo clinic."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.storage.models import HomeLink
from web_support import a_visit_case, fresh_records, login, make_client, seed

SCREENING = list(load_knowledge().intake["screening"])


def check_in_form(yes=(), **fields) -> dict:
    data = {f"screening.{q}": "yes" if q in yes else "no" for q in SCREENING}
    return {**data, "pain_nrs": "4", "exercise_days": "5", **fields}


@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    records = fresh_records(url)
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Hugo Home", "email": "hugo@example.org"})
    first = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=7), "case": a_visit_case()})
    therapist = make_client(url)
    csrf = login(therapist, "ther@north.test")
    return {"url": url, "records": records, "people": people, "client_id": client_id, "visit_id": first,
            "therapist": therapist, "csrf": csrf}


def _link(site, **form) -> str:
    page = site["therapist"].post(f"/clients/{site['client_id']}/homecare", data={"csrf_token": site["csrf"], "weeks": "8", **form})
    assert page.status_code == 200 and '<svg' in page.text and "your home programme" in page.text.lower()
    return re.search(r'value="http://127\.0\.0\.1(/home/[^"]+)"', page.text).group(1)


def _neutral(response) -> tuple[int, str]:
    return response.status_code, re.sub(r'content="[^"]*"', "", response.text)


def test_every_link_that_cannot_be_used_answers_the_intakes_page(site):
    records, me, visitor = site["records"], site["people"]["north"], make_client(site["url"])
    forged = visitor.get("/home/" + "A" * 43)
    intake_forged = visitor.get("/intake/" + "A" * 43)
    first = _link(site)
    second = _link(site)  # replaces the first
    replaced = visitor.get(first)
    site["therapist"].post(f"/clients/{site['client_id']}/homecare/links/{records.home_links(me, site['client_id'])[0].id}/revoke",
                           data={"csrf_token": site["csrf"]})
    revoked = visitor.get(second)
    third = _link(site)
    with records.sessions.begin() as db:
        db.execute(update(HomeLink).where(HomeLink.ended_at.is_(None)).values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    expired = visitor.get(third)
    fourth = _link(site)
    assert visitor.get(fourth).status_code == 200
    episode = records.episode_record(me, site["client_id"]).episode
    records.close_episode(me, site["client_id"], episode.id, {"reason": "goals_met", "closed_on": date.today()})
    discharged = visitor.get(fourth)
    ticked_after = visitor.post(fourth + "/tick", data={"item": "glute_bridge"})
    pages = {_neutral(r) for r in (forged, intake_forged, replaced, revoked, expired, discharged, ticked_after)}
    assert len(pages) == 1 and forged.status_code == 404 and "cannot be used" in forged.text


def test_the_page_shows_the_first_name_the_programme_and_the_safety_net_only(site):
    path = _link(site)
    visitor = make_client(site["url"])
    page = visitor.get(path).text
    assert "Hello Hugo" in page and "Hugo Home" not in page and "hugo@example.org" not in page
    assert 'href="/clients' not in page  # no way into the record
    assert load_knowledge().safety_net[:60] in page and load_knowledge().intake["emergency_advice"][:40] in page
    assert page.count('<svg class="exercise"') >= 1 and page.count('class="big-button">Done today') >= 1
    assert "Keep this page's address" in page
    token = path.removeprefix("/home/")
    assert f'action="/home/{token}/tick"' in page and f'action="/home/{token}/check-in"' in page  # the forms post to the link


def test_ticks_and_a_check_in_with_answers_named_and_once_a_week(site):
    path = _link(site)
    visitor = make_client(site["url"])
    page = visitor.get(path).text
    exercise = re.search(r'name="item" value="([^"]+)"', page).group(1)
    ticked = visitor.post(path + "/tick", data={"item": exercise}, follow_redirects=True)
    assert "1 of" in ticked.text and "Done today</p>" in ticked.text.replace('<span aria-hidden="true">&#10003;</span> ', "")
    partial = check_in_form(pain_nrs="11", **{f"felt.{exercise}": "wonderful"})
    partial.pop(f"screening.{SCREENING[0]}")
    refused = visitor.post(path + "/check-in", data=partial)
    assert refused.status_code == 422
    assert all(words in refused.text for words in ("Please answer every question in this part", "Choose a number from 0 to 10",
                                                   "Choose how each exercise felt from the list"))
    sent = visitor.post(path + "/check-in", data=check_in_form(**{f"felt.{exercise}": "easier"}))
    assert sent.status_code == 200 and "Thank you, Hugo" in sent.text
    again = visitor.post(path + "/check-in", data=check_in_form())
    assert again.status_code == 409 and "sent already" in again.text
    record = site["records"].home_record(site["people"]["north"], site["client_id"])
    assert [c.answers["felt"] for c in record.check_ins] == [{exercise: "easier"}] and len(record.ticks) == 1


def test_bursts_and_oversized_bodies_are_refused(site):
    path = _link(site)
    visitor = make_client(site["url"], peer="203.0.113.7", homecare_max_per_window=5)
    statuses = [visitor.post("/home/" + "B" * 43 + "/tick", data={"item": "x"}).status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
    other = make_client(site["url"], peer="203.0.113.8")
    assert other.post(path + "/check-in", data={**check_in_form(), "notes": "x" * 20_000}).status_code == 413
    assert other.post(path + "/check-in", data=check_in_form()).status_code == 200


def test_an_emergency_is_flagged_on_the_client_list_until_acknowledged(site):
    path = _link(site)
    answer = make_client(site["url"]).post(path + "/check-in", data=check_in_form(["bladder_dysfunction"]))
    assert "Please go to an emergency department now" in answer.text and load_knowledge().intake["emergency_advice"] in answer.text
    listing = site["therapist"].get("/clients").text
    assert "Needs your attention now: a weekly check-in" in listing and "Hugo Home" in listing
    check_in_id = re.search(r'action="/check-ins/(\d+)/acknowledge"', listing).group(1)
    south = make_client(site["url"])
    south_csrf = login(south, "ther@south.test")
    assert "Hugo" not in south.get("/clients").text
    assert south.post(f"/check-ins/{check_in_id}/acknowledge", data={"csrf_token": south_csrf}).status_code == 404
    done = site["therapist"].post(f"/check-ins/{check_in_id}/acknowledge", data={"csrf_token": site["csrf"], "back": "/clients"})
    assert done.status_code == 200 and "a weekly check-in points to a referral" not in done.text
    home = site["therapist"].get(f"/clients/{site['client_id']}/homecare").text
    assert "Acknowledged" in home and "EMERGENCY" in home


def test_the_link_goes_by_email_and_a_reminder_can_be_copied(site, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    therapist = make_client(site["url"], smtp_host="mail.example.org", public_url="https://care.example.org")
    csrf = login(therapist, "ther@north.test")
    page = therapist.post(f"/clients/{site['client_id']}/homecare", data={"csrf_token": csrf, "weeks": "4", "send_email": "yes"})
    assert "Sent by e-mail to hugo@example.org" in page.text
    body = sent[-1].get_content()
    assert sent[-1]["To"] == "hugo@example.org" and "https://care.example.org/home/" in body and "emergency department" in body
    reminder = therapist.post(f"/clients/{site['client_id']}/homecare/reminder", data={"csrf_token": csrf}).text
    key = re.search(r"https://care\.example\.org(/home/\S+)", reminder).group(1)
    assert make_client(site["url"]).get(key).status_code == 200  # a new key to the same link: the link itself stays
    assert make_client(site["url"]).get(re.search(r"https://care\.example\.org(/home/\S+)", body).group(1)).status_code == 200


def test_the_next_visit_sees_the_summary_and_changes_what_the_link_shows(site):
    records, me = site["records"], site["people"]["north"]
    path = _link(site)
    visitor = make_client(site["url"])
    exercise = re.search(r'name="item" value="([^"]+)"', visitor.get(path).text).group(1)
    visitor.post(path + "/tick", data={"item": exercise})
    visitor.post(path + "/check-in", data=check_in_form(pain_nrs="3", **{f"felt.{exercise}": "easier"}))
    therapist = site["therapist"]
    new_visit = therapist.get(f"/clients/{site['client_id']}/visits/new").text
    summary = re.sub(r"\s+", " ", re.search(r'<div class="card between-visits".*?</div>', new_visit, re.S).group(0))
    assert "did 1 of" in summary and "felt easier" in summary and "pain 5 → 3" in summary
    second = records.create_visit(me, site["client_id"], {"visit_date": date.today(), "case": a_visit_case()})
    visit_page = therapist.get(f"/visits/{second}").text
    assert "Between visits" in visit_page and 'id="programme"' in visit_page
    refused = therapist.post(f"/visits/{second}/programme", data={"csrf_token": site["csrf"], f"change.{exercise}": "swap:no_such_item"})
    assert refused.status_code == 422 and "choose a change from the list" in refused.text
    changed = therapist.post(f"/visits/{second}/programme", data={"csrf_token": site["csrf"], f"change.{exercise}": "up"})
    assert changed.status_code == 200 and "Home programme saved" in changed.text
    assert "Harder from now on" in visitor.get(path).text
    assert therapist.get(f"/visits/{site['visit_id']}").text.count('name="change.') == 0  # an earlier visit shows, never changes


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make test installs it)")
def test_the_progress_page_and_report_show_adherence_beside_the_scores(site, tmp_path):
    path = _link(site)
    visitor = make_client(site["url"])
    exercise = re.search(r'name="item" value="([^"]+)"', visitor.get(path).text).group(1)
    visitor.post(path + "/tick", data={"item": exercise})
    visitor.post(path + "/check-in", data=check_in_form(pain_nrs="2"))
    page = site["therapist"].get(f"/clients/{site['client_id']}/progress").text
    assert "Home programme: adherence and weekly check-ins" in page and "open dots from the client" in page
    assert re.search(r"1 of \d+ \(\d+ %\)", page) and "2/10" in page
    pdf = site["therapist"].get(f"/clients/{site['client_id']}/progress.pdf")
    (tmp_path / "p.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Home programme" in text and "2/10" in text


def test_the_demo_clinic_has_a_client_following_a_programme(tmp_path):
    from backcare.web.demo import create_demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    records = fresh_records(url)
    passwords = create_demo(records)
    browser = make_client(url)
    login(browser, "therapist@demo.backcare", passwords["therapist@demo.backcare"])
    client_id = re.search(r'href="/clients/(\d+)">Priya Shah', browser.get("/clients").text).group(1)
    page = re.sub(r"\s+", " ", browser.get(f"/clients/{client_id}/homecare").text)
    assert page.count("/10</td>") == 3  # three weekly check-ins
    summary = re.sub(r"\s+", " ", re.search(r'<div class="card between-visits".*?</div>', browser.get(f"/clients/{client_id}/visits/new").text, re.S).group(0))
    assert re.search(r"did \d+ of \d+ planned sessions", summary) and "felt easier" in summary and "pain 3 → 2" in summary
