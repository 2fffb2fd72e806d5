"""The official wording of licensed questionnaires, installed by a clinic that holds the licence.

backcare ships its own short paraphrase of each item (outcomes.yaml). A clinic
licensed to use an instrument's validated wording puts it in a YAML file and
names the file in BACKCARE_INSTRUMENT_WORDING; clients then read that text.
The file gives, per instrument, the prompt, each item's text and, where the
answers have words, each answer's text:

    odi:
      prompt: ...
      items: {pain_intensity: ..., personal_care: ...}
      choices: {pain_intensity: {0: ..., 1: ...}, ...}

Only items and answers the instrument has are accepted.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..clinical.knowledge.runtime import load_knowledge


class WordingError(ValueError):
    pass


class _Wording(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str | None = None
    items: dict[str, str] = {}
    choices: dict[str, dict[int, str]] = {}


def load_wording(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read and check a wording file against the instruments; WordingError names what does not fit."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        parsed = {iid: _Wording.model_validate(entry) for iid, entry in raw.items()}
    except (OSError, yaml.YAMLError, ValidationError, AttributeError) as exc:
        raise WordingError(f"{path}: {exc}") from None
    instruments = load_knowledge().outcomes["instruments"]
    for iid, wording in parsed.items():
        inst = instruments.get(iid)
        if inst is None:
            raise WordingError(f"{path}: no instrument {iid!r}")
        items = {item["id"]: item for item in inst["items"]}
        for item_id in [*wording.items, *wording.choices]:
            if item_id not in items:
                raise WordingError(f"{path}: {iid} has no item {item_id!r}")
        for item_id, answers in wording.choices.items():
            allowed = {c["value"] for c in (items[item_id]["choices"] or inst["choices"] or [])}
            if not set(answers) <= allowed:
                raise WordingError(f"{path}: {iid}.{item_id} has no answer {sorted(set(answers) - allowed)}")
    return {iid: w.model_dump() for iid, w in parsed.items()}


FIRST_PERSON = Path(__file__).with_name("first_person.yaml")


@lru_cache(maxsize=1)
def first_person() -> dict[str, dict[str, Any]]:
    """backcare's own first-person paraphrase of the items people answer about themselves (checked on load)."""
    return load_wording(FIRST_PERSON)


def worded(instrument_id: str, wording: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """The instrument with the text to show: the licensed wording where installed, else backcare's paraphrase,
    in the first person where people answer sentences about themselves ("I walk only short distances")."""
    inst = load_knowledge().outcomes["instruments"][instrument_id]
    official = (wording or {}).get(instrument_id)
    own = first_person().get(instrument_id, {})
    items = []
    for item in inst["items"]:
        choices = [dict(c, text=((official or {}).get("choices", {}).get(item["id"], {}) or {}).get(c["value"], c["label"]))
                   for c in (item["choices"] or inst["choices"] or [])]
        text = (official or {}).get("items", {}).get(item["id"]) or own.get("items", {}).get(item["id"]) or item["label"]
        items.append(dict(item, text=text, choices=choices))
    return dict(inst, id=instrument_id, items=items, prompt=(official or {}).get("prompt") or own.get("prompt") or inst["prompt"],
                official_wording=official is not None)
