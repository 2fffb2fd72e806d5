"""Real server processes: several workers and several servers share every piece of state;
acknowledged saves survive a SIGKILL; concurrent writers all succeed. SQLite and PostgreSQL."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from backcare.storage.models import Visit
from server_support import backcare_server, redis_server
from web_support import PASSWORD, TODAY, a_visit_case, fresh_records, seed


@pytest.fixture
def seeded(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    return {"url": database_url, "records": records, "people": people, "client_id": client_id}


def api_login(base: str, email: str = "ther@north.test") -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post("/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def test_two_servers_share_one_session_and_one_rate_limit(seeded):
    with backcare_server(seeded["url"]) as (first, _), backcare_server(seeded["url"]) as (second, _):
        client = api_login(first)
        # The same cookie and CSRF token work on the other server.
        other = httpx.Client(base_url=second, cookies=client.cookies, headers=client.headers, timeout=30)
        assert other.get("/api/me").json()["name"] == "Tom Therapist"
        assert other.post(f"/api/clients/{seeded['client_id']}/visits",
                          json={"visit_date": TODAY, "case": a_visit_case()}).status_code == 201
        # Failed logins spread over both servers add up to one limit.
        for i in range(5):
            base = (first, second)[i % 2]
            assert httpx.post(f"{base}/api/login", json={"email": "admin@north.test", "password": "wrong"}).status_code == 401
        for base in (first, second):
            assert httpx.post(f"{base}/api/login", json={"email": "admin@north.test", "password": PASSWORD}).status_code == 429


def test_two_workers_of_one_server_share_the_session(seeded):
    with backcare_server(seeded["url"], workers=2) as (base, _):
        client = api_login(base)
        # Many short connections land on both workers; every one sees the session.
        for _ in range(20):
            fresh = httpx.Client(base_url=base, cookies=client.cookies, headers=client.headers, timeout=30)
            assert fresh.get("/api/me").status_code == 200
            fresh.close()


def test_rate_limits_live_in_redis_when_configured(seeded):
    with redis_server() as redis_url:
        if redis_url is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is missing in CI")
            pytest.skip("no redis-server on this machine")
        with backcare_server(seeded["url"], BACKCARE_REDIS_URL=redis_url) as (first, _), \
                backcare_server(seeded["url"], BACKCARE_REDIS_URL=redis_url) as (second, _):
            for i in range(5):
                base = (first, second)[i % 2]
                assert httpx.post(f"{base}/api/login", json={"email": " Admin@north.test", "password": "no"}).status_code == 401
            assert httpx.post(f"{second}/api/login", json={"email": "admin@north.test", "password": PASSWORD}).status_code == 429
            from sqlalchemy import text

            with seeded["records"].sessions() as db:  # nothing went to the database
                assert db.execute(text("select count(*) from rate_limit_events")).scalar() == 0
                assert db.execute(text("select count(*) from login_throttle")).scalar() == 0
            import redis

            assert redis.Redis.from_url(redis_url).dbsize() > 0


def test_acknowledged_saves_survive_a_sigkill(seeded):
    acknowledged: list[int] = []
    stop = threading.Event()
    with backcare_server(seeded["url"]) as (base, proc):
        client = api_login(base)

        def write() -> None:
            while not stop.is_set():
                try:
                    response = client.post(f"/api/clients/{seeded['client_id']}/visits",
                                           json={"visit_date": TODAY, "case": a_visit_case()})
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

        writers = [threading.Thread(target=write) for _ in range(3)]
        for t in writers:
            t.start()
        time.sleep(random.uniform(1.0, 2.5))
        os.killpg(proc.pid, signal.SIGKILL)  # no shutdown, no flush: the process simply stops
        proc.wait()
        stop.set()
        for t in writers:
            t.join(timeout=30)
    assert len(acknowledged) > 3
    with seeded["records"].sessions() as db:
        stored = set(db.scalars(select(Visit.id).where(Visit.id.in_(acknowledged))))
    assert stored == set(acknowledged)
    # And the database reopens cleanly for the next server.
    with backcare_server(seeded["url"]) as (base, _):
        client = api_login(base)
        assert client.get(f"/api/visits/{acknowledged[-1]}").status_code == 200


def test_concurrent_writers_all_succeed(seeded):
    records, north, client_id = seeded["records"], seeded["people"]["north"], seeded["client_id"]

    def one_visit(i: int) -> int:
        case = a_visit_case() | {"id": f"concurrent-{i}"}
        return records.create_visit(north, client_id, {"visit_date": date.today(), "case": case})

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(one_visit, range(40)))
    assert len(set(ids)) == 40
    with records.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Visit).where(Visit.client_id == client_id)) == 40
    # The client's stored latest visit date followed the writers.
    assert records.get_client(north, client_id).last_visit_date == date.today()
