"""The Typer application: it parses options and calls the library, nothing more."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="backcare",
    help="Low back pain assessment support for manual therapists. "
    "It supports clinical judgement; it does not diagnose.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CaseFiles = Annotated[list[Path], typer.Argument(help="Case files (YAML or JSON).", show_default=False)]


class Format(str, Enum):
    text = "text"
    json = "json"


def _fail(lines: list[str]) -> None:
    for line in lines:
        sys.stderr.write(line + "\n")
    raise typer.Exit(2)


def _load_all(paths: list[Path]):
    """Every case, or exit 2 after listing the problems of all files at once."""
    from ..caseio import load_case
    from ..errors import CaseError

    cases, problems = [], []
    for path in paths:
        try:
            cases.append(load_case(path))
        except CaseError as exc:
            problems += [f"{path}: {p}" for p in exc.problems]
    if problems:
        _fail(problems)
    return cases


@app.command()
def assess(
    cases: CaseFiles,
    format: Annotated[Format, typer.Option("--format", "-f", help="text for a therapist, json for other tools.")] = Format.text,
) -> None:
    """Assess cases: red flags and referral first, then nerve roots, differential, precautions, plan and self-care."""
    from ..api import assess_data

    loaded = _load_all(cases)
    results = [assess_data(case.findings()) for case in loaded]
    if format is Format.json:
        from .output import assessments_json

        sys.stdout.write(assessments_json(results) + "\n")
        return
    from .text import render_assessments

    render_assessments(results, [str(p) for p in cases])


@app.command()
def validate(cases: CaseFiles) -> None:
    """Check case files against the case format without assessing them."""
    _load_all(cases)
    for path in cases:
        sys.stdout.write(f"{path}: valid\n")


@app.command()
def knowledge(
    topic: Annotated[Optional[str], typer.Argument(help="A topic, or the id of one entry; leave out to list the topics.")] = None,
) -> None:
    """List and show the knowledge base, with the source of every entry."""
    from .knowledge_view import show

    if not show(topic):
        _fail([f"knowledge: no topic or entry named {topic!r}; run `backcare knowledge` for the topics"])


def run_app(args: list[str]) -> int:
    try:
        app(args=args, prog_name="backcare")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0
