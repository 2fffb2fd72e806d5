"""The public graded cases, through the shared grader and the installed command."""
from __future__ import annotations

import shutil
import subprocess
import sys


def test_every_public_vignette_passes(shared_dir):
    command = shutil.which("backcare") or f"{sys.executable} -m backcare"
    proc = subprocess.run([sys.executable, str(shared_dir / "eval" / "grade.py"), "--cmd", f"{command} assess {{case}} --format json",
                           str(shared_dir / "vignettes")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "under-triaged: 0" in proc.stdout
