"""Reminders and alerts by e-mail: each weekly check-in reminder sent once with two servers
sending at the same moment (SQLite and PostgreSQL), the command line with and without SMTP,
and the clinic e-mailed at once when a check-in points to an emergency."""
from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.homecare import rules
from backcare.records.links import token_hash
from backcare.storage.models import CheckInReminder, Client, HomeLink, HomeLinkKey
from smtp_support import smtp_server
from web_support import a_visit_case, fresh_records, make_client, seed

PUBLIC = "https://backcare.example.org"


def _reminder_day() -> datetime:
    """The next moment a reminder is due (the rules' weekday, mid-morning UTC), today or later."""
    today = date.today()
    day = today + timedelta(days=(rules().reminders.weekday - today.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)


def _clinic_with_links(url: str, clients: int, at: datetime):
    records = fresh_records(url)
    people = seed(records)
    me = people["north"]
    tokens = {}
    for n in range(clients):
        client_id = records.create_client(me, {"name": f"Rhea Remind{n}", "email": f"rhea{n}@example.org" if n else None})
        records.create_visit(me, client_id, {"visit_date": date.today(), "case": a_visit_case()})
        tokens[client_id] = records.create_home_link(me, client_id, now=at - timedelta(days=10))[0]
    return records, people, tokens


def _send(url: str, port: int, at: datetime, start) -> tuple[bool, int]:
    """One server's run of the reminders (in a process of its own)."""
    from backcare.records import Records
    from backcare.storage.db import make_engine, make_sessionmaker
    from backcare.web.homecare.outbox import run_reminders
    from backcare.web.settings import Settings

    engine = make_engine(url)
    records = Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, public_url=PUBLIC)
    start.wait(30)
    result = run_reminders(records, settings, PUBLIC, now=at)
    engine.dispose()
    return result.held, len(result.sent)


def test_two_servers_at_once_send_each_reminder_once(database_url):
    at = _reminder_day()
    records, _people, tokens = _clinic_with_links(database_url, 7, at)  # the first client has no e-mail address
    context = multiprocessing.get_context("spawn")
    with smtp_server(delay=0.15) as smtp, context.Manager() as manager:
        start = manager.Event()
        with context.Pool(2) as pool:
            runs = [pool.apply_async(_send, (database_url, smtp.port, at, start)) for _ in range(2)]
            start.set()  # both servers go at the same moment
            results = [r.get(120) for r in runs]
        again = _send(database_url, smtp.port, at, type("Go", (), {"wait": lambda self, t: True})())
        recipients = [m["To"] for m in smtp.messages]
    assert sorted(recipients) == sorted(f"rhea{n}@example.org" for n in range(1, 7))  # six sent, none twice
    assert sum(sent for _, sent in results) == 6 and again == (True, 0)
    with records.sessions() as db:
        assert db.scalar(select(func.count()).select_from(CheckInReminder)) == 6
    for message in smtp.messages:  # each reminder carries a key that opens the programme of the client it went to
        token = re.search(r"/home/(\S+)", message.get_payload()).group(1)
        assert records.open_home(token, now=at).items
        with records.sessions() as db:
            owner = db.scalar(select(Client.email).join(HomeLink, HomeLink.client_id == Client.id)
                              .join(HomeLinkKey, HomeLinkKey.link_id == HomeLink.id).where(HomeLinkKey.token_hash == token_hash(token)))
        assert owner == message["To"]
    due = records.due_reminders(at)
    assert [d.email for d in due] == [None]  # only the client without an address is still due: the clinic sends that one
    assert records.claim_reminder(due[0], at) is not None and records.claim_reminder(due[0], at) is None  # once, even unlocked


def test_a_reminder_that_fails_is_tried_again(tmp_path):
    at = _reminder_day()
    url = f"sqlite:///{tmp_path / 'r.db'}"
    records, _people, _tokens = _clinic_with_links(url, 2, at)
    from backcare.web.homecare.outbox import run_reminders
    from backcare.web.settings import Settings

    closed = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=1, smtp_starttls=False, public_url=PUBLIC)
    failed = run_reminders(records, closed, PUBLIC, now=at)
    assert len(failed.failed) == 1 and failed.sent == []
    with smtp_server() as smtp:
        working = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, public_url=PUBLIC)
        assert len(run_reminders(records, working, PUBLIC, now=at).sent) == 1
        assert smtp.messages[0]["To"] == "rhea1@example.org"


def test_the_command_line_lists_without_smtp_and_sends_once_with_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    at = datetime.now(timezone.utc)
    records, _people, _tokens = _clinic_with_links(url, 3, at)
    expected = len([d for d in records.due_reminders() if d.email])  # today's weekday decides whether any is due
    run = lambda *args, **env: subprocess.run([sys.executable, "-m", "backcare", "reminders", "send", *args],  # noqa: E731
                                              capture_output=True, text=True, env={**os.environ, "BACKCARE_DATABASE_URL": url, **env})
    listing = run("--list")
    assert listing.returncode == 0 and "no SMTP server is set, so none was sent" in listing.stdout
    assert listing.stdout.count("Rhea Remind") == len(records.due_reminders())
    quiet = run()  # not a terminal: counts only, no names in a timer's journal
    assert "Rhea" not in quiet.stdout
    with smtp_server() as smtp:
        mail = {"BACKCARE_SMTP_HOST": "127.0.0.1", "BACKCARE_SMTP_PORT": str(smtp.port), "BACKCARE_SMTP_STARTTLS": "0"}
        assert "BACKCARE_PUBLIC_URL" in run(**mail).stderr  # reminders carry a link: the public address is needed
        first, second = run(**mail, BACKCARE_PUBLIC_URL=PUBLIC), run(**mail, BACKCARE_PUBLIC_URL=PUBLIC)
        assert first.returncode == 0 and f"reminders sent: {expected}" in first.stdout, first.stderr
        assert "reminders sent: 0" in second.stdout and len(smtp.messages) == expected


def test_the_clinic_is_emailed_at_once_about_an_emergency_check_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'alert.db'}"
    records, people, tokens = _clinic_with_links(url, 1, datetime.now(timezone.utc))
    records.update_clinic(people["north_admin"], {"name": "North Clinic", "email": "desk@northclinic.org", "timezone": "UTC"})
    token = next(iter(tokens.values()))
    form = {f"screening.{q}": "yes" if q == "saddle_anaesthesia" else "no" for q in load_knowledge().intake["screening"]}
    form |= {"pain_nrs": "6", "exercise_days": "2"}
    with smtp_server() as smtp:
        visitor = make_client(url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, public_url=PUBLIC)
        answer = visitor.post(f"/home/{token}/check-in", data=form)
        assert answer.status_code == 200 and "Please go to an emergency department now" in answer.text
        assert [m["To"] for m in smtp.messages] == ["desk@northclinic.org"]
        body = smtp.messages[0].get_payload()
        assert f"{PUBLIC}/clients/" in body and "Rhea" not in body and "saddle" not in body.lower()  # no health details
    from backcare.web.homecare.outbox import send_clinic_alerts
    from backcare.web.settings import Settings

    assert send_clinic_alerts(records, Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=1), PUBLIC) == (0, 0)  # once
