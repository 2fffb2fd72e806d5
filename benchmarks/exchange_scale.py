"""Exchange benchmark: a whole clinic group's records out as FHIR Bulk Data NDJSON and back in.

    .venv/bin/python benchmarks/exchange_scale.py [--clients N] [--visits N] [--database-url URL]

Builds (by bulk insert, from a handful of real assessed visits) one clinic with
10,000 clients of 10 visits each: every visit with its findings, the engine's
assessment and a signed note, one in five amended, and two questionnaires per
client. Then runs the two commands a clinic runs, each in its own process:

    backcare export fhir --bulk DIR      (into a new folder)
    backcare import fhir DIR             (into a fresh database)

and prints each one's wall time, CPU time (of all its processes) and peak memory (the
larger of the kernel's peak resident set of any one of its processes and the sum
of its processes, sampled), against the goal: under 60 s and under 300 MB each.
SQLite by default; --database-url runs both ends on another database (a
PostgreSQL URL makes two databases beside the one named).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]

from backcare.clinical.api import assess_data  # noqa: E402
from backcare.clinical.caseio import parse_case  # noqa: E402
from backcare.clinical.knowledge.runtime import load_knowledge  # noqa: E402
from backcare.clinical.soap import draft  # noqa: E402
from backcare.outcomes import score  # noqa: E402
from backcare.records import Records, normalise  # noqa: E402
from backcare.records.clients import search_text  # noqa: E402
from backcare.storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from backcare.storage.models import Amendment, Client, Episode, QuestionnaireResponse, Visit  # noqa: E402

GOAL_SECONDS, GOAL_MB = 60, 300
PASSWORD = "benchmark password 1"
CASES = [
    {"client": {"age": 40}, "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back"], "saddle_anaesthesia": False,
                                          "bladder_dysfunction": False, "bowel_dysfunction": False, "progressive_weakness": False}},
    {"client": {"age": 52, "sex": "male"}, "symptoms": {"pain_nrs": 7, "pain_sites": ["low_back", "calf_left"]},
     "special_tests": {"slr": {"left": "positive"}}, "neuro": {"motor": {"ankle_plantarflexion": {"left": "weak"}}}},
    {"client": {"age": 67}, "symptoms": {"pain_nrs": 4, "pain_sites": ["low_back", "posterior_thigh_left", "posterior_thigh_right"]},
     "history": {"onset": "gradual", "duration_days": 200, "aggravating": ["walking"], "easing": ["sitting"]}},
    {"client": {"age": 31, "sex": "female"}, "symptoms": {"pain_nrs": 3, "pain_sites": ["low_back"]},
     "history": {"onset": "sudden", "duration_days": 4, "aggravating": ["bending_forward"], "easing": ["rest"]}},
]
BATCH = 5000


def _visits_pool() -> list[dict]:
    pool = []
    for raw in CASES:
        case = parse_case(raw).findings()
        assessment = assess_data(case)
        note = draft(case, assessment, None)
        pool.append({"case": case, "assessment": assessment, "note": note, "kb": assessment["knowledge_base"]["version"],
                     "urgency": assessment["referral"]["urgency"], "lead": assessment["differential"][0]["name"][:100]})
    return pool


def _bulk(engine, model, rows: list[dict]) -> list[int]:
    with engine.begin() as db:
        return list(db.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows).scalars())


def build(url: str, clients: int, visits: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    records = Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))
    admin = records.create_clinic_with_admin("Group Clinic", "admin@group.test", "Ann Admin", PASSWORD)
    therapist = records.add_user(admin, "ther@group.test", "Tom Therapist", PASSWORD, "therapist")
    pool, rng, now, today = _visits_pool(), random.Random(3), datetime.now(timezone.utc), date.today()
    kb = load_knowledge().version
    nprs, odi = score("nprs", {"pain": 5}), score("odi", {"pain_intensity": 2, "lifting": 3, "walking": 1})
    start = time.perf_counter()
    for first in range(0, clients, 1000):
        names = [f"Client {i} Zoë" for i in range(first, min(first + 1000, clients))]
        client_ids = _bulk(engine, Client, [{
            "clinic_id": admin.clinic_id, "name": n, "name_norm": normalise(n), "search_norm": search_text(n, None, None),
            "medical": {}, "consent_given": True, "consent_date": today, "created_by": therapist,
            "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randrange(20000)), "created_at": now, "updated_at": now,
            "last_visit_date": today} for n in names])
        episode_ids = _bulk(engine, Episode, [{"clinic_id": admin.clinic_id, "client_id": c, "started_on": today - timedelta(days=visits),
                                               "created_at": now} for c in client_ids])
        rows = []
        for client_id, episode_id in zip(client_ids, episode_ids):
            for n in range(visits):
                v = pool[rng.randrange(len(pool))]
                rows.append({"clinic_id": admin.clinic_id, "client_id": client_id, "episode_id": episode_id, "therapist_id": therapist,
                             "visit_date": today - timedelta(days=visits - n), "case": v["case"], "assessment": v["assessment"],
                             "kb_version": v["kb"], "pain_nrs": v["case"]["symptoms"].get("pain_nrs"), "referral": v["urgency"],
                             "lead_condition": v["lead"], "treatment_given": "Soft tissue work, 30 minutes.",
                             "soap_subjective": v["note"]["subjective"], "soap_objective": v["note"]["objective"],
                             "soap_assessment": v["note"]["assessment"], "soap_plan": v["note"]["plan"], "created_at": now,
                             "signed_at": now, "signed_by": therapist})
        visit_ids = _bulk(engine, Visit, rows)
        with engine.begin() as db:
            db.execute(insert(Amendment), [{"visit_id": v, "author_id": therapist, "text": "Rechecked the next day: no change.",
                                            "created_at": now} for v in visit_ids[::5]])
            db.execute(insert(QuestionnaireResponse), [
                {"clinic_id": admin.clinic_id, "client_id": c, "episode_id": e, "visit_id": None, "instrument": s.instrument,
                 "answers": s.answers, "score": s.value, "result": s.as_dict(), "complete": s.complete, "answered_on": today,
                 "entered_by": therapist, "mode": "therapist", "kb_version": kb, "created_at": now}
                for c, e in zip(client_ids, episode_ids) for s in (nprs, odi)])
    engine.dispose()
    print(f"  built {clients:,} clients with {visits} visits each ({clients * visits:,} visits) in {time.perf_counter() - start:.0f} s")


# Starts the command and writes its CPU time and peak memory to a file. The command is started from this
# small process, not from the benchmark: a process's peak resident set (ru_maxrss) starts at the size of the
# process it was forked from, and the benchmark holds hundreds of megabytes after building the clinic. A large
# import reads its file in a second process (fhir.read_ahead), so the memory of the command's processes
# together is sampled too, every 50 ms.
LAUNCH = """import json, os, subprocess, sys, time
def tree(pid):
    pids = [pid]
    for p in pids:
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids
def resident(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0
process = subprocess.Popen(sys.argv[2:])
together = 0
while True:
    done, status, usage = os.wait4(process.pid, os.WNOHANG)
    if done:
        break
    together = max(together, sum(resident(p) for p in tree(process.pid)))
    time.sleep(0.05)
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "peak_kb": max(usage.ru_maxrss, together // 1024)}, out)
"""


def run(args: list[str], url: str) -> tuple[float, float, float, str]:
    """Run a backcare command in its own process: (wall seconds, CPU seconds, peak resident MB, its output).

    The CPU time is printed too: on a machine shared with other work, wall time includes waiting for a core."""
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "usage.json"
        start = time.perf_counter()
        process = subprocess.run([sys.executable, "-c", LAUNCH, str(report), sys.executable, "-m", "backcare", *args],
                                 env={**os.environ, "BACKCARE_DATABASE_URL": url}, capture_output=True)
        seconds = time.perf_counter() - start
        usage = json.loads(report.read_text())
    if usage["code"] != 0:
        sys.exit(f"backcare {' '.join(args)} failed:\n{process.stderr.decode()}")
    return seconds, usage["cpu"], usage["peak_kb"] / 1024, process.stdout.decode().strip()


def _databases(base: str | None, tmp: Path) -> tuple[str, str]:
    if base is None:
        return f"sqlite:///{tmp}/source.db", f"sqlite:///{tmp}/target.db"
    if base.startswith("sqlite"):
        return base, f"sqlite:///{tmp}/target.db"
    import psycopg

    names = []
    plain = base.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        for end in ("source", "target"):
            name = f"bench_exchange_{end}_{os.getpid()}"
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
            names.append(base.rsplit("/", 1)[0] + "/" + name)
    return names[0], names[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="backcare-exchange-"))
    try:
        source, target = _databases(args.database_url, tmp)
        print(f"exchange benchmark on {source.split(':', 1)[0]}: {args.clients:,} clients x {args.visits} visits")
        build(source, args.clients, args.visits)
        export_s, export_cpu, export_mb, out = run(["export", "fhir", "--bulk", str(tmp / "bulk"), "--user", "admin@group.test"], source)
        size = sum(p.stat().st_size for p in (tmp / "bulk").iterdir()) / 1024 / 1024
        print(f"  export: {export_s:6.1f} s ({export_cpu:.1f} s of CPU), peak {export_mb:5.0f} MB  ({size:,.0f} MB of NDJSON)")
        upgrade(target)
        engine = make_engine(target)
        Records(make_sessionmaker(engine)).create_clinic_with_admin("New Server", "admin@group.test", "Ann Admin", PASSWORD)
        engine.dispose()
        import_s, import_cpu, import_mb, out = run(["import", "fhir", str(tmp / "bulk"), "--user", "admin@group.test"], target)
        print(f"  import: {import_s:6.1f} s ({import_cpu:.1f} s of CPU), peak {import_mb:5.0f} MB  ({out.splitlines()[0][:40]})")
        engine = make_engine(target)
        with engine.connect() as db:
            moved = db.execute(text("SELECT count(*) FROM visits")).scalar()
        engine.dispose()
        print(f"  ratios to the goal ({GOAL_SECONDS} s, {GOAL_MB} MB): export {export_s / GOAL_SECONDS:.2f} time "
              f"({export_cpu / GOAL_SECONDS:.2f} CPU), {export_mb / GOAL_MB:.2f} memory; import {import_s / GOAL_SECONDS:.2f} time "
              f"({import_cpu / GOAL_SECONDS:.2f} CPU), {import_mb / GOAL_MB:.2f} memory; load average {os.getloadavg()[0]:.1f}")
        met = max(export_s, import_s) < GOAL_SECONDS and max(export_mb, import_mb) < GOAL_MB and moved == args.clients * args.visits
        print(f"  {moved:,} visits arrived; goal {'met' if met else 'NOT met'}")
        return 0 if met else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
