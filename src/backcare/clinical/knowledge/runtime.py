"""The knowledge base as the engine uses it: normalised data with compiled rules.

Loading prefers the generated JSON (no YAML parser, no pydantic: fast start-up)
and falls back to validating the YAML when the JSON is missing or stale.
"""
from __future__ import annotations

import json
import math
from functools import cache
# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from ..engine.compiled import LazyRules, compile_rules
from ..engine.kernel import FindingsKernel, RulesKernel, kernel_findings
from ..engine.likelihood import Moves
from ..engine.notes import NotesReader
from ..engine.plan import relevance_rule
from ..engine.predicates import field_references, finding_references
from ..engine.roots import RootTables
from .version import GENERATED_FILE, content_version


# The blocks of a case (clinical/case.py), read once by the findings kernel.
CASE_BLOCKS = ["client", "history", "medical", "symptoms", "observation", "rom", "special_tests", "neuro", "hip",
               "circulation", "palpation", "pain_mechanism_criteria", "notes"]


def split_region(region: str) -> tuple[str, str | None]:
    """'calf_left' -> ('calf', 'left'); a region without a side keeps side None."""
    if region.endswith("_left"):
        return region[:-5], "left"
    if region.endswith("_right"):
        return region[:-6], "right"
    return region, None


class Knowledge:
    """Read-only knowledge base with every rule compiled once."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.version: str = data["version"]
        self.sources: dict = data["sources"]
        self.conditions: dict = data["conditions"]
        self.region_sets = {k: frozenset(v) for k, v in data["region_sets"].items()}
        self.trigger_point_zones = {k: frozenset(v["regions"]) for k, v in data["trigger_points"].items()}
        self.referral_destinations: list[str] = data["referral_destinations"]
        self.findings: dict = data["findings"]
        self.neuro: dict = data["neuro"]
        self.red_flags: dict = data["red_flags"]
        self.referral_advice: dict[str, str] = data["referral_advice"]
        self.door_advice: dict[str, dict[str, str]] = data["door_advice"]
        self.destination_names: dict[str, str] = data["destination_names"]
        self.screening_questions: list[str] = data["screening_questions"]
        self.safety_net: str = data["safety_net"]
        self.fallback_positioning: list[str] = data["fallback_positioning"]
        self.outcomes: dict = data["outcomes"]
        self.intake: dict = data["intake"]
        self.contraindications: dict = data["contraindications"]
        self.protocols: dict = data["protocols"]
        self.self_care_items: dict = data["self_care"]["items"]
        self.split_region = split_region
        self.structures = frozenset(data["structures"])
        self.neuro_root_order: list[str] = data["nerve_roots"]
        self.root_tables = RootTables(self.neuro, self.region_sets)

        # The rules the engine calls per case compiled in one go (engine/compiled.py); the kernels
        # evaluate the others, so their functions are compiled only if something asks for one.
        pm = data["pain_mechanisms"]
        self.finding_position = {fid: i for i, fid in enumerate(self.findings)}
        # The findings the kernel computes (engine/kernel.py) are read from its values by position.
        static_memo: dict[str, bool] = {}  # which findings the kernel computes, worked out once
        positions = {fid: self.finding_position[fid] for fid in kernel_findings(self.findings, static_memo)}
        rules = compile_rules({**{("condition", cid): c["referral"]["when"] for cid, c in self.conditions.items()
                                  if c.get("referral") and c["referral"]["when"]},
                               **{("criterion", cid): c["derive"] for cid, c in pm["criteria"].items() if c["derive"]}},
                              positions, module="engine_rules")
        self.engine_rules_source = rules.source  # for `_generated/engine_rules.py`
        self.finding_rules = LazyRules({fid: f["when"] for fid, f in self.findings.items()}, positions)
        self.referral_checks = LazyRules(dict(enumerate(rule["when"] for rule in data["referral_rules"])), positions)

        # The differential's likelihood-ratio tables (engine/likelihood.py), and every finding with
        # the log odds computed in one generated function (engine/kernel.py).
        self.kernel = FindingsKernel(self.findings, CASE_BLOCKS, self.region_sets, Moves(self.findings, self.conditions),
                                     {"referral": [rule["when"] for rule in data["referral_rules"]]}, static_memo)
        self.labels = {
            (fid, present): (f["label"] if present else f["absent_label"] or f"no {f['label']}")
            for fid, f in self.findings.items() for present in (True, False)
        }
        self.coexisting = frozenset(cid for cid, c in self.conditions.items() if c["coexists"])
        # For the differential (engine/differential.py), by condition number (knowledge-base order).
        self.condition_number = {cid: i for i, cid in enumerate(self.conditions)}
        priors = [c["prior"] for c in self.conditions.values()]
        self.conditions_by_prior = sorted(range(len(priors)), key=lambda i: -priors[i])  # stable: ties keep their order
        moves_of = {}  # (finding, condition number) -> the numbers of its likelihood-ratio moves
        for fid, outcomes in self.kernel.moves.weighted:
            for entries in outcomes.values():
                for condition, _log_lr, _group, _size, number in entries:
                    moves_of.setdefault((fid, condition), set()).add(number)
        # Per coexisting condition: (id, number, what turns its log odds into its own log odds, the same from its
        # prior of contributing with the findings that call for it, the moves its own odds leave out). The kernel's
        # log odds start from log(prior).
        self.coexisting_odds = [
            (cid, i, _own_odds_offset(c["prior"], c["prior"]),
             (_own_odds_offset(c["prior"], c["contributor_prior"]), c["contributor_when"]) if c.get("contributor_prior") else None,
             frozenset().union(*(moves_of.get((fid, i), ()) for fid in c.get("own_odds_ignore") or ())))
            for i, (cid, c) in enumerate(self.conditions.items()) if c["coexists"]]
        self.condition_facts = {
            cid: {"name": c["name"], "serious": c["serious"], "prior": c["prior"],
                  "codes": {"icd10": c["icd10"], "snomed": c["snomed"]}}
            for cid, c in self.conditions.items()
        }
        # Each condition's item of the differential with its facts filled in, copied per case.
        self.differential_items = [
            {"condition": cid, "probability": 0.0, "evidence": None, **self.condition_facts[cid], "flagged": False,
             "likelihood_ratios": None} for cid in self.conditions]
        # Conditions whose likelihood alone calls for a referral (conditions.yaml).
        self.condition_referrals = [
            (cid, c["referral"], rules.get(("condition", cid)))
            for cid, c in self.conditions.items() if c.get("referral")
        ]
        self.referral_rules = [(rule, finding_references(rule["when"])) for rule in data["referral_rules"]]
        self.contraindication_rules = [
            (cid, entry, finding_references(entry["when"])) for cid, entry in self.contraindications.items()
        ]
        self.protocol_rules = list(self.protocols.items())
        self.protocol_relevance = {pid: relevance_rule(p) for pid, p in self.protocols.items()}
        self.self_care_rules: list[dict] = data["self_care"]["rules"]
        self._compile_mechanisms(pm, rules)
        # The self-care items with a caution, by position in the rules kernel's "avoid" set.
        self.self_care_avoid_ids = [sid for sid, item in self.self_care_items.items() if item["avoid_when"]]
        # The rules read after the differential and the pain mechanism, in one function (engine/kernel.py).
        self.rules_kernel = RulesKernel(self.findings, self.kernel.computed, CASE_BLOCKS, self.region_sets, {
            "contraindication": [entry["when"] for entry in self.contraindications.values()],
            "protocol": [p["when"] or None for p in self.protocols.values()],
            "self_care": [rule["when"] or None for rule in data["self_care"]["rules"]],
            "avoid": [self.self_care_items[sid]["avoid_when"] for sid in self.self_care_avoid_ids]})


    @property
    def notes_reader(self) -> NotesReader:
        """The free-text reader (engine/notes.py), compiled on first use: most cases have no notes."""
        reader = self.__dict__.get("_notes_reader")
        if reader is None:
            reader = self.__dict__["_notes_reader"] = NotesReader(self.data["notes"])
        return reader

    def note_evidence(self, used: dict[str, tuple[str, str]]) -> dict[str, str]:
        """Finding -> what its evidence adds when a field it reads was filled from the notes' words."""
        readers = self.__dict__.get("_field_readers")
        if readers is None:  # field -> the findings that read it themselves (not through another finding)
            readers = self.__dict__["_field_readers"] = {}
            for fid, finding in self.findings.items():
                for path in field_references(finding["when"]):
                    readers.setdefault(path, []).append(fid)
        out = {}
        for path, (_label, words) in used.items():
            for fid in readers.get(path, ()):
                out.setdefault(fid, f" (from the notes: \u201c{words}\u201d; confirm with the client)")
        return out

    def _compile_mechanisms(self, pm: dict[str, Any], rules: dict[tuple, Any]) -> None:
        self.pain_mechanisms = pm
        self.mechanism_log_priors = {m: math.log(p) for m, p in pm["prior"].items()}
        # criterion -> (derivation predicate or None, whether a derived "absent" counts)
        self.criterion_rules = {
            cid: (rules.get(("criterion", cid)), c["derive_absent"])
            for cid, c in pm["criteria"].items()
        }
        # (criterion, derivation, derive_absent, {outcome: ([(mechanism, log factor)], {mechanism: log factor})}),
        # in knowledge-base order; outcome True is present, False absent.
        self.mechanism_table = []
        # (criterion, outcome, origin) -> (the output record, the evidence text): shared, read-only.
        self.criterion_views: dict[tuple[str, bool, str], tuple[dict[str, Any], str]] = {}
        for cid, c in pm["criteria"].items():
            outcomes = {}
            for outcome, key in ((True, "present"), (False, "absent")):
                moves = [(m, math.log(move[key])) for m, move in c["moves"].items() if move[key] != 1.0]
                outcomes[outcome] = (moves, dict(moves))
                for origin in ("checklist", "derived"):
                    derived_from = c["derived_from"] if origin == "derived" else None
                    text = c["label"] if outcome else f"absent: {c['label']}"
                    self.criterion_views[(cid, outcome, origin)] = (
                        {"id": cid, "present": outcome, "origin": origin, "label": c["label"], "derived_from": derived_from},
                        f"{text} (from {derived_from})" if derived_from else text)
            self.mechanism_table.append((cid, *self.criterion_rules[cid], outcomes))
        self.derivable_criteria = [row for row in self.mechanism_table if row[1] is not None]


def _own_odds_offset(prior: float, start: float) -> float:
    """log(start / (1 - start)) - log(prior): from log(prior) + log LRs to the log odds from `start`."""
    return math.log(start) - math.log1p(-start) - math.log(prior)


def _read_generated() -> dict[str, Any] | None:
    try:
        with open(GENERATED_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


@cache
def load_knowledge() -> Knowledge:
    data = _read_generated()
    if data is None or data.get("version") != content_version():
        from .loader import build  # validates the YAML; slower, only when the JSON is stale

        data = build()
    return Knowledge(data)
