"""The team's own graded cases (tests/cases), one or more per failure class, through the shared grader."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("cases")


def test_every_own_case_passes(shared_dir):
    command = shutil.which("backcare") or f"{sys.executable} -m backcare"
    proc = subprocess.run([sys.executable, str(shared_dir / "eval" / "grade.py"), "--quiet",
                           "--cmd", f"{command} assess {{case}} --format json", str(CASES)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "under-triaged: 0; over-triaged: 0" in proc.stdout, proc.stdout


def test_each_case_names_its_evidence():
    import yaml

    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert doc["id"] == path.stem and doc.get("basis"), path.name
