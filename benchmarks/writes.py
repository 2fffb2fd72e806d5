"""Write benchmark: 1, 4 and 16 therapists saving visits at once, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/writes.py [--saves N] [--workers W] [--sqlite-only]

Starts `backcare serve` (W workers, default 1) on a fresh database with 16
therapists, each with a client, signs them all in, then for 1, 4 and 16 of them
at once: each saves N visits back to back (POST /api/clients/{id}/visits with
the README's example case; the answer is the visit as saved), every save timed
from the therapist's side. Prints p50/p99 per save, visits saved a second, and
the server's CPU time per save (all its processes, from /proc), and p99 against
one therapist's, per database. PostgreSQL is the throwaway server
the tests use (fsync on). Target: p99 at most 100 ms with 16 therapists on SQLite.
"""
from __future__ import annotations

import os
import sys

# benchmarks/http.py must not shadow the standard library's http package.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server_support import backcare_server  # noqa: E402
from web_support import PASSWORD, fresh_records  # noqa: E402

CASE = yaml.safe_load((ROOT / "src/backcare/clinical/examples/acute-s1-herniation.yaml").read_text())
THERAPISTS = (1, 4, 16)


def _seed(url: str) -> list[int]:
    """A clinic with 16 therapists (therapist0..15@bench.test), each with a client; their clients' ids."""
    records = fresh_records(url)
    admin = records.create_clinic_with_admin("Busy Clinic", "admin@bench.test", "Ann Admin", PASSWORD)
    clients = []
    for i in range(max(THERAPISTS)):
        user_id = records.add_user(admin, f"therapist{i}@bench.test", f"Therapist Number{i}", PASSWORD, "therapist")
        clients.append(records.create_client(admin, {"name": f"Client of {user_id}"}))
    return clients


def _sessions(base: str, n: int) -> list[httpx.Client]:
    sessions = []
    for i in range(n):
        client = httpx.Client(base_url=base, timeout=60)
        answer = client.post("/api/login", json={"email": f"therapist{i}@bench.test", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        sessions.append(client)
    return sessions


def _round(sessions: list[httpx.Client], clients: list[int], saves: int) -> tuple[list[float], float]:
    """Every session saves `saves` visits back to back, all at once; each save's latency (ms) and the wall time."""
    times: list[float] = []
    lock, start_line = threading.Lock(), threading.Barrier(len(sessions))
    body = {"visit_date": date.today().isoformat(), "case": CASE}

    def therapist(session: httpx.Client, client_id: int) -> None:
        mine = []
        start_line.wait()
        for _ in range(saves):
            start = time.perf_counter()
            answer = session.post(f"/api/clients/{client_id}/visits", json=body)
            mine.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 201 and answer.json()["id"], answer.text
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=therapist, args=(s, c)) for s, c in zip(sessions, clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - began


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and every process under it, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / tick
        todo += children.get(current, [])
    return total


def measure(label: str, url: str, saves: int, workers: int) -> dict[int, float]:
    clients = _seed(url)
    p99s = {}
    with backcare_server(url, workers=workers) as (base, server):
        sessions = _sessions(base, max(THERAPISTS))
        # Warm, as a server that has been up a while is: a database connection and a thread for each
        # therapist (warming two left fourteen to be made during the measured round), templates, knowledge base.
        _round(sessions, clients, 2)
        # The sixteen therapists share this one process, whose heap holds all of backcare (imported to seed the
        # database): a full garbage collection here (~50 ms) would stall them all at once and be timed as the
        # server's. A therapist's browser has no such pause, so the heap as it stands is kept out of collections.
        gc.collect()
        gc.freeze()
        for n in THERAPISTS:
            cpu = _cpu_seconds(server.pid)
            times, wall = _round(sessions[:n], clients[:n], saves)
            cpu = (_cpu_seconds(server.pid) - cpu) * 1000 / len(times)
            p99 = statistics.quantiles(times, n=100)[98]
            p99s[n] = p99
            print(f"  {label:<11} {n:>2} therapist{'s' if n > 1 else ' '}  p50 {statistics.median(times):7.1f} ms  "
                  f"p99 {p99:7.1f} ms  {len(times) / wall:6.0f} visits/s  server CPU {cpu:5.1f} ms a save  "
                  f"p99 / one therapist's {p99 / p99s[1]:5.2f}")
        for s in sessions:
            s.close()
    return p99s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=40, help="visits each therapist saves per round")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"{args.saves} saves per therapist, backcare with {args.workers} worker(s), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure("SQLite", f"sqlite:///{folder}/writes.db", args.saves, args.workers)
    if not args.sqlite_only:
        from postgres_support import new_database, postgres_server

        with postgres_server() as base:
            if base is None:
                print("PostgreSQL: no server binaries; skipped")
            else:
                measure("PostgreSQL", new_database(base), args.saves, args.workers)
    ok = sqlite[16] <= 100
    print(f"target p99 <= 100 ms with 16 therapists on SQLite: {'met' if ok else 'NOT met'} ({sqlite[16]:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
