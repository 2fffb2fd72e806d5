"""Turn validation failures into one plain line per problem.

A therapist or an integrating tool should read `special_tests.slr.left:
'positve' is not one of: positive, negative` rather than a pydantic dump.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from .vocabulary import vocabulary

# Tags of the discriminated union for sided tests never belong in a field path.
_UNION_TAGS = {"plain", "sided"}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


class CaseError(ValueError):
    """A case that does not follow the contract; `problems` holds one line each."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + p for p in problems))


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in _UNION_TAGS]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "(case)"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Follow a location down nested models to the model that owns its last key."""
    current: Any = model
    for part in loc:
        if part in _UNION_TAGS or isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = nested_model(field.annotation)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = nested_model(arg)
        if found is not None:
            return found
    return None


def _compact(allowed: list[str]) -> str:
    """Body-chart regions are listed once, with the side rule, instead of three times."""
    vocab = vocabulary()
    if set(allowed) == set(vocab.region_ids):
        midline = ", ".join(sorted(vocab.midline_regions))
        return f"{', '.join(vocab.regions)} (add _left or _right to any but the midline {midline})"
    return ", ".join(allowed)


def _describe(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def problems_from(error: ValidationError, model: type[BaseModel]) -> list[str]:
    """One readable line per validation error, naming path, value and what is allowed."""
    return problems_from_errors(error.errors(include_url=False), model)


def problems_from_errors(errors: list[dict[str, Any]], model: type[BaseModel] | None = None) -> list[str]:
    """The same, from pydantic's error list (a web framework hands over just the list)."""
    lines: list[str] = []
    for err in errors:
        if err.get("loc") and err["loc"][0] == "body":  # FastAPI's prefix for request bodies
            err = {**err, "loc": tuple(err["loc"][1:])}
        loc, kind, value, ctx = tuple(err["loc"]), err["type"], err.get("input"), err.get("ctx") or {}
        path = _field_path(loc)
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1]) if model else None
            allowed = ", ".join(owner.model_fields) if owner else "see the case format"
            lines.append(f"{path}: unknown field; allowed fields here: {allowed}")
        elif kind in ("literal_error", "enum"):
            allowed = _QUOTED.findall(str(ctx.get("expected", "")))
            lines.append(f"{path}: {_describe(value)} is not one of: {_compact(allowed)}")
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            lines.append(f"{path}: {_describe(value)} is out of range ({err['msg'].lower()})")
        elif kind == "model_type" or kind == "dict_type":
            lines.append(f"{path}: expected a mapping of fields, got {_describe(value)}")
        elif kind == "missing":
            lines.append(f"{path}: required field is missing")
        elif kind == "string_unicode":
            lines.append(f"{path}: contains a character that is not valid text (a lone surrogate); retype it")
        elif kind == "string_too_long":
            lines.append(f"{path}: is too long; keep it under {ctx.get('max_length', 0):,} characters")
        else:
            lines.append(f"{path}: {_describe(value)} is not valid ({err['msg'][0].lower()}{err['msg'][1:]})")
    return list(dict.fromkeys(lines))
