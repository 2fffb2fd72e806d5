"""HTTP benchmark: backcare against a bare FastAPI app, measured in one run with wrk.

    .venv/bin/python benchmarks/http.py [--seconds S]

Starts backcare (one worker, a fresh SQLite database with one signed-in
therapist) and benchmarks/bare/bare_app.py (one worker), and loads both with wrk
(Debian's package; 2 threads, 16 connections):
- GET /api/me: a signed-in request that only reads its session;
- POST /api/assess: the example case assessed, against the bare app echoing it;
then measures /healthz latency while summary PDFs render in a loop.
backcare runs with one worker per core (as the README recommends); the bare app
runs with one worker and, for a like-for-like ratio, with as many as backcare.
Each run also reads each server's CPU (user + system, all its processes, from
/proc) and prints it per request.
Targets: POST /api/assess at least half the bare app's throughput (one worker)
with p99 under 25 ms, and at most 400 us of the server's CPU; PDFs never delay
other requests (healthz p99 under 25 ms while they render).
"""
from __future__ import annotations

import os
import sys

# This file is named http.py (one command per benchmark); its folder must not
# shadow the standard library's http package for the libraries imported below.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from server_support import backcare_server, free_port  # noqa: E402
from web_support import PASSWORD, fresh_records, seed  # noqa: E402

CONNECTIONS, THREADS = 16, 2


def _lua(method: str, headers: dict[str, str], body: str | None) -> str:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body is not None:
        lines.append("wrk.body = [[" + body + "]]")
    return "\n".join(lines) + "\n"


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, method: str = "GET", headers: dict[str, str] | None = None, body: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_lua(method, headers or {}, body))
        script = fh.name
    try:
        out = subprocess.run(["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "-s", script, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {int(p): float(v) * _UNITS[u] for p, v, u in re.findall(r"\s(\d+)%\s+([\d.]+)(us|ms|s)\b", out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": pct.get(50), "p99": pct.get(99), "non2xx": int(errors.group(1)) if errors else 0,
            "requests": requests}


def group_cpu_seconds(group: int) -> float:
    """User plus system CPU of every live process in a process group (a server and its workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / tick


def wrk_with_cpu(group: int, *args, **kwargs) -> dict:
    """A wrk run, and the server's CPU per request during it (its worker processes never exit meanwhile)."""
    before = group_cpu_seconds(group)
    result = wrk(*args, **kwargs)
    result["cpu_us"] = (group_cpu_seconds(group) - before) / max(result["requests"], 1) * 1e6
    return result


def _bare(port: int, workers: int) -> subprocess.Popen:
    # Served exactly as backcare is (backcare.web.serving), so that the workers differ in nothing but the app.
    code = f"from backcare.web.serving import serve; serve('127.0.0.1', {port}, {workers}, app='bare_app:app', factory=False)"
    proc = subprocess.Popen([sys.executable, "-c", code],
                            cwd=HERE / "bare", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_bare(port)
    return proc


def _wait_bare(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/me", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the bare app did not start")


def _row(name: str, ours: dict, bare: dict) -> str:
    return (f"{name:<18} backcare {ours['rps']:6.0f} req/s p50 {ours['p50']:5.2f} ms p99 {ours['p99']:6.2f} ms "
            f"CPU {ours['cpu_us']:4.0f} us/req | bare {bare['rps']:6.0f} req/s p99 {bare['p99']:5.2f} ms "
            f"CPU {bare['cpu_us']:4.0f} us/req | ratio {ours['rps'] / bare['rps']:.2f}"
            + (f"  ({ours['non2xx']} non-2xx!)" if ours["non2xx"] else ""))


def _healthz_latency(base: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    times = []
    with httpx.Client(base_url=base) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (stop and stop.is_set()):
            start = time.perf_counter()
            client.get("/healthz")
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.005)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="backcare's worker processes (default: one per core, as the README recommends)")
    parser.add_argument("--bare-workers", type=int, default=1, help="the bare app's worker processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: make test installs it (apt-get install wrk)")
    case = json.loads(json.dumps(__import__("yaml").safe_load((ROOT / "src/backcare/clinical/examples/acute-s1-herniation.yaml").read_text())))
    body = json.dumps(case)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        records = fresh_records(url)
        people = seed(records)
        client_id = records.create_client(people["north"], {"name": "Pat Bench"})
        visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": case,
                                                                      "treatment_given": "Swedish massage. " * 900})
        bare_port, same_port = free_port(), free_port()
        bare, same = _bare(bare_port, 1), _bare(same_port, args.workers)
        try:
            with backcare_server(url, workers=args.workers) as (base, server):
                login = httpx.post(f"{base}/api/login", json={"email": "ther@north.test", "password": PASSWORD})
                auth = {"Cookie": f"backcare_session={login.cookies['backcare_session']}",
                        "X-CSRF-Token": login.json()["csrf_token"]}
                print(f"wrk: {THREADS} threads, {CONNECTIONS} connections, {args.seconds} s per run; {os.cpu_count()} cores; "
                      f"backcare with {args.workers} worker(s); the bare app with 1 worker and with {args.workers}")
                targets = {"backcare": (base, server.pid), "bare 1 worker": (f"http://127.0.0.1:{bare_port}", bare.pid),
                           f"bare {args.workers} workers": (f"http://127.0.0.1:{same_port}", same.pid)}
                post_headers = {**auth, "Content-Type": "application/json"}
                for target, _ in targets.values():  # warm up
                    wrk(f"{target}/api/me", 2, headers=auth)
                    wrk(f"{target}/api/assess", 2, "POST", post_headers, body)
                # Each server runs in a process group of its own (start_new_session): its CPU is its group's.
                results = {name: (wrk_with_cpu(group, f"{target}/api/me", args.seconds, headers=auth),
                                  wrk_with_cpu(group, f"{target}/api/assess", args.seconds, "POST", post_headers, body))
                           for name, (target, group) in targets.items()}
                ours = results.pop("backcare")
                for name, theirs in results.items():
                    print(f"-- against the {name}")
                    print(_row("GET /api/me", ours[0], theirs[0]))
                    print(_row("POST /api/assess", ours[1], theirs[1]))
                assess, single = ours[1], results["bare 1 worker"][1]
                ok = assess["rps"] >= 0.5 * single["rps"] and assess["p99"] < 25 and not assess["non2xx"]
                print(f"target POST /api/assess >= 0.5x the bare app (1 worker) and p99 < 25 ms: {'met' if ok else 'NOT met'}")
                print(f"target CPU per POST /api/assess <= 400 us: {'met' if assess['cpu_us'] <= 400 else 'NOT met'} "
                      f"({assess['cpu_us']:.0f} us; the bare app's echo {single['cpu_us']:.0f} us)")

                idle = _healthz_latency(base, 3)
                stop = threading.Event()
                pdfs = [0]

                def render() -> None:
                    with httpx.Client(base_url=base, headers=auth, timeout=120) as c:
                        while not stop.is_set():
                            assert c.get(f"/visits/{visit_id}/summary.pdf").status_code == 200
                            pdfs[0] += 1

                threads = [threading.Thread(target=render) for _ in range(2)]
                for t in threads:
                    t.start()
                time.sleep(1.0)
                busy = _healthz_latency(base, 8)
                stop.set()
                for t in threads:
                    t.join()
                p99 = lambda xs: statistics.quantiles(xs, n=100)[98]  # noqa: E731
                print(f"/healthz idle p50 {statistics.median(idle):.2f} ms p99 {p99(idle):.2f} ms | while {pdfs[0]} PDFs "
                      f"rendered: p50 {statistics.median(busy):.2f} ms p99 {p99(busy):.2f} ms | ratio {p99(busy) / p99(idle):.2f}")
                print(f"target PDFs never delay other requests (healthz p99 < 25 ms while rendering): "
                      f"{'met' if p99(busy) < 25 else 'NOT met'}")
        finally:
            for proc in (bare, same):
                os.killpg(proc.pid, 15)
                proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
