"""What every part of an import is checked with: the plausible dates, strict models and people (records.importing)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..safetext import SHORT, NameText, SafeText
from .base import EARLIEST_DATE, FieldErrors, _field_errors


def plausible_day(value: date | None) -> date | None:
    if value is not None and not (EARLIEST_DATE <= value <= date.today()):
        raise ValueError("must be between 1900 and today")
    return value


EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=timezone.utc)


def plausible_time(value: datetime | None) -> datetime | None:
    if value is not None and not (EARLIEST_TIME <= value <= datetime.now(timezone.utc) + timedelta(days=1)):
        raise ValueError("must be between 1900 and now")
    return value


class Strict(BaseModel):
    """A part of an imported record: nothing unknown, text trimmed as a form trims it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(Strict):
    """Someone named in an imported record (by e-mail and name, never a server's id)."""

    email: SafeText(254, 3)
    name: NameText(SHORT)


_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def checked(model: type[BaseModel], item: dict[str, Any], source: str) -> Any:
    """The item's fields of `model`, checked; FieldErrors keyed by the item's source and the field."""
    fields = _FIELDS.get(model) or _FIELDS.setdefault(model, frozenset(model.model_fields))
    data = {k: v for k, v in item.items() if k in fields}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors({f"{source}, {name}": message for name, message in _field_errors(exc).errors.items()}) from None
    except RecursionError:
        raise FieldErrors({source: "Nested too deeply"}) from None


