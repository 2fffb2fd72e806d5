"""Fast path for `backcare assess FILE.json... --format json`.

Returns None whenever it is not certain to produce exactly what the full path
would (another command, an option it does not know, a YAML file, unreadable or
invalid input); the full path then handles the call and reports any errors.
"""
from __future__ import annotations

import json
import sys


def _parse_args(args: list[str]) -> list[str] | None:
    if not args or args[0] != "assess":
        return None
    files, fmt, rest = [], None, args[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("--format", "-f") and i + 1 < len(rest):
            fmt, i = rest[i + 1], i + 2
            continue
        if arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-"):
            return None
        else:
            files.append(arg)
        i += 1
    if fmt != "json" or not files or not all(f.lower().endswith(".json") for f in files):
        return None
    return files


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON value")  # NaN and Infinity: let the full path report it


def _without_nulls(value):
    """Drop null fields, as the validated model's findings() does."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def try_fast_assess(args: list[str]) -> int | None:
    files = _parse_args(args)
    if files is None:
        return None
    from ..clinical._generated.case_check import JsonSchemaValueException, validate

    cases = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh, parse_constant=_reject_constant)
            validate(data)
        except (OSError, ValueError, JsonSchemaValueException, RecursionError):
            return None
        cases.append(_without_nulls(data))

    from ..clinical.engine import run
    from ..clinical.knowledge.runtime import load_knowledge
    from .output import assessments_json

    kb = load_knowledge()
    sys.stdout.write(assessments_json([run(case, kb) for case in cases]) + "\n")
    return 0
