"""Read the knowledge-base YAML, validate it, and normalise it to plain data.

The normalised form is what the engine runs on. It is also written to
`backcare/clinical/_generated/knowledge.json` (`python -m backcare.clinical.knowledge.loader`) so
that the command line can start without YAML or pydantic; `runtime.py` checks
that file's version against the YAML and rebuilds when they differ.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..engine.predicates import Checker, PredicateError, compile_predicate
from ..vocabulary import Vocabulary, vocabulary
from . import schema
from .version import DATA_DIR, GENERATED_FILE, content_version


class KnowledgeError(ValueError):
    """The knowledge base is inconsistent; the message names file and entry."""


def _read(name: str) -> Any:
    path = Path(DATA_DIR) / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def _model(name: str, model: type[BaseModel], raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{name}.yaml: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise KnowledgeError("\n".join(lines)) from exc


class _VocabularyChecker(Checker):
    """Checks every name a rule uses against the vocabulary and the knowledge base."""

    def __init__(self, vocab: Vocabulary, findings: set[str], region_sets: set[str], note_fields: set[str]):
        self.findings = findings
        self.note_fields = note_fields  # `notes.<id>`: facts with no case field, read from the words (notes.yaml)
        self.known = {
            "region": set(vocab.regions),
            "region_set": region_sets,
            "special_test": set(vocab.special_tests),
            "movement": set(vocab.movements),
            "reflex": set(vocab.reflexes),
            "rom_motion": set(vocab.rom_motions),
            "rom_mode": set(vocab.rom_modes),
            "structure": set(vocab.structures),
            "palpation_site": set(vocab.structures) | set(vocab.landmarks),
            "palpation_list": {"hypertonic", "tender", "trigger_points", "reproduces_familiar_pain"},
            "condition": set(vocab.conditions),
            "pain_mechanism": set(vocab.pain_mechanisms),
        }
        self.criteria = set(vocab.pain_mechanism_criteria)
        from ..case import Case

        self.case_model = Case

    def field(self, path: str) -> None:
        if path.startswith("notes."):
            if path not in self.note_fields:
                raise PredicateError(f"unknown notes field {path!r} (notes.yaml fills none such)")
            return
        model: Any = self.case_model
        for part in path.split("."):
            fields = getattr(model, "model_fields", None)
            if not fields or part not in fields:
                raise PredicateError(f"unknown case field {path!r}")
            from ..errors import nested_model

            model = nested_model(fields[part].annotation)

    def values(self, kind: str, values: list[str]) -> None:
        unknown = sorted(set(values) - self.known[kind])
        if unknown:
            raise PredicateError(f"unknown {kind.replace('_', ' ')} {unknown}")

    def finding(self, finding_id: str) -> None:
        if finding_id not in self.findings:
            raise PredicateError(f"unknown finding {finding_id!r}")

    def criterion(self, criterion_id: str) -> None:
        if criterion_id not in self.criteria:
            raise PredicateError(f"unknown pain-mechanism criterion {criterion_id!r}")


def _ids(where: str, values: list[str], allowed: dict | tuple | set, what: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise KnowledgeError(f"{where}: unknown {what} {unknown}")


def build() -> dict[str, Any]:
    """Load, validate and normalise the whole knowledge base."""
    vocab = vocabulary()
    sources = {k: _model("sources", schema.Source, v).model_dump() for k, v in _read("sources").items()}
    conditions = {k: _model("conditions", schema.Condition, v) for k, v in _read("conditions").items()}
    files = {name: _model(name, model, _read(name)) for name, model in schema.FILE_MODELS.items()}
    findings_file: schema.FindingsFile = files["findings"]
    mimics_file: schema.FindingsFile = files["mimics"]
    trigger_points: schema.TriggerPointsFile = files["trigger_points"]
    neuro: schema.NeuroFile = files["neuro"]
    flags: schema.RedFlagsFile = files["red_flags"]
    contra: schema.ContraindicationsFile = files["contraindications"]
    treatment: schema.TreatmentFile = files["treatment"]
    self_care: schema.SelfCareFile = files["self_care"]
    mechanisms: schema.PainMechanismsFile = files["pain_mechanisms"]
    outcomes: schema.OutcomesFile = files["outcomes"]
    intake: schema.IntakeFile = files["intake"]

    _ids("conditions.yaml", list(conditions), vocab.conditions, "condition")
    missing = sorted(set(vocab.conditions) - set(conditions))
    if missing:
        raise KnowledgeError(f"conditions.yaml: vocabulary conditions without an entry: {missing}")
    if sum(c.prior for c in conditions.values()) > 1.0:
        raise KnowledgeError("conditions.yaml: priors must sum to at most 1")

    findings = dict(findings_file.findings)
    for file_name, more in (("mimics", mimics_file.findings), ("red_flags", flags.findings)):
        for fid, finding in more.items():
            if fid in findings:
                raise KnowledgeError(f"{file_name}.yaml: finding {fid!r} is defined twice")
            findings[fid] = finding
    region_sets = dict(findings_file.region_sets)
    for name, regions in mimics_file.region_sets.items():
        if name in region_sets:
            raise KnowledgeError(f"mimics.yaml: region set {name!r} is defined twice")
        region_sets[name] = regions
    for name, regions in region_sets.items():
        _ids(f"findings: region_sets.{name}", regions, vocab.regions, "region")
    notes: schema.NotesFile = files["notes"]
    note_fields = _check_notes(notes, vocab)
    checker = _VocabularyChecker(vocab, set(findings), set(region_sets), note_fields)

    def check(where: str, predicate: dict | None) -> None:
        if predicate is None:
            return
        try:
            compile_predicate(predicate, checker, where)
        except PredicateError as exc:
            raise KnowledgeError(f"{where}: {exc}") from exc

    def cite(where: str, cited: list[str]) -> None:
        _ids(where, cited, sources, "source")

    for cid, cond in conditions.items():
        cite(f"conditions.yaml: {cid}", cond.sources)
        if cond.referral is not None:
            _ids(f"conditions.yaml: {cid}.referral", [cond.referral.to], vocab.referral_destinations, "destination")
            check(f"conditions.yaml: {cid}.referral", cond.referral.when)
    _ids("trigger_points.yaml", list(trigger_points.zones), vocab.structures, "structure")
    for muscle, zone in trigger_points.zones.items():
        _ids(f"trigger_points.yaml: {muscle}", zone.regions, vocab.regions, "region")
        cite(f"trigger_points.yaml: {muscle}", zone.sources)
    for cid, cond in conditions.items():
        if cond.contributor_prior is not None and not (cond.coexists and cond.contributor_prior >= cond.prior):
            raise KnowledgeError(f"conditions.yaml: {cid}.contributor_prior: only a condition that coexists has one, "
                                 "and it is at least its prior")
        if bool(cond.contributor_prior) != bool(cond.contributor_when):
            raise KnowledgeError(f"conditions.yaml: {cid}: contributor_prior and contributor_when go together")
        for fid in cond.contributor_when:
            if fid not in findings or cid not in findings[fid].moves:
                raise KnowledgeError(f"conditions.yaml: {cid}.contributor_when: {fid!r} is not a finding that moves {cid}")
        for fid in cond.own_odds_ignore:
            if not cond.coexists:
                raise KnowledgeError(f"conditions.yaml: {cid}.own_odds_ignore: only a condition that coexists has own odds")
            if fid not in findings or cid not in findings[fid].moves:
                raise KnowledgeError(f"conditions.yaml: {cid}.own_odds_ignore: {fid!r} is not a finding that moves {cid}")
    for fid, finding in findings.items():
        where = f"findings: {fid}"
        check(where, finding.when)
        cite(where, finding.sources)
        _ids(where, list(finding.moves), vocab.conditions, "condition")
        if finding.moves and finding.basis is None:
            raise KnowledgeError(f"{where}: a finding that moves conditions must state its basis")
    for table in ("dermatomes", "myotomes", "reflexes", "atrophy"):
        entries: dict[str, schema.WeightedRoots] = getattr(neuro, table)
        allowed = {"dermatomes": vocab.regions, "atrophy": vocab.regions, "myotomes": vocab.movements, "reflexes": vocab.reflexes}[table]
        _ids(f"neuro.yaml: {table}", list(entries), allowed, "id")
        for key, entry in entries.items():
            _ids(f"neuro.yaml: {table}.{key}", list(entry.weights), vocab.nerve_roots, "root")
            cite(f"neuro.yaml: {table}.{key}", entry.sources)
    missing = sorted(set(vocab.movements) - set(neuro.myotomes)) + sorted(set(vocab.reflexes) - set(neuro.reflexes))
    if missing:
        raise KnowledgeError(f"neuro.yaml: movements or reflexes without a root table: {missing}")
    cite("neuro.yaml", neuro.sources)
    pattern = neuro.length_dependent
    cite("neuro.yaml: length_dependent", pattern.sources)
    _ids("neuro.yaml: length_dependent", [pattern.finding], findings, "finding")
    _ids("neuro.yaml: length_dependent", [pattern.region_set], region_sets, "region set")
    _ids("neuro.yaml: length_dependent", pattern.reflexes, vocab.reflexes, "reflex")
    _ids("red_flags.yaml: red_flags", list(flags.red_flags), vocab.red_flags, "red flag")
    missing = sorted(set(vocab.red_flags) - set(flags.red_flags))
    if missing:
        raise KnowledgeError(f"red_flags.yaml: red flags without advice: {missing}")
    from ..case import Symptoms

    _ids("red_flags.yaml: screening_questions", flags.screening_questions, Symptoms.model_fields, "symptom field")
    cite("red_flags.yaml: screening_questions", flags.screening_sources)
    cite("red_flags.yaml: safety_net", flags.safety_net_sources)
    if set(flags.destination_names) != set(vocab.referral_destinations):
        raise KnowledgeError("red_flags.yaml: destination_names must name exactly the vocabulary's referral destinations")
    _ids("treatment.yaml: fallback_positioning", treatment.fallback_positioning, vocab.positioning, "positioning")
    cite("treatment.yaml: fallback_positioning", treatment.fallback_sources)
    for rid, info in flags.red_flags.items():
        cite(f"red_flags.yaml: {rid}", info.sources)
        if info.condition is not None:
            _ids(f"red_flags.yaml: {rid}", [info.condition], vocab.conditions, "condition")
    for rule in flags.rules:
        where = f"red_flags.yaml: rule {rule.id}"
        check(where, rule.when)
        cite(where, rule.sources)
        if rule.red_flag is None and rule.reason is None:
            raise KnowledgeError(f"{where}: a rule without a red flag needs a reason")
        if rule.red_flag is not None:
            _ids(where, [rule.red_flag], vocab.red_flags, "red flag")
        if rule.to is not None:
            _ids(where, [rule.to], vocab.referral_destinations, "destination")
        if rule.condition is not None:
            _ids(where, [rule.condition], vocab.conditions, "condition")
        _ids(where, rule.raised_by + rule.lowered_by, findings, "finding")
        levels = ("none", "routine", "urgent", "emergency")
        if bool(rule.lowered_by) != (rule.lowered_to is not None):
            raise KnowledgeError(f"{where}: lowered_by and lowered_to go together")
        if rule.lowered_to is not None and levels.index(rule.lowered_to) >= levels.index(rule.urgency):
            raise KnowledgeError(f"{where}: lowered_to must be below the rule's urgency")
    for cid, entry in contra.contraindications.items():
        where = f"contraindications.yaml: {cid}"
        _ids(where, [cid], vocab.contraindications, "contraindication")
        check(where, entry.when)
        cite(where, entry.sources)
        _ids(where, entry.forbids.goals, vocab.treatment_goals, "goal")
        _ids(where, entry.forbids.techniques, vocab.techniques, "technique")
        _ids(where, entry.forbids.targets, vocab.structures, "structure")
        _ids(where, entry.forbids.positioning, vocab.positioning, "positioning")
        _ids(where, entry.forbids.hydrotherapy, vocab.hydrotherapy, "hydrotherapy")
        _ids(where, entry.forbids.self_care, vocab.self_care, "self-care item")
    target_words = set(vocab.structures) | {"palpated", "palpated_trigger_points", "palpated_familiar_pain"}
    for pid, protocol in treatment.protocols.items():
        where = f"treatment.yaml: {pid}"
        check(where, protocol.when)
        cite(where, protocol.sources)
        _ids(where, protocol.goals, vocab.treatment_goals, "goal")
        _ids(where, protocol.positioning, vocab.positioning, "positioning")
        _ids(where, protocol.hydrotherapy, vocab.hydrotherapy, "hydrotherapy")
        for tech in protocol.techniques:
            _ids(where, [tech.technique], vocab.techniques, "technique")
            _ids(where, tech.targets, target_words, "target")
    _ids("self_care.yaml: items", list(self_care.items), vocab.self_care, "self-care item")
    for sid, item in self_care.items.items():
        check(f"self_care.yaml: {sid}.avoid_when", item.avoid_when)
        cite(f"self_care.yaml: {sid}", item.sources)
    for rule in self_care.rules:
        where = f"self_care.yaml: rule {rule.id}"
        check(where, rule.when)
        cite(where, rule.sources)
        _ids(where, rule.add, self_care.items, "self-care item")

    _check_mechanisms(mechanisms, vocab, check, cite)
    cite("notes.yaml: cues", notes.cues.sources)
    for rid, reading in notes.readings.items():
        cite(f"notes.yaml: {rid}", reading.sources)
    _check_outcomes(outcomes, self_care, cite)
    cite("intake.yaml", intake.sources)
    if set(intake.screening) != set(flags.screening_questions):
        raise KnowledgeError("intake.yaml: screening must ask exactly the screening questions of red_flags.yaml")
    if set(intake.medical) != set(vocab.medical_history):
        raise KnowledgeError("intake.yaml: medical must ask exactly the vocabulary's medical history")

    dump = lambda m: m.model_dump(exclude_defaults=False)  # noqa: E731
    return {
        "version": content_version(),
        "sources": sources,
        "nerve_roots": list(vocab.nerve_roots),
        "conditions": {k: dump(v) for k, v in conditions.items()},
        "region_sets": region_sets,
        "trigger_points": {k: dump(v) for k, v in trigger_points.zones.items()},
        "referral_destinations": list(vocab.referral_destinations),
        "structures": list(vocab.structures),
        "findings": {k: dump(v) for k, v in findings.items()},
        "neuro": dump(neuro),
        "red_flags": {k: dump(v) for k, v in flags.red_flags.items()},
        "referral_advice": flags.referral_advice,
        "door_advice": flags.door_advice,
        "destination_names": flags.destination_names,
        "screening_questions": flags.screening_questions,
        "safety_net": flags.safety_net,
        "fallback_positioning": treatment.fallback_positioning,
        "outcomes": dump(outcomes),
        "intake": dump(intake),
        "referral_rules": [dump(r) for r in flags.rules],
        "contraindications": {k: dump(v) for k, v in contra.contraindications.items()},
        "protocols": {k: dump(v) for k, v in treatment.protocols.items()},
        "self_care": {"items": {k: dump(v) for k, v in self_care.items.items()}, "rules": [dump(r) for r in self_care.rules]},
        "pain_mechanisms": dump(mechanisms),
        "notes": dump(notes),
    }


def _check_notes(notes: schema.NotesFile, vocab: Vocabulary) -> set[str]:
    """Check what each reading fills; returns the `notes.<id>` fields the rules may read."""
    note_fields = set()
    for rid, reading in notes.readings.items():
        block, _, name = reading.fills.partition(".")
        if block == "medical":
            _ids(f"notes.yaml: {rid}.fills", [name], vocab.medical_history, "medical history field")
        elif block == "symptoms":
            from ..case import Symptoms

            yes_no = [f for f, info in Symptoms.model_fields.items() if "bool" in str(info.annotation)]
            _ids(f"notes.yaml: {rid}.fills", [name], yes_no, "yes-or-no symptom field")
        elif block == "notes" and name == rid:
            note_fields.add(reading.fills)
        else:
            raise KnowledgeError(f"notes.yaml: {rid}.fills: a medical history or yes-or-no symptom field, "
                                 f"or notes.{rid} for a fact with no case field")
        if reading.measured and reading.within_days is None:
            raise KnowledgeError(f"notes.yaml: {rid}: a measured value needs within_days (how recent it must be)")
    return note_fields


def _check_mechanisms(mechanisms: schema.PainMechanismsFile, vocab: Vocabulary, check, cite) -> None:
    where = "pain_mechanisms.yaml"
    if set(mechanisms.prior) != set(vocab.pain_mechanisms):
        raise KnowledgeError(f"{where}: prior must give exactly the vocabulary's mechanisms {sorted(vocab.pain_mechanisms)}")
    if abs(sum(mechanisms.prior.values()) - 1.0) > 0.01:
        raise KnowledgeError(f"{where}: priors must sum to 1")
    cite(f"{where}: prior", mechanisms.prior_sources)
    cite(f"{where}: min_criteria", mechanisms.judgement_sources)
    missing = sorted(set(vocab.pain_mechanism_criteria) - set(mechanisms.criteria))
    if missing:
        raise KnowledgeError(f"{where}: checklist criteria without an entry: {missing}")
    _ids(f"{where}: criteria", list(mechanisms.criteria), vocab.pain_mechanism_criteria, "criterion")
    for cid, criterion in mechanisms.criteria.items():
        here = f"{where}: {cid}"
        cite(here, criterion.sources)
        _ids(here, list(criterion.moves), vocab.pain_mechanisms, "mechanism")
        check(here, criterion.derive)
        if (criterion.derive is None) != (criterion.derived_from is None):
            raise KnowledgeError(f"{here}: `derive` and `derived_from` go together")
    _ids(f"{where}: clusters", list(mechanisms.clusters), vocab.pain_mechanisms, "mechanism")
    for mid, cluster in mechanisms.clusters.items():
        cite(f"{where}: clusters.{mid}", cluster.sources)
        _ids(f"{where}: clusters.{mid}", cluster.present + cluster.absent, mechanisms.criteria, "criterion")


def _check_outcomes(outcomes: schema.OutcomesFile, self_care: schema.SelfCareFile, cite) -> None:
    """Each instrument can be scored as its kind says; the course and the stratified care refer to what exists."""
    where = "outcomes.yaml"
    for iid, instrument in outcomes.instruments.items():
        here = f"{where}: instruments.{iid}"
        cite(here, instrument.sources)
        ids = [item.id for item in instrument.items]
        if len(set(ids)) != len(ids):
            raise KnowledgeError(f"{here}: item ids repeat")
        ranged = instrument.kind in ("single", "activities")
        for item in instrument.items:
            if ranged and (item.min is None or item.max is None):
                raise KnowledgeError(f"{here}: item {item.id} needs min and max")
            if instrument.kind in ("sections", "screening") and not (item.choices or instrument.choices):
                raise KnowledgeError(f"{here}: item {item.id} has no answers to choose from")
            if instrument.kind == "screening" and any(c.points is None for c in (item.choices or instrument.choices or [])):
                raise KnowledgeError(f"{here}: item {item.id}: every screening answer needs its points")
        if instrument.kind == "screening" and instrument.risk is None:
            raise KnowledgeError(f"{here}: a screening tool needs its risk rule")
        if instrument.licence.wording == "paraphrase" and not instrument.licence.copyright_line:
            raise KnowledgeError(f"{here}: a licensed instrument keeps its copyright line")
    course = outcomes.expected_course
    cite(f"{where}: expected_course", course.sources)
    if course.measure not in outcomes.instruments:
        raise KnowledgeError(f"{where}: expected_course measure {course.measure!r} is not an instrument")
    for cid, cohort in course.cohorts.items():
        if len(cohort.weeks) != len(cohort.mean_pain) or cohort.weeks != sorted(cohort.weeks) or cohort.weeks[0] != 0:
            raise KnowledgeError(f"{where}: expected_course.{cid}: weeks start at 0, rise, and pair with mean_pain")
    for group, care in outcomes.stratified_care.items():
        cite(f"{where}: stratified_care.{group}", care.sources)
        _ids(f"{where}: stratified_care.{group}", care.self_care_add, self_care.items, "self-care item")
        _ids(f"{where}: stratified_care.{group}.mechanism_notes", list(care.mechanism_notes),
             [*vocabulary().pain_mechanisms, "any"], "mechanism")


def generated_text(data: dict[str, Any]) -> str:
    # Key order is meaning here (contraindications, protocols and self-care are
    # listed most important first), so keys are never sorted.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def write_generated(path: Path = Path(GENERATED_FILE)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generated_text(build()), encoding="utf-8")
    return path


if __name__ == "__main__":
    try:
        print(f"wrote {write_generated()}")
    except KnowledgeError as exc:
        sys.exit(str(exc))
