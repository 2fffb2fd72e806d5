"""Engine benchmark: one command, figures from one run.

    python benchmarks/engine.py [--cases N] [--runs R]

Measures, over the public vignettes and N seeded random valid cases:
- parse + validate: JSON text -> validated Case (json.loads + pydantic), per
  case, and the same from YAML text (the format therapists write);
- assess: the engine on the validated case (Case.findings() + engine run), per
  case, and the whole Python API `assess()` that also builds the pydantic
  Assessment;
- their ratio and assessments per second;
- the cold start of one `backcare assess CASE.json --format json` process
  against `python -c pass` (medians of R runs each).
Targets (issue 19): the engine <= 3x parse + validate (an earlier issue asked 2x); cold start <= 6x bare
Python (benchmarks/cli.py measures the command line in more detail).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from random_cases import random_case  # noqa: E402

from backcare.clinical.api import assess, assess_data  # noqa: E402
from backcare.clinical.caseio import loads_case  # noqa: E402


def _vignettes() -> list[dict]:
    folder = HERE.parent.parent / "shared" / "vignettes"
    return [yaml.safe_load(p.read_text())["case"] for p in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []


def _per_call(fn, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter_ns()
        fn(item)
        times.append(time.perf_counter_ns() - start)
    return times


def _median_run(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    rng = random.Random(20261122)
    cases = _vignettes() + [random_case(rng) for _ in range(args.cases)]
    texts = [json.dumps(c) for c in cases]
    parsed = [loads_case(t, "json") for t in texts]
    # Warm up caches (knowledge base, pydantic validators) outside the timings.
    for case in parsed[:50]:
        assess(case)

    parse = _per_call(lambda t: loads_case(t, "json"), texts)
    yaml_texts = [yaml.safe_dump(c) for c in cases]
    parse_yaml = _per_call(lambda t: loads_case(t, "yaml"), yaml_texts)
    engine = _per_call(lambda c: assess_data(c.findings()), parsed)
    api = _per_call(assess, parsed)

    bin_dir = Path(sys.executable).parent
    backcare = bin_dir / "backcare"
    with tempfile.TemporaryDirectory() as tmp:
        case_file = Path(tmp) / "case.json"
        case_file.write_text(texts[0])
        env_cmd = [str(backcare), "assess", str(case_file), "--format", "json"]
        subprocess.run(env_cmd, check=True, stdout=subprocess.DEVNULL)  # first run writes bytecode caches
        bare = _median_run([sys.executable, "-c", "pass"], args.runs)
        cold = _median_run(env_cmd, args.runs)

    med = lambda xs: statistics.median(xs) / 1000  # noqa: E731  (microseconds)
    p_us, y_us, e_us, a_us = med(parse), med(parse_yaml), med(engine), med(api)
    print(f"cases: {len(cases)} ({len(cases) - args.cases} public vignettes + {args.cases} generated), python {sys.version.split()[0]}")
    print(f"bytecode caching: {'off (PYTHONDONTWRITEBYTECODE)' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'on'}")
    print(f"{'parse + validate (median)':<38}{p_us:9.1f} us")
    print(f"{'parse + validate YAML (median)':<38}{y_us:9.1f} us")
    print(f"{'assess, engine (median)':<38}{e_us:9.1f} us   ratio {e_us / p_us:5.2f}x to JSON, {e_us / y_us:4.2f}x to YAML  (target <= 3x)")
    print(f"{'assess, API incl. Assessment model':<38}{a_us:9.1f} us   ratio {a_us / p_us:5.2f}x")
    print(f"{'assessments per second (engine)':<38}{len(engine) / (sum(engine) / 1e9):9.0f}")
    print(f"{'python -c pass (median)':<38}{bare * 1000:9.1f} ms")
    print(f"{'backcare assess --format json':<38}{cold * 1000:9.1f} ms   ratio {cold / bare:5.2f}x  (target <= 6x)")


if __name__ == "__main__":
    main()
