"""The backcare command, run as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "backcare" / "clinical" / "examples"


def backcare(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "backcare", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def case_json(tmp_path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"id": "c1", "symptoms": {"pain_sites": ["low_back"], "bladder_dysfunction": True}}))
    return path


def test_assess_json_is_one_object_per_case_and_an_array_for_several(case_json):
    one = json.loads(backcare("assess", str(case_json), "--format", "json", check=True).stdout)
    assert one["referral"]["urgency"] == "emergency" and one["case_id"] == "c1"
    example = EXAMPLES / "acute-s1-herniation.yaml"
    many = json.loads(backcare("assess", str(case_json), str(example), "-f", "json", check=True).stdout)
    assert [a["case_id"] for a in many] == ["c1", "example-acute-s1"]


def test_fast_and_full_paths_print_the_same_json(case_json, tmp_path):
    yaml_copy = tmp_path / "case.yaml"
    yaml_copy.write_text(json.dumps(json.loads(case_json.read_text())))  # JSON is valid YAML
    fast = backcare("assess", str(case_json), "--format=json", check=True).stdout
    full = backcare("assess", str(yaml_copy), "--format", "json", check=True).stdout
    assert fast == full


def test_text_output_puts_red_flags_first_and_says_it_is_not_a_diagnosis(case_json):
    out = backcare("assess", str(case_json), check=True).stdout
    assert out.index("Referral: EMERGENCY") < out.index("Differential")
    assert "RED FLAG" in out and "not a diagnosis" in out
    assert "No hands-on treatment today." in out


def test_bad_input_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("special_tests:\n  slr: {left: positve}\nsymptoms: {pain_nrs: 12, painsites: []}\n")
    for args in (("assess", str(bad)), ("assess", str(bad), "-f", "json"), ("validate", str(bad))):
        proc = backcare(*args)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines == [
            f"{bad}: symptoms.pain_nrs: 12 is out of range (input should be less than or equal to 10)",
            f"{bad}: symptoms.painsites: unknown field; allowed fields here: pain_nrs, pain_sites, pain_quality, "
            "paresthesia_sites, numbness_sites, saddle_anaesthesia, bladder_dysfunction, bowel_dysfunction, "
            "sexual_dysfunction, progressive_weakness, no_comfortable_position, constant_night_pain, neurogenic_claudication, "
            "vascular_claudication, urinary_symptoms, colicky_pain, cyclical_pain, hand_clumsiness",
            f"{bad}: special_tests.slr.left: 'positve' is not one of: positive, negative",
        ]


def test_missing_files_and_bad_syntax_are_reported_not_raised(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    proc = backcare("assess", str(tmp_path / "missing.json"), str(broken), "--format", "json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"{tmp_path / 'missing.json'}: file not found",
                                        f"{broken}: not valid JSON: line 1, column 2: Expecting property name enclosed in double quotes"]


def test_validate_accepts_the_shipped_examples():
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    out = backcare("validate", *files, check=True).stdout
    assert out.count(": valid") == len(files) > 0


def test_usage_errors_exit_2():
    assert backcare("assess").returncode == 2
    assert backcare("assess", "x.json", "--format", "xml").returncode == 2


def test_knowledge_lists_topics_and_shows_entries_with_sources():
    topics = backcare("knowledge", check=True).stdout
    assert "conditions" in topics and "red-flags" in topics and "kb-" in topics
    conditions = backcare("knowledge", "conditions", check=True).stdout
    assert "G83.4" in conditions and "notes_priors" in conditions
    entry = backcare("knowledge", "slump_positive", check=True).stdout
    assert "Majlesi J et al." in entry and "present: 3.0" in entry
    missing = backcare("knowledge", "nonsense")
    assert missing.returncode == 2 and "no topic or entry named 'nonsense'" in missing.stderr


# --- The fast path (issue 19, item 6): the text report without Typer, Rich or pydantic --------------

def test_the_text_report_starts_without_typer_rich_or_pydantic():
    example = EXAMPLES / "acute-s1-herniation.yaml"
    code = ("import sys; from backcare.cli import main; assert main(['assess', sys.argv[1]]) == 0; "
            "heavy = sorted(m for m in ('typer', 'rich', 'pydantic', 'fastapi', 'sqlalchemy') if m in sys.modules); "
            "sys.stderr.write(repr(heavy))")
    proc = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "[]" and "Lumbar disc herniation" in proc.stdout and "\x1b[" not in proc.stdout


def _printed(call) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert call() == 0
    return out.getvalue()


from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from strategies import every_field_cases  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=every_field_cases, width=st.integers(40, 160))
def test_a_yaml_case_gives_the_same_report_on_both_paths_within_the_width(tmp_path, monkeypatch, case, width):
    """Whatever the case, the fast path prints what the full (Typer, pydantic) path prints, and no line
    of the text report is wider than the terminal."""
    import yaml

    from backcare.cli.app import run_app
    from backcare.cli.fast import try_fast_assess
    from backcare.clinical.case import Case

    Case.model_validate(case)  # a valid case: the fast path must take it
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case, allow_unicode=True))
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    for args in (["assess", str(path)], ["assess", str(path), "--format", "json"]):
        fast = _printed(lambda: try_fast_assess(args))
        assert fast == _printed(lambda: run_app(args))
    report = _printed(lambda: try_fast_assess(["assess", str(path)]))
    assert max(len(line) for line in report.splitlines()) <= width


def test_the_report_is_in_colour_on_a_terminal_only(tmp_path):
    import io

    from backcare.cli.text import render_assessments
    from backcare.clinical.api import assess_data

    flagged = assess_data({"symptoms": {"pain_sites": ["low_back"], "bladder_dysfunction": True}})
    coloured, plain = io.StringIO(), io.StringIO()
    render_assessments([flagged], ["c"], coloured, width=90, colour=True)
    render_assessments([flagged], ["c"], plain, width=90, colour=False)
    assert "\x1b[1;37;41mReferral: EMERGENCY" in coloured.getvalue() and "\x1b[" not in plain.getvalue()
    assert "\x1b[" not in backcare("assess", str(EXAMPLES / "acute-s1-herniation.yaml"), check=True).stdout  # NO_COLOR


@given(words=st.lists(st.text(alphabet="abcdefghij-,.() ", min_size=1, max_size=18), max_size=40),
       lead=st.integers(0, 6), width=st.integers(20, 80), hanging=st.integers(0, 4))
def test_report_wrapping_is_the_standard_librarys_without_its_start_up_cost(words, lead, width, hanging):
    """The report's own word wrap gives textwrap's lines (hyphens aside): the spaces inside a line,
    which align its tables, included."""
    import textwrap

    from backcare.cli.text import wrap

    text = " " * lead + " ".join(words)
    assert wrap(text, width, " " * hanging) == textwrap.wrap(text, width, subsequent_indent=" " * hanging,
                                                            break_on_hyphens=False)


@given(text=st.text(alphabet="ab ", max_size=120), width=st.integers(1, 12), hanging=st.integers(0, 14))
@example(text="aaaaaa aaa", width=5, hanging=3)  # a full line must not take the cut piece of the next long word
def test_report_wrapping_cuts_a_word_wider_than_a_line_and_loses_nothing(text, width, hanging):
    from backcare.cli.text import wrap

    lines = wrap(text, width, " " * hanging)
    assert "".join("".join(line.split()) for line in lines) == "".join(text.split())
    assert all(len(line) <= max(width, hanging + 1, len(text) - len(text.lstrip(" ")) + 1) for line in lines)
