"""assessment.check_json, the plain check an import runs on every visit's assessment, holds it to exactly the rules
of the Assessment model: what the engine writes passes and comes back the same; anything changed in it is refused
when (and only when) the model refuses it, with the model's own errors."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backcare.clinical.api import assess_data
from backcare.clinical.assessment import Assessment, check_json
from backcare.clinical.caseio import parse_case
from strategies import cases

ODD_VALUES = [None, True, 0, -1, 1.5, 2, "", "x" * 3, "unknown_id", "emergency", "L5", "left", [], ["x"], {}, {"extra": 1}]


def _paths(value, path=()):
    """Every place in an assessment: each key of each object and each item of each list."""
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _paths(inner, (*path, n))


def _changed(assessment: dict, path: tuple, change: str, odd) -> dict:
    changed = json.loads(json.dumps(assessment))
    *parent_path, last = path
    parent = changed
    for part in parent_path:
        parent = parent[part]
    if change == "remove" and isinstance(parent, dict):
        del parent[last]
    elif change == "add a field" and isinstance(parent[last], dict):
        parent[last]["not_in_the_model"] = odd
    else:
        parent[last] = odd
    return changed


def _outcome(check, text: str):
    try:
        return "accepted", check(text)
    except ValidationError as exc:
        return "refused", exc.errors(include_url=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases, data=st.data())
def test_the_plain_check_accepts_and_refuses_exactly_what_the_model_does(case, data):
    assessment = assess_data(parse_case(case).findings())
    text = json.dumps(assessment)
    assert check_json(text) == Assessment.model_validate_json(text).model_dump() == json.loads(text)
    path = data.draw(st.sampled_from([p for p in _paths(assessment) if p]))
    change = data.draw(st.sampled_from(["remove", "add a field", "replace"]))
    changed = json.dumps(_changed(assessment, path, change, data.draw(st.sampled_from(ODD_VALUES))))
    model = _outcome(lambda t: Assessment.model_validate_json(t).model_dump(), changed)
    assert _outcome(check_json, changed) == model


@pytest.mark.parametrize("text", ['{"referral": "soon"}', "[]", "not json", '{"a": ' * 3000 + "1" + "}" * 3000])
def test_what_is_not_an_assessment_is_refused_with_the_models_errors(text):
    with pytest.raises(ValidationError) as plain:
        check_json(text)
    with pytest.raises(ValidationError) as model:
        Assessment.model_validate_json(text)
    assert plain.value.errors(include_url=False) == model.value.errors(include_url=False)
