"""The case contract: what is accepted, and how bad input is reported."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from backcare import Case, CaseError, load_case, loads_case, parse_case
from backcare.clinical import vocabulary as vocabulary_module
from backcare.clinical.vocabulary import GENERATED_VOCABULARY_FILE, VOCABULARY_FILE, generated_vocabulary_text


def problems(data) -> list[str]:
    with pytest.raises(CaseError) as info:
        parse_case(data)
    return info.value.problems


def test_the_shipped_vocabulary_is_the_shared_contract(shared_dir):
    assert Path(VOCABULARY_FILE).read_text() == (shared_dir / "spec" / "vocabulary.yaml").read_text()


def test_the_generated_vocabulary_is_current_and_a_stale_copy_is_ignored(monkeypatch, tmp_path):
    assert Path(GENERATED_VOCABULARY_FILE).read_text() == generated_vocabulary_text(Path(VOCABULARY_FILE).read_bytes()), \
        "run: python -m backcare.clinical.generate"
    stale = tmp_path / "vocabulary.json"
    stale.write_text(json.dumps({"digest": "of another vocabulary", "vocabulary": {"regions": {}}}))
    monkeypatch.setattr(vocabulary_module, "GENERATED_VOCABULARY_FILE", str(stale))
    vocabulary_module.vocabulary.cache_clear()
    try:
        assert "low_back" in vocabulary_module.vocabulary().regions  # read from the YAML, not the stale copy
    finally:
        vocabulary_module.vocabulary.cache_clear()


def test_an_empty_case_is_valid_and_means_nothing_examined():
    assert Case.model_validate({}).findings() == {}


def test_a_misspelt_result_names_path_value_and_allowed_values():
    assert problems({"special_tests": {"slr": {"left": "positve"}}}) == [
        "special_tests.slr.left: 'positve' is not one of: positive, negative"
    ]


def test_every_problem_is_reported_once_each():
    found = problems({
        "client": {"age": 200},
        "symptoms": {"pain_nrs": 11, "pain_sites": ["calf_lft"]},
        "neuro": {"reflexes": {"achilles": {"left": "weak"}}},
    })
    assert len(found) == 4
    assert found[0].startswith("client.age: 200 is out of range")
    assert found[1].startswith("symptoms.pain_nrs: 11 is out of range")
    assert found[2].startswith("symptoms.pain_sites[0]: 'calf_lft' is not one of: low_back, thoracic, sacrum")
    assert "add _left or _right" in found[2]
    assert found[3] == "neuro.reflexes.achilles.left: 'weak' is not one of: normal, reduced, absent, brisk"


def test_unknown_keys_are_errors_that_list_the_allowed_fields():
    (line,) = problems({"symptoms": {"painnrs": 3}})
    assert line.startswith("symptoms.painnrs: unknown field; allowed fields here: pain_nrs, pain_sites")
    (line,) = problems({"neuro": {"reflexes": {"patelar": {"left": "normal"}}}})
    assert "patellar, tibialis_posterior, medial_hamstring, achilles" in line


def test_strict_types_never_turn_false_into_a_score():
    (line,) = problems({"symptoms": {"pain_nrs": False}})
    assert line.startswith("symptoms.pain_nrs: False is not valid")
    (line,) = problems({"history": {"duration_days": "5"}})
    assert line.startswith("history.duration_days: '5' is not valid")


def test_sided_tests_take_a_plain_result_and_plain_tests_refuse_sides():
    assert parse_case({"special_tests": {"slr": "positive", "slump": {"left": "negative"}}})
    (line,) = problems({"special_tests": {"valsalva": {"left": "positive"}}})
    assert line == "special_tests.valsalva: a mapping is not one of: positive, negative"


def test_midline_regions_take_no_side():
    (line,) = problems({"symptoms": {"numbness_sites": ["perineum_left"]}})
    assert line.startswith("symptoms.numbness_sites[0]: 'perineum_left' is not one of")


def test_a_case_must_be_a_mapping():
    assert problems([1, 2]) == ["(case): expected a mapping of blocks such as client, history, symptoms; got list"]


def test_yaml_and_json_files_give_the_same_case(tmp_path):
    data = {"client": {"age": 30}, "special_tests": {"slr": {"left": "positive"}}}
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "a.yaml").write_text("client: {age: 30}\nspecial_tests:\n  slr: {left: positive}\n")
    assert load_case(tmp_path / "a.json") == load_case(tmp_path / "a.yaml")


def test_syntax_errors_say_where():
    with pytest.raises(CaseError) as info:
        loads_case('{"client": ', "json", "x.json")
    assert info.value.problems[0].startswith("not valid JSON: line 1, column")
    with pytest.raises(CaseError) as info:
        loads_case("client: [unclosed", "yaml")
    assert info.value.problems[0].startswith("not valid YAML: line")


def test_a_missing_file_is_a_case_error(tmp_path):
    with pytest.raises(CaseError) as info:
        load_case(tmp_path / "nope.yaml")
    assert info.value.problems == ["file not found"]
