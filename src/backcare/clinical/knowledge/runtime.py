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

from ..engine.compiled import compile_rules
from ..engine.predicates import dependencies, finding_references
from .version import GENERATED_FILE, content_version


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

        # Every rule of the knowledge base compiled in one go (engine/compiled.py).
        pm = data["pain_mechanisms"]
        specs: dict[tuple, dict] = {("finding", fid): f["when"] for fid, f in self.findings.items()}
        specs.update({("referral", i): rule["when"] for i, rule in enumerate(data["referral_rules"])})
        specs.update({("condition", cid): c["referral"]["when"] for cid, c in self.conditions.items()
                      if c.get("referral") and c["referral"]["when"]})
        specs.update({("contraindication", cid): entry["when"] for cid, entry in self.contraindications.items()})
        specs.update({("protocol", pid): p["when"] for pid, p in self.protocols.items() if p["when"]})
        specs.update({("self_care", i): rule["when"] for i, rule in enumerate(data["self_care"]["rules"]) if rule["when"]})
        specs.update({("avoid", sid): item["avoid_when"] for sid, item in self.self_care_items.items() if item["avoid_when"]})
        specs.update({("criterion", cid): c["derive"] for cid, c in pm["criteria"].items() if c["derive"]})
        rules = compile_rules(specs)
        self.finding_rules = {fid: rules[("finding", fid)] for fid in self.findings}
        # Findings that move the differential, with each move's log likelihood
        # ratio (and its size) precomputed for both outcomes: present, absent.
        self.weighted_findings = []
        for order, (fid, f) in enumerate((fid, f) for fid, f in self.findings.items() if f["moves"]):
            # Per outcome (True: present, False: absent): the ungrouped moves as
            # (condition, log LR, applied entry) and the grouped ones as
            # ((condition, group), |log LR|, applied entry, log LR); an applied
            # entry is (|log LR|, -order, evidence text, likelihood-ratio record).
            by_outcome: dict[bool, tuple[list, list]] = {True: ([], []), False: ([], [])}
            for cid, move in f["moves"].items():
                group = move["group"] or f["group"]
                for present, lr in ((True, move["present"]), (False, move["absent"])):
                    if lr == 1.0:
                        continue
                    label = f["label"] if present else f["absent_label"] or f"no {f['label']}"
                    entry = (abs(math.log(lr)), -order, f"{label} (x{lr:g})", {"finding": fid, "present": present, "lr": lr})
                    if group is None:
                        by_outcome[present][0].append((cid, math.log(lr), entry))
                    else:
                        by_outcome[present][1].append(((cid, group), entry[0], entry, math.log(lr)))
            self.weighted_findings.append((fid, by_outcome))
        self.labels = {
            (fid, present): (f["label"] if present else f["absent_label"] or f"no {f['label']}")
            for fid, f in self.findings.items() for present in (True, False)
        }
        self.log_priors = {cid: math.log(c["prior"]) for cid, c in self.conditions.items()}
        self.coexisting = frozenset(cid for cid, c in self.conditions.items() if c["coexists"])
        self.condition_facts = {
            cid: {"name": c["name"], "serious": c["serious"], "prior": c["prior"],
                  "codes": {"icd10": c["icd10"], "snomed": c["snomed"]}}
            for cid, c in self.conditions.items()
        }
        # Conditions whose likelihood alone calls for a referral (conditions.yaml).
        self.condition_referrals = [
            (cid, c["referral"], rules.get(("condition", cid)))
            for cid, c in self.conditions.items() if c.get("referral")
        ]
        self.referral_rules = [
            (rule, rules[("referral", i)], finding_references(rule["when"])) for i, rule in enumerate(data["referral_rules"])
        ]
        self.contraindication_rules = [
            (cid, entry, rules[("contraindication", cid)], finding_references(entry["when"]))
            for cid, entry in self.contraindications.items()
        ]
        self.protocol_rules = [
            (pid, p, rules.get(("protocol", pid))) for pid, p in self.protocols.items()
        ]
        self.self_care_rules = [
            (rule, rules.get(("self_care", i))) for i, rule in enumerate(data["self_care"]["rules"])
        ]
        self._compile_mechanisms(pm, rules)
        self.self_care_avoid = {sid: rules[("avoid", sid)] for sid, item in self.self_care_items.items() if item["avoid_when"]}
        self._index_rules()


    def _index_rules(self) -> None:
        """Index the weighted findings and the referral rules by the case parts they read."""
        from ..engine.context import Evaluation
        from ..engine.relevance import RuleIndex, empty_values

        memo: dict = {}
        empty = Evaluation({}, self)
        deps = [dependencies(self.findings[fid]["when"], self.findings, memo) for fid, _ in self.weighted_findings]
        values = empty_values([self.finding_rules[fid] for fid, _ in self.weighted_findings], deps, empty)
        self.weighted_index = RuleIndex(deps, [v is None for v in values])
        deps = [dependencies(rule["when"], self.findings, memo) for rule, _, _ in self.referral_rules]
        values = empty_values([check for _, check, _ in self.referral_rules], deps, Evaluation({}, self))
        self.referral_index = RuleIndex(deps, [v is not True for v in values])

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
