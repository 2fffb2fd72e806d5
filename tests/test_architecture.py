"""The domain core stays pure, and the CLI's fast path stays light."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "backcare"
CORE = ["clinical", "intake", "safetext.py", "outcomes"]
ADAPTERS = {"cli", "web", "storage", "records", "demo", "pdf", "fhir", "typer", "rich", "fastapi", "sqlalchemy", "alembic", "weasyprint", "click", "starlette", "jinja2"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0] if node.level == 0 else (node.module or "").split(".")[0])
    return names


def test_the_core_imports_no_adapter():
    for entry in CORE:
        for path in ([PACKAGE / entry] if entry.endswith(".py") else sorted((PACKAGE / entry).rglob("*.py"))):
            assert not _imports(path) & ADAPTERS, f"{path.name} imports {_imports(path) & ADAPTERS}"


def test_the_fast_path_imports_no_heavy_library(tmp_path):
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"symptoms": {"pain_sites": ["low_back"]}}))
    probe = (
        "import sys; from backcare.cli import main; import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(['assess', sys.argv[1], '--format', 'json'])\n"
        "heavy = sorted(m for m in ('pydantic', 'typer', 'rich', 'yaml', 'fastjsonschema', 'typing') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(case)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0 []"
