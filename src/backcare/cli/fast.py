"""Fast path for `backcare assess FILE...` (YAML or JSON; the text report or `--format json`).

Returns None whenever it is not certain to produce exactly what the full path
would (another command, an option it does not know, unreadable or invalid
input); the full path then handles the call and reports any errors. It reads
YAML with the same loader as the full path (clinical.yamlread) and checks each
case with the validator generated from the case model, so a case it accepts is
one the model accepts, with the same findings.
"""
from __future__ import annotations

import json
import sys


def _parse_args(args: list[str]) -> tuple[list[str], str] | None:
    if not args or args[0] != "assess":
        return None
    files, fmt, rest = [], "text", args[1:]
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
    if fmt not in ("json", "text") or not files:
        return None
    return files, fmt


def _read(path: str):
    """The file's data as the full path reads it (JSON by suffix, else YAML); an error: let the full path report it."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.lower().endswith(".json"):
        return json.loads(text, parse_constant=_reject_constant)
    from ..clinical.yamlread import load_yaml

    return load_yaml(text)


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
    parsed = _parse_args(args)
    if parsed is None:
        return None
    files, fmt = parsed
    from ..clinical._generated.case_check import validate

    cases = []
    for path in files:
        try:
            data = _read(path)
            validate(data)
        except Exception:  # unreadable, malformed or invalid (any parser's error): the full path says what is wrong
            return None
        cases.append(_without_nulls(data))

    from ..clinical.engine import run
    from ..clinical.knowledge.runtime import load_knowledge

    kb = load_knowledge()
    results = [run(case, kb) for case in cases]
    if fmt == "json":
        from .output import assessments_json

        sys.stdout.write(assessments_json(results) + "\n")
    else:
        from .text import render_assessments

        render_assessments(results, files)
    return 0
