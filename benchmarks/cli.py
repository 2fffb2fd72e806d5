"""Command-line start-up: `backcare assess` against `python -c pass`, run N times each in one run.

    .venv/bin/python benchmarks/cli.py [--runs N]

Times, as wall-clock medians of N interleaved runs (each a new process, as a
therapist or a script runs it): `python -c pass`, `backcare assess` on the
README's example case (YAML, text for a therapist), the same case as YAML with
`--format json`, and as a JSON file with `--format json`. Prints each and its
ratio to `python -c pass`. Target: the text report at most 6x `python -c pass`
and no slower than the JSON path. Modules run from compiled bytecode, as after
`pip install` (kept in a temporary folder: PYTHONPYCACHEPREFIX); where the
environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE), every start
would compile backcare's sources again, which no installation does.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "src/backcare/clinical/examples/acute-s1-herniation.yaml"
BACKCARE = [sys.executable, "-m", "backcare"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": folder}
        as_json = Path(folder) / "case.json"
        as_json.write_text(json.dumps(yaml.safe_load(EXAMPLE.read_text())))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "assess case.yaml (text)": [*BACKCARE, "assess", str(EXAMPLE)],
            "assess case.yaml --format json": [*BACKCARE, "assess", str(EXAMPLE), "--format", "json"],
            "assess case.json --format json": [*BACKCARE, "assess", str(as_json), "--format", "json"],
        }
        outputs = {}
        for name, command in commands.items():  # once, to check it works and to warm the file cache
            outputs[name] = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
        assert json.loads(outputs["assess case.yaml --format json"]) == json.loads(outputs["assess case.json --format json"])
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
                times[name].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<34} {'median ms':>9} {'x python -c pass':>17}   ({args.runs} runs each, interleaved)")
    for name, samples in times.items():
        print(f"{name:<34} {statistics.median(samples):>9.1f} {statistics.median(samples) / base:>17.1f}")
    median = {name: statistics.median(samples) for name, samples in times.items()}
    text = median["assess case.yaml (text)"]
    print(f"text report / JSON of the same YAML file: {text / median['assess case.yaml --format json']:.2f}; "
          f"/ JSON path (a JSON file): {text / median['assess case.json --format json']:.2f}")
    print(f"text report {text / base:.1f}x python -c pass (target <= 6x: {'met' if text <= 6 * base else 'NOT met'})")


if __name__ == "__main__":
    main()
