"""Limits that hold: sign-in and client-mode tries counted atomically under a race, progressive delays that spare
the real user's own browser, no body read before the session is checked or past its cap, and workers that stop
with their supervisor."""
from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from backcare.web.app import create_app
from backcare.web.settings import Settings
from server_support import free_port, wait_until_up
from web_support import PASSWORD, a_visit_case, fresh_records, login, make_client, seed


@pytest.fixture
def site(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": "2026-01-05", "case": a_visit_case()})
    return {"url": database_url, "records": records, "people": people, "client_id": client_id, "visit_id": visit_id}


@contextmanager
def live(app):
    """The app served by uvicorn in a thread (real concurrency, real sockets); yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _counting(obj, name: str) -> list:
    calls: list = []
    original = getattr(obj, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


def test_forty_racing_wrong_sign_ins_check_no_more_passwords_than_the_limit(site):
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    checked = _counting(app.state.records, "authenticate")
    with live(app) as base, ThreadPoolExecutor(40) as pool:
        start = time.monotonic()
        answers = list(pool.map(lambda _: httpx.post(f"{base}/api/login", json={"email": "ther@north.test", "password": "wrong guess"},
                                                     timeout=60).status_code, range(40)))
        elapsed = time.monotonic() - start
    # Five tries at once, then one more after 1 s, 2 s more, 4 s more...: what the schedule allows in the time the burst took.
    allowed = 5 + int(math.log2(elapsed + 1))
    assert len(checked) <= allowed and answers.count(401) == len(checked) and answers.count(429) == 40 - len(checked), (checked, elapsed)


def test_sixty_racing_wrong_unlocks_check_five_and_end_the_session(site):
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    checked = _counting(app.state.records, "check_pin_or_password")
    with live(app) as base:
        tablet = httpx.Client(base_url=base, timeout=60)
        page = tablet.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        tablet.post("/login", data={"email": "ther@north.test", "password": PASSWORD, "csrf_token": token})
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', tablet.get("/clients").text).group(1)
        started = tablet.post(f"/clients/{site['client_id']}/questionnaires/client-mode",
                              data={"csrf_token": csrf, "instrument": "nprs"})
        assert started.status_code == 303 and started.headers["location"] == "/client-mode"
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', tablet.get("/client-mode").text).group(1)
        cookies = dict(tablet.cookies)

        def wrong(_):
            return httpx.post(f"{base}/client-mode/unlock", data={"csrf_token": csrf, "secret": "0000"}, cookies=cookies,
                              timeout=60).status_code

        with ThreadPoolExecutor(60) as pool:
            list(pool.map(wrong, range(60)))
        assert len(checked) <= 5
        time.sleep(app.state.settings.session_recheck_seconds)  # past any worker's memory of the session
        assert tablet.get("/client-mode").headers.get("location", "").startswith("/login")


def test_wrong_passwords_from_elsewhere_slow_down_but_do_not_lock_out_the_users_own_browser(site):
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    own = make_client(site["url"], peer="192.0.2.10", app=app)
    login(own, "ther@north.test")
    own.post("/logout", data={"csrf_token": re.search(r'content="([^"]+)"', own.get("/clients").text).group(1)})
    waits = []
    for n in range(9):  # an attacker, from addresses of its own
        attacker = make_client(site["url"], peer=f"198.51.100.{n}", app=app)
        answer = attacker.post("/api/login", json={"email": "ther@north.test", "password": f"guess {n}"})
        if answer.status_code == 429:
            waits.append(int(answer.headers["retry-after"]))
            time.sleep(min(int(answer.headers["retry-after"]), 2))
    # Five free tries, then each try waits longer (a slope, not a wall).
    assert waits and waits == sorted(waits) and waits[0] <= 2
    # The therapist's own browser, known from an earlier sign-in, signs in at once.
    assert login(own, "ther@north.test")
    # A browser the account has never used waits (seconds to minutes), but is not refused for good.
    stranger = make_client(site["url"], peer="192.0.2.99", app=app)
    answer = stranger.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD})
    assert answer.status_code == 429 and 0 < int(answer.headers["retry-after"]) <= 900
    assert "Wait" in answer.json()["detail"]


def test_a_second_sign_in_on_a_browser_ends_its_first_session(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    first = browser.cookies.get("backcare_session")
    login(browser, "ther@north.test")
    stale = make_client(site["url"])
    stale.cookies.set("backcare_session", first)
    assert stale.get("/clients", follow_redirects=False).status_code == 303  # to the login page


def test_client_mode_will_not_start_on_another_clinics_visit(site):
    records, people = site["records"], site["people"]
    theirs = records.create_client(people["south"], {"name": "Sam South"})
    their_visit = records.create_visit(people["south"], theirs, {"visit_date": "2026-01-05", "case": a_visit_case()})
    other_client = records.create_client(people["north"], {"name": "Al Other"})
    other_visit = records.create_visit(people["north"], other_client, {"visit_date": "2026-01-05", "case": a_visit_case()})
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    for visit in (their_visit, other_visit):
        answer = browser.post(f"/clients/{site['client_id']}/questionnaires/client-mode",
                              data={"csrf_token": csrf, "instrument": "nprs", "visit_id": str(visit)}, follow_redirects=False)
        assert answer.status_code == 404
    assert browser.get("/clients", follow_redirects=False).status_code == 200  # still a normal session


def _raw(port: int, request: bytes, wait: float = 5) -> bytes:
    """Send a request's head (and whatever body is given) and read the answer, without ever sending the rest."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        try:
            return sock.recv(4096)
        except socket.timeout:
            return b"(no answer: the server is waiting for the body)"


def test_no_body_is_read_before_the_session_is_checked_or_past_its_cap(site):
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    with live(app) as base:
        port = int(base.rsplit(":", 1)[1])
        # 300 MB announced to /logout, no cookie: answered at once, the body never read.
        answer = _raw(port, b"POST /logout HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                            b"Content-Length: 300000000\r\n\r\n--b\r\n")
        assert answer.startswith(b"HTTP/1.1 413")
        answer = _raw(port, b"POST /logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                            b"Content-Length: 1000\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 303") and b"location: /login" in answer.lower()
        answer = _raw(port, b"POST /api/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 150000000\r\n\r\n{")
        assert answer.startswith(b"HTTP/1.1 413")
        answer = _raw(port, b"POST /api/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 50\r\n\r\n{")
        assert answer.startswith(b"HTTP/1.1 401")
        # Signed in, a body sent in chunks without a length is cut off once it passes the cap.
        client = httpx.Client(base_url=base, timeout=30)
        csrf = client.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD}).json()["csrf_token"]

        def chunks():
            yield b'{"name": "'
            for _ in range(40):
                yield b"x" * 100_000
            yield b'"}'

        answer = client.post("/api/clients", content=chunks(), headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
        assert answer.status_code == 413 and "larger" in answer.json()["detail"]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().split(") ", 1)[1][0] not in "ZX"
    except OSError:
        return False


def test_workers_stop_when_their_supervisor_is_killed_and_no_server_starts_beside_a_running_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    fresh_records(url)
    port = free_port()
    env = {**os.environ, "BACKCARE_DATABASE_URL": url, "BACKCARE_SECURE_COOKIES": "0"}
    supervisor = subprocess.Popen([sys.executable, "-m", "backcare", "serve", "--port", str(port), "--workers", "2"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", supervisor)
        second = subprocess.run([sys.executable, "-m", "backcare", "serve", "--port", str(port)], env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 2 and "already answers" in second.stderr
        deadline = time.monotonic() + 20
        while len([c for c in _children(supervisor.pid) if _alive(c)]) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [c for c in _children(supervisor.pid) if _alive(c)]
        assert len(workers) >= 2
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait()
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        for w in _children(supervisor.pid):
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass


def test_the_gate_and_the_csrf_check_cover_the_treatment_settings_and_home_programme_routes(site):
    """Routes added with the treatment session, the clinic settings and the home programme: a write without a
    session is sent to sign in before its body is read, any body is capped, and a signed-in write needs the CSRF token;
    the client's own home programme page (no account) stays open to its small forms."""
    visit_id = site["visit_id"]
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    written = [f"/visits/{visit_id}/treatment", f"/visits/{visit_id}/treatment/as-planned", f"/visits/{visit_id}/consents",
               f"/visits/{visit_id}/programme", "/admin/clinic", "/admin/clinic/consent-pack", "/check-ins/1/acknowledge",
               f"/clients/{site['client_id']}/homecare", "/session/keep"]
    with live(app) as base:
        port = int(base.rsplit(":", 1)[1])
        for path in written:
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n".encode()
            assert _raw(port, head + b"Content-Length: 300000000\r\n\r\nx").startswith(b"HTTP/1.1 413"), path
            answer = _raw(port, head + b"Content-Length: 1000\r\n\r\n")  # the body never comes: answered from the head
            assert answer.startswith(b"HTTP/1.1 303") and b"location: /login" in answer.lower(), path
        home = b"POST /home/" + b"x" * 43 + b"/check-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        assert _raw(port, home + b"Content-Length: 300000000\r\n\r\nx").startswith(b"HTTP/1.1 413")
        answer = httpx.post(f"{base}/home/{'x' * 43}/check-in", data={"pain_nrs": "4"})
        assert answer.status_code == 404 and "login" not in str(answer.url)  # no session needed: the link's own page says no
    browser = make_client(site["url"])
    csrf = login(browser, "admin@north.test")
    for path, data in ((f"/visits/{visit_id}/treatment", {"total_minutes": "30"}), ("/admin/clinic", {"name": "Renamed"}),
                       ("/admin/clinic/consent-pack", {"consent_pack": "ontario"})):
        assert browser.post(path, data=data, follow_redirects=False).status_code == 403, path
        assert browser.post(path, data={**data, "csrf_token": "not-the-token"}, follow_redirects=False).status_code == 403, path
    assert site["records"].clinic_details(site["people"]["north_admin"]).name != "Renamed"
    # With the session's token the same kind of write goes through.
    answer = browser.post("/admin/clinic/consent-pack", data={"consent_pack": "ontario", "csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
