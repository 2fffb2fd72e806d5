"""The knowledge base: consistent, sourced, versioned, and its generated copies current."""
from __future__ import annotations

import json

import pytest

from backcare.clinical.generate import CASE_CHECK_FILE, case_check_source, precompiled_sources
from backcare.clinical.knowledge import loader
from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.clinical.knowledge.version import GENERATED_FILE, content_version


def test_every_entry_cites_known_sources_and_seeds_exist(shared_dir):
    data = loader.build()
    seeds = {s["file"] for s in data["sources"].values() if s["kind"] == "seed"}
    assert seeds == {p.name for p in (shared_dir / "seeds").iterdir()}
    notes = {name: (shared_dir / "notes" / name).read_text() for name in ("clinical.md", "mimics.md")}
    not_authors = ("Urgency", "Suggested", "Contraindications", "ISNCSCI/ASIA", "NICE", "GIRFT", "KNGF", "Screening",
                   "Recurrence", "Perth", "backcare")
    for sid, source in data["sources"].items():
        if source["kind"] == "publication" and source["url"]:
            assert source["url"].startswith(("http://", "https://")) and source["notes"], sid
        elif source["kind"] == "publication":
            note_file = source["notes"].split()[0]
            assert note_file in notes, sid
            first_author = source["title"].split()[0].rstrip(",")
            if first_author[0].isupper() and first_author not in not_authors:
                assert first_author in notes[note_file], f"{sid}: {first_author} is not in {note_file}"


def test_the_generated_knowledge_json_is_current():
    with open(GENERATED_FILE, encoding="utf-8") as fh:
        assert fh.read() == loader.generated_text(loader.build()), "run: python -m backcare.clinical.generate"


def test_outputs_keep_the_knowledge_base_order_most_important_first():
    from conftest import ids, run_case

    out = run_case(symptoms={"bladder_dysfunction": True}, history={"aggravating": ["sitting"]})
    assert ids(out["contraindications"])[0] == "no_treatment_refer"


def test_the_generated_case_validator_is_current():
    assert CASE_CHECK_FILE.read_text() == case_check_source(), "run: python -m backcare.clinical.generate"


def test_the_precompiled_engine_modules_are_current_and_the_engine_runs_their_bytecode():
    for path, text in precompiled_sources().items():
        assert path.read_text() == text, "run: python -m backcare.clinical.generate"
    knowledge = load_knowledge()
    assert knowledge.kernel.run.__code__.co_filename.endswith("findings_kernel.py")
    assert knowledge.rules_kernel.run.__code__.co_filename.endswith("rules_kernel.py")
    checks = [check for _, _, check in knowledge.condition_referrals if check is not None]
    assert checks and all(check.__code__.co_filename.endswith("engine_rules.py") for check in checks)


def test_engine_functions_generated_from_other_rules_are_compiled_afresh(monkeypatch):
    """A generated module left from another knowledge base is never run: its digest does not match."""
    from backcare.clinical._generated import engine_rules, findings_kernel, rules_kernel
    from backcare.clinical.api import assess_data
    from backcare.clinical.knowledge import runtime

    case = {"client": {"age": 44}, "symptoms": {"pain_sites": ["low_back", "calf_left"], "pain_nrs": 6},
            "special_tests": {"slr": {"left": "positive"}}, "medical": {"cancer_history": True}}
    expected = assess_data(case)
    for module in (engine_rules, findings_kernel, rules_kernel):
        monkeypatch.setattr(module, "SOURCE_DIGEST", "from another knowledge base")
    fresh = runtime.Knowledge(loader.build())
    assert fresh.kernel.run.__code__.co_filename == "<backcare findings kernel>"
    assert fresh.rules_kernel.run.__code__.co_filename == "<backcare findings kernel>"
    assert {check.__code__.co_filename for _, _, check in fresh.condition_referrals if check} == {"<backcare rules>"}
    assert assess_data(case, fresh) == expected


def test_assessments_record_the_knowledge_base_version():
    from backcare.clinical.api import assess_data

    assert assess_data({})["knowledge_base"]["version"] == content_version() == load_knowledge().version


def test_a_stale_generated_file_is_rebuilt_from_yaml(monkeypatch, tmp_path):
    from backcare.clinical.knowledge import runtime

    stale = tmp_path / "knowledge.json"
    stale.write_text(json.dumps({"version": "kb-old"}))
    monkeypatch.setattr(runtime, "GENERATED_FILE", str(stale))
    runtime.load_knowledge.cache_clear()
    try:
        assert runtime.load_knowledge().version == content_version()
    finally:
        runtime.load_knowledge.cache_clear()


@pytest.mark.parametrize("name, change, message", [
    ("findings", lambda d: d["findings"]["slr_positive"]["moves"].update({"lumbago": {"present": 2}}),
     "findings: slr_positive: unknown condition ['lumbago']"),
    ("findings", lambda d: d["findings"]["slr_positive"].update({"when": {"test": {"name": "slrr"}}}),
     "findings: slr_positive: unknown special test ['slrr']"),
    ("findings", lambda d: d["findings"]["slr_positive"].update({"sources": ["someone_2099"]}),
     "findings: slr_positive: unknown source ['someone_2099']"),
    ("red_flags", lambda d: d["rules"][0].update({"when": {"finding": "nonexistent"}}),
     "red_flags.yaml: rule ces_saddle: unknown finding 'nonexistent'"),
    ("contraindications", lambda d: d["contraindications"]["postpone_fever"].setdefault("forbids", {}).update({"techniques": ["reiki"]}),
     "contraindications.yaml: postpone_fever: unknown technique ['reiki']"),
    ("treatment", lambda d: d["protocols"]["general"]["techniques"].append({"technique": "swedish", "targets": ["spleen"]}),
     "treatment.yaml: general: unknown target ['spleen']"),
    ("conditions", lambda d: d["muscle_strain"].update({"own_odds_ignore": ["nerve_root_deficit"]}),
     "conditions.yaml: muscle_strain.own_odds_ignore: only a condition that coexists has own odds"),
    ("conditions", lambda d: d["sacroiliac_joint_dysfunction"]["own_odds_ignore"].append("diabetes"),
     "conditions.yaml: sacroiliac_joint_dysfunction.own_odds_ignore: 'diabetes' is not a finding that moves "
     "sacroiliac_joint_dysfunction"),
])
def test_mistakes_in_the_yaml_are_reported_with_file_and_entry(monkeypatch, name, change, message):
    original = loader._read

    def patched(file_name):
        data = original(file_name)
        if file_name == name:
            change(data)
        return data

    monkeypatch.setattr(loader, "_read", patched)
    with pytest.raises(loader.KnowledgeError) as info:
        loader.build()
    assert str(info.value) == message


def test_priors_come_from_one_place_and_sum_to_at_most_one():
    priors = [c["prior"] for c in load_knowledge().conditions.values()]
    assert 0.9 < sum(priors) <= 1.0


def test_seed_and_evidence_disagreement_on_rest_is_recorded_with_both_sources():
    entry = load_knowledge().contraindications["rest_acute_herniation"]
    assert {"seed_blog_glutes", "dahm_2010"} <= set(entry["sources"])
    assert "no benefit from bed rest" in entry["reason"]
