"""Reading cases from YAML or JSON text and files, with errors a person can act on."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .case import Case
from .errors import CaseError, problems_from
from .yamlread import load_yaml


def parse_case(data: Any, source: str | None = None) -> Case:
    """Validate already-parsed data as a case; raise CaseError listing every problem."""
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise CaseError([f"(case): expected a mapping of blocks such as client, history, symptoms; got {kind}"], source)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(problems_from(exc, Case), source) from None


def parse_text(text: str, fmt: str = "yaml", source: str | None = None) -> Any:
    """Parse case text; JSON is read as JSON, anything else as YAML (a superset of JSON)."""
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CaseError([f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"], source) from None
    import yaml

    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CaseError([f"not valid YAML: {where}{getattr(exc, 'problem', None) or exc}"], source) from None


def loads_case(text: str, fmt: str = "yaml", source: str | None = None) -> Case:
    return parse_case(parse_text(text, fmt, source), source)


def load_case(path: str | Path) -> Case:
    """Read a case file; the format follows the suffix (.json, otherwise YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(["file not found"], str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError([f"cannot read: {exc}"], str(path)) from None
    return loads_case(text, "json" if path.suffix.lower() == ".json" else "yaml", str(path))
