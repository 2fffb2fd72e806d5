"""Scale benchmark: the listed queries on a large clinic, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/scale.py [--clients N] [--visits N] [--audit N] [--runs R] [--sqlite-only | --postgresql-only]

Builds (by bulk insert) one clinic with 100,000 clients, 1,000,000 visits (one
client has 1,000 of them) and 2,000,000 audit events, on a fresh SQLite file
and on a throwaway PostgreSQL server (the Debian binaries the tests use), then
times the records service's own calls, R runs each with varied terms, and
prints p50/p95: the client list (first page), a prefix search, a substring
search (a common surname, about 3,000 matches; and a fragment of a phone
number, a few), a client's timeline (first page) and the audit log (first
page). Every list also writes its audit events, as in use. Then the substring
query alone, newest first (as now) against by name (before issue 19), in the
same run. Targets: p95 under 20 ms; a substring search under 5 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from backcare.records import Actor, Records, hash_password, normalise  # noqa: E402
from backcare.records.clients import search_text  # noqa: E402
from backcare.storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from backcare.records.chain import GENESIS, event_hash  # noqa: E402
from backcare.storage.models import AuditEvent, AuditHead, Client, Clinic, User, Visit  # noqa: E402

FIRST = ["Maria", "John", "Aisha", "Wei", "Olga", "Pedro", "Fatima", "Liam", "Noor", "Hannah", "Kofi", "Sofia", "Ivan",
         "Mei", "Omar", "Grace", "Lucas", "Amara", "Yusuf", "Elena", "Ravi", "Chloe", "Tariq", "Ingrid", "Mateo", "Zoë"]
LAST = ["Smith", "Garcia", "Okafor", "Chen", "Novak", "Silva", "Khan", "Murphy", "Haddad", "Schmidt", "Mensah", "Rossi",
        "Petrov", "Tanaka", "Ali", "Brown", "Moreau", "Nwosu", "Yilmaz", "Lindqvist", "Sharma", "Dubois", "Hussain",
        "Andersen", "Ortega", "Johansson", "Kowalski", "Papadopoulos", "Ibrahim", "O'Neill", "Nguyen", "Fernandes"]
BATCH = 20_000


def build(url: str, clients: int, visits: int, audit: int) -> tuple[Records, Actor, int]:
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    with engine.begin() as db:
        clinic_id = db.execute(insert(Clinic).values(name="Big Clinic", created_at=now).returning(Clinic.id)).scalar()
        admin_id = db.execute(insert(User).values(clinic_id=clinic_id, email="admin@big.test", name="Ann Admin", role="admin",
                                                  password_hash=hash_password("unused but long"), active=True,
                                                  must_change_password=False, created_at=now).returning(User.id)).scalar()
    start = time.perf_counter()
    rows = []
    for i in range(clients):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}-{i}"
        email = f"client{i}@example.org"
        rows.append({"clinic_id": clinic_id, "name": name, "name_norm": normalise(name),
                     "search_norm": search_text(name, email, f"+44 7700 {i:06d}"), "email": email,
                     "phone": f"+44 7700 {i:06d}", "medical": {}, "consent_given": True, "created_by": admin_id,
                     "created_at": now, "updated_at": now})
    _bulk(engine, Client, rows)
    with engine.connect() as db:
        first_id = db.execute(text("select min(id) from clients")).scalar()
    busy_client = first_id  # this one gets 1,000 visits
    assessment = {"referral": {"urgency": "none"}, "differential": [{"name": "Non-specific low back pain"}]}
    rows = []
    today = date.today()
    for i in range(visits):
        client_id = busy_client if i < 1000 else first_id + rng.randrange(clients)
        day = today - timedelta(days=rng.randrange(3650))
        rows.append({"clinic_id": clinic_id, "client_id": client_id, "therapist_id": admin_id, "visit_date": day,
                     "case": {}, "assessment": assessment, "kb_version": "kb-bench", "pain_nrs": rng.randrange(11),
                     "referral": "none", "lead_condition": "Non-specific low back pain", "treatment_given": "",
                     "soap_subjective": "", "soap_objective": "", "soap_assessment": "", "soap_plan": "", "created_at": now})
        if len(rows) == BATCH:
            _bulk(engine, Visit, rows)
            rows = []
    _bulk(engine, Visit, rows)
    with engine.begin() as db:  # the stored latest visit date, as create_visit keeps it
        db.execute(text("update clients set last_visit_date = (select max(visit_date) from visits where visits.client_id = clients.id)"))
    rows, prev = [], GENESIS
    for i in range(audit):  # a real chain, as the records service writes it
        client_id = first_id + rng.randrange(clients)
        digest = event_hash(prev, clinic_id, i + 1, now, admin_id, "client.read", client_id, None, "", None)
        rows.append({"at": now, "clinic_id": clinic_id, "user_id": admin_id, "action": "client.read",
                     "client_id": client_id, "detail": "", "seq": i + 1, "prev_hash": prev, "hash": digest})
        prev = digest
        if len(rows) == BATCH:
            _bulk(engine, AuditEvent, rows)
            rows = []
    _bulk(engine, AuditEvent, rows)
    _bulk(engine, AuditHead, [{"clinic_id": clinic_id, "seq": audit, "hash": prev}])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as db:
            db.execute(text("ANALYZE"))
    print(f"  built {clients:,} clients, {visits:,} visits, {audit:,} audit events in {time.perf_counter() - start:.0f} s")
    records = Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))
    return records, Actor(admin_id, clinic_id, "admin", "Ann Admin"), busy_client


def _bulk(engine, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        with engine.begin() as db:
            db.execute(insert(model), rows[i:i + BATCH])


def measure(records: Records, actor: Actor, busy_client: int, runs: int) -> dict[str, list[float]]:
    rng = random.Random(11)
    prefixes = [normalise(f)[:3] for f in FIRST]
    substrings = [normalise(s)[1:5] for s in LAST if len(s) > 5]
    phones = [f"{rng.randrange(100_000):05d}" for _ in range(50)]  # a fragment of one or a few phone numbers
    calls = {
        "client list (first page)": lambda: records.list_clients(actor),
        "prefix search": lambda: records.list_clients(actor, rng.choice(prefixes)),
        "substring search": lambda: records.list_clients(actor, rng.choice(substrings)),
        "substring, rare (phone)": lambda: records.list_clients(actor, rng.choice(phones)),
        "timeline (1,000 visits)": lambda: records.timeline(actor, busy_client),
        "audit log (first page)": lambda: records.audit_log(actor),
    }
    times: dict[str, list[float]] = {}
    for name, call in calls.items():
        call()  # warm the caches once
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        times[name] = samples
    return times


# The substring query before issue 19: every match read and sorted by name to keep a page.
_BY_NAME = {
    "sqlite": "SELECT id, name FROM clients WHERE clinic_id = :clinic AND id IN (SELECT rowid FROM clients_search "
              "WHERE search_norm LIKE :pattern) AND NOT (name_norm >= :term AND name_norm < :stop) ORDER BY name_norm, id LIMIT 51",
    "postgresql": "SELECT id, name FROM clients WHERE clinic_id = :clinic AND search_norm LIKE :pattern "
                  "AND NOT (name_norm >= :term AND name_norm < :stop) ORDER BY name_norm, id LIMIT 51",
}


def substring_queries(records: Records, actor: Actor, runs: int) -> tuple[list[float], list[float]]:
    """The substring part alone (no audit, no commit), as the records service now reads it (newest first)
    and as it read it before (by name), on the same terms in one run."""
    from backcare.records.clients import ClientsMixin

    rng = random.Random(13)
    terms = [normalise(s)[1:5] for s in LAST if len(s) > 5]
    new, old = [], []
    with records.read_sessions() as db:
        sql = text(_BY_NAME[db.get_bind().dialect.name])
        for i in range(runs + 1):
            term = rng.choice(terms)
            params = {"clinic": actor.clinic_id, "pattern": f"%{term}%", "term": term, "stop": term + "\U0010ffff"}
            starts = (Client.name_norm >= term) & (Client.name_norm < term + "\U0010ffff")
            start = time.perf_counter()
            ClientsMixin._containing(db, actor, term, ~starts, None, 51)
            middle = time.perf_counter()
            db.execute(sql, params).all()
            if i:  # the first of each warms the caches
                new.append((middle - start) * 1000)
                old.append((time.perf_counter() - middle) * 1000)
    return new, old


def report(label: str, times: dict[str, list[float]]) -> bool:
    ok = True
    for name, samples in times.items():
        p95 = statistics.quantiles(samples, n=20)[18]
        ok &= p95 < 20
        target = " (target 5 ms)" if name.startswith("substring") else ""
        print(f"  {label:<10} {name:<26} p50 {statistics.median(samples):6.2f} ms  p95 {p95:6.2f} ms{target}"
              + ("" if p95 < 20 else "  (over 20 ms)"))
    return ok


def report_substring(label: str, new: list[float], old: list[float]) -> None:
    p95 = lambda xs: statistics.quantiles(xs, n=20)[18]  # noqa: E731
    mid = statistics.median
    print(f"  {label:<10} substring query alone: newest first p50 {mid(new):5.2f} p95 {p95(new):5.2f} ms | by name (before) "
          f"p50 {mid(old):5.2f} p95 {p95(old):5.2f} ms | ratio of p50s {mid(new) / mid(old):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    ok = True
    if not args.postgresql_only:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            records, actor, busy = build(f"sqlite:///{tmp}/scale.db", args.clients, args.visits, args.audit)
            ok &= report("SQLite", measure(records, actor, busy, args.runs))
            report_substring("SQLite", *substring_queries(records, actor, args.runs))
    if not args.sqlite_only:
        from postgres_support import new_database, postgres_server

        with postgres_server() as base:
            if base is None:
                print("PostgreSQL: no server binaries; skipped")
            else:
                print("PostgreSQL 15")
                records, actor, busy = build(new_database(base), args.clients, args.visits, args.audit)
                ok &= report("PostgreSQL", measure(records, actor, busy, args.runs))
                report_substring("PostgreSQL", *substring_queries(records, actor, args.runs))
    print(f"target every listed query p95 < 20 ms: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
