"""The treatment domain's data (consent_packs.yaml, body_areas.yaml, session.yaml), checked on load.

Every id is checked against the vocabulary and every source against this
domain's sources or the knowledge base's; a file that does not fit stops the
program with one line per problem, like the knowledge base does.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..clinical.knowledge.runtime import load_knowledge
from ..clinical.vocabulary import vocabulary

HERE = Path(__file__).resolve().parent
METHODS = ("written", "verbal")


class DataError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str
    url: str | None = None


class Element(_Strict):
    words: str
    plain: str


class AreaRule(_Strict):
    requires: list[Literal["written", "verbal"]] = Field(min_length=1)
    frequency: Literal["every_visit"]
    note: str = ""
    sources: list[str] = Field(min_length=1)


class General(_Strict):
    elements: list[str] = Field(min_length=1)
    renew_after_days: int = Field(gt=0, le=3660)
    sources: list[str] = Field(min_length=1)


class Pack(_Strict):
    title: str
    general: General
    areas: dict[str, AreaRule]
    statements: list[str] = []
    statement_sources: list[str] = Field(min_length=1)


class PacksFile(_Strict):
    elements: dict[str, Element]
    packs: dict[str, Pack]
    default_pack: str
    sources: dict[str, Source]


class Area(_Strict):
    words: str
    plain: str


class Alternative(_Strict):
    technique: str | None = None
    targets: list[str] = []
    self_care: str | None = None
    words: str

    @model_validator(mode="after")
    def _one_kind(self) -> Alternative:
        if (self.technique is None) == (self.self_care is None):
            raise ValueError("an alternative is a technique (with targets) or a self-care item, not both")
        if self.technique is not None and not self.targets:
            raise ValueError(f"the alternative {self.technique!r} needs targets")
        return self


class AreasFile(_Strict):
    areas: dict[str, Area]
    techniques: dict[str, Literal["target"] | list[str]]
    structures: dict[str, list[str]]
    hydrotherapy: dict[str, Literal["treated"] | list[str]]
    positioning: dict[str, list[str]]
    alternatives: dict[str, list[Alternative]]
    sources: dict[str, Source] = {}


class Ceiling(_Strict):
    pressure: str
    sources: list[str] = Field(min_length=1)


class AsPlanned(_Strict):
    minutes_per_technique: int = Field(gt=0, le=60)
    pressure: str
    draping: str
    sources: list[str] = Field(min_length=1)


class Draping(_Strict):
    words: str
    for_areas: list[str] = []


class SessionFile(_Strict):
    pressures: list[str] = Field(min_length=1)
    draping: dict[str, Draping]
    after_effects: dict[str, str]
    as_planned: AsPlanned
    pressure_ceilings: dict[str, Ceiling]
    sources: dict[str, Source]


class TreatmentData:
    """The three files, read-only, with the lookups the domain uses."""

    def __init__(self, packs: PacksFile, areas: AreasFile, session: SessionFile):
        self.elements = packs.elements
        self.packs = packs.packs
        self.default_pack = packs.default_pack
        self.areas = areas.areas
        self.techniques = areas.techniques
        self.structures = areas.structures
        self.hydrotherapy = areas.hydrotherapy
        self.positioning = areas.positioning
        self.alternatives = areas.alternatives
        self.pressures = session.pressures
        self.draping = session.draping
        self.after_effects = session.after_effects
        self.as_planned = session.as_planned
        self.pressure_ceilings = session.pressure_ceilings
        self.sources = {**packs.sources, **areas.sources, **session.sources}

    def pack(self, pack_id: str | None) -> Pack:
        """A clinic's pack; an unknown id (a pack since removed) falls back to the default."""
        return self.packs.get(pack_id or "", self.packs[self.default_pack])

    def pack_id(self, pack_id: str | None) -> str:
        return pack_id if pack_id in self.packs else self.default_pack


def _read(name: str, model: type[BaseModel]) -> Any:
    path = HERE / name
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        lines = [f"{name}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
        raise DataError("\n".join(lines)) from None


def _problems(data: TreatmentData) -> list[str]:
    """Every reference that does not resolve, as one line each."""
    v, kb_sources = vocabulary(), load_knowledge().sources
    known_sources = set(data.sources) | set(kb_sources)
    problems: list[str] = []

    def need(ids: Any, known: Any, where: str) -> None:
        problems.extend(f"{where}: unknown id {i!r}" for i in ids if i not in known)

    for pid, pack in data.packs.items():
        need(pack.areas, data.areas, f"consent_packs.yaml: packs.{pid}.areas")
        need(pack.general.elements, data.elements, f"consent_packs.yaml: packs.{pid}.general.elements")
        need(pack.general.sources + pack.statement_sources, known_sources, f"consent_packs.yaml: packs.{pid} sources")
        for aid, rule in pack.areas.items():
            need(rule.sources, known_sources, f"consent_packs.yaml: packs.{pid}.areas.{aid}.sources")
    if data.default_pack not in data.packs:
        problems.append(f"consent_packs.yaml: default_pack {data.default_pack!r} is not a pack")
    for table, known in (("techniques", v.techniques), ("structures", v.structures), ("hydrotherapy", v.hydrotherapy),
                         ("positioning", v.positioning)):
        mapping = getattr(data, table)
        need(mapping, known, f"body_areas.yaml: {table}")
        for ident, areas in mapping.items():
            if isinstance(areas, list):
                need(areas, data.areas, f"body_areas.yaml: {table}.{ident}")
    for aid, options in data.alternatives.items():
        need([aid], data.areas, "body_areas.yaml: alternatives")
        for option in options:
            if option.technique is not None:
                need([option.technique], v.techniques, f"body_areas.yaml: alternatives.{aid}")
                need(option.targets, v.structures, f"body_areas.yaml: alternatives.{aid}.{option.technique}")
                touched = touches(data, option.technique, option.targets)
                if aid in touched:
                    problems.append(f"body_areas.yaml: alternatives.{aid}: {option.technique} touches the area it replaces")
            else:
                need([option.self_care], v.self_care, f"body_areas.yaml: alternatives.{aid}")
    for pressure in [data.as_planned.pressure, *(c.pressure for c in data.pressure_ceilings.values())]:
        need([pressure], data.pressures, "session.yaml: pressure")
    need([data.as_planned.draping], data.draping, "session.yaml: as_planned.draping")
    for did, drape in data.draping.items():
        need(drape.for_areas, data.areas, f"session.yaml: draping.{did}.for_areas")
    need(data.as_planned.sources, known_sources, "session.yaml: as_planned.sources")
    for cid, ceiling in data.pressure_ceilings.items():
        need(ceiling.sources, known_sources, f"session.yaml: pressure_ceilings.{cid}.sources")
    return problems


def touches(data: TreatmentData, technique: str, targets: list[str]) -> set[str]:
    """The body areas a technique on these targets puts hands on (unmapped ids touch nothing known)."""
    contact = data.techniques.get(technique, "target")
    if contact == "target":
        return {area for target in targets for area in data.structures.get(target, [])}
    return set(contact)


@cache
def treatment_data() -> TreatmentData:
    data = TreatmentData(_read("consent_packs.yaml", PacksFile), _read("body_areas.yaml", AreasFile),
                         _read("session.yaml", SessionFile))
    problems = _problems(data)
    if problems:
        raise DataError("\n".join(problems))
    return data
