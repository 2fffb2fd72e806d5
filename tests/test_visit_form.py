"""The visit form covers the whole case format: any case survives form and back."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from backcare.clinical.case import Case
from backcare.web.body_chart import SHAPES
from backcare.web.visits.fields import PAIN_QUALITIES, case_from_form, form_values
from strategies import every_field_cases

CHART_REGIONS = sorted({s.region for s in SHAPES})
REGION_LISTS = ("pain_sites", "paresthesia_sites", "numbness_sites")


def _chartable(case: dict) -> dict:
    """Keep what the form can hold: regions on the body chart (sided, as a therapist
    marks them), the listed pain words, and no free-text id (a visit has its own)."""
    case = {k: v for k, v in case.items() if k != "id"}
    allowed = set(CHART_REGIONS)
    symptoms = case.get("symptoms")
    if symptoms:
        for key in REGION_LISTS:
            if key in symptoms:
                symptoms[key] = [r for r in symptoms[key] if r in allowed]
        if "pain_quality" in symptoms:
            symptoms["pain_quality"] = [w for w in symptoms["pain_quality"] if w in PAIN_QUALITIES]
    sensory = (case.get("neuro") or {}).get("sensory")
    if sensory:
        for key in ("reduced", "absent"):
            if key in sensory:
                sensory[key] = [r for r in sensory[key] if r in allowed]
    if (case.get("observation") or {}).get("atrophy_sites") is not None:
        case["observation"]["atrophy_sites"] = [r for r in case["observation"]["atrophy_sites"] if r in allowed]
    return case


def _normalise(findings: dict) -> dict:
    """Empty lists and blocks mean 'nothing recorded', as the form sends nothing for them."""
    if isinstance(findings, dict):
        out = {k: _normalise(v) for k, v in findings.items()}
        return {k: v for k, v in out.items() if v not in ({}, [], None, "")}
    if isinstance(findings, str):  # the form trims free text
        return findings.strip()
    return findings


def _as_form(values: dict) -> FormData:
    items = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            items.append((name, str(item)))
    return FormData(items)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(every_field_cases)
def test_any_case_survives_the_form_and_back(data):
    original = _normalise(Case.model_validate(_chartable(data)).findings())
    parsed, _details, errors = case_from_form(_as_form(form_values(original)))
    assert errors == {}
    back = _normalise(Case.model_validate(parsed).findings())
    # A sided test written plainly ("slr: positive") comes back as both sides.
    for test, result in (original.get("special_tests") or {}).items():
        if isinstance(result, str) and isinstance(back["special_tests"].get(test), dict):
            back["special_tests"][test] = result
    assert back == original


@given(st.sampled_from(["forty", "4.5", "1e3", "-"]))
def test_a_number_field_with_text_names_the_field(text):
    _case, _details, errors = case_from_form(FormData([("client.age", text)]))
    assert errors == {"client.age": "Enter a whole number from 0 to 120"}
