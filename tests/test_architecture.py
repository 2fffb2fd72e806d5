"""The layout is the architecture, and these tests keep it so; the CLI's fast path stays light.

backcare is built in layers, lowest first (README, "Layout"):

    safetext            shared leaf: text every layer can store and send back
    clinical            the pure clinical core: case, assessment, vocabulary, engine, knowledge, API
    backcare            the package itself: its version and the Python API's names, from the core
    outcomes, intake,   domains built on the core
    treatment
    homecare
    fhir                FHIR R4B Bundles, across the domains
    storage             adapters: the database (models, set-up, migrations),
    records                       client records over it,
    web                           the clinic web app,
    cli                           the command line,
    __main__                      and `python -m backcare`

A module may import its own part and the parts of lower layers, never a higher
layer or another part of its own layer (but for the uses listed in SIDEWAYS),
and no modules import one another in a circle. A new package gets its place in
LAYERS (and in README's Layout) or these tests fail. `scripts/import_graph.py`
draws the graph from this file, which is why it uses the standard library only.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "backcare"

LAYERS = [  # lowest first
    {"safetext"},
    {"clinical"},
    {"backcare"},
    {"outcomes", "intake", "treatment", "homecare", "retention"},
    {"fhir"},
    {"storage"},
    {"records"},
    {"web"},
    {"cli"},
    {"__main__"},
]
RANK = {part: rank for rank, layer in enumerate(LAYERS) for part in layer}
# Uses within a layer, each with its reason; they must not form a circle either.
SIDEWAYS = {("intake", "outcomes"): "the intake scores the questionnaires the therapist chose",
            ("homecare", "intake"): "the weekly check-in asks the intake's emergency questions and screens them as it does"}
# Parts that stay pure: no web, storage or command-line library (nor FHIR's models).
PURE = {"safetext", "clinical", "outcomes", "intake", "treatment", "homecare", "retention"}
ADAPTER_LIBRARIES = {"typer", "rich", "click", "fastapi", "starlette", "uvicorn", "jinja2", "markupsafe", "sqlalchemy",
                     "alembic", "psycopg", "redis", "limits", "weasyprint", "fhir", "segno"}


def module_name(path: Path) -> str:
    parts = ("backcare", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def part(module: str) -> str:
    """The layer table's name for a module: the package (or top module) under backcare."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "backcare"


def imports(module: str, path: Path, known: dict[str, Path]) -> tuple[list[tuple[int, str]], set[str]]:
    """The backcare modules this module imports (with line numbers, lazy imports too), and the other top-level names."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    ours, others = [], set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod.
            targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "backcare":
                others.add(target.split(".")[0])
                continue
            while target not in known:  # an attribute of a module, or a package without a module of that name
                target = target.rpartition(".")[0]
            if target != module:
                ours.append((node.lineno, target))
    return ours, others


def import_graph() -> dict[str, list[tuple[int, str]]]:
    known = modules()
    return {m: imports(m, p, known)[0] for m, p in known.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of nodes that reach one another (Tarjan's strongly connected components, more than one node)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def wrong_way(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Imports that run up a layer, or sideways without a listed reason."""
    known = modules()
    problems = []
    for module, edges in graph.items():
        for line, target in edges:
            here, there = part(module), part(target)
            if here == there or RANK[there] < RANK[here] or (here, there) in SIDEWAYS:
                continue
            where = known[module].relative_to(PACKAGE.parent)
            problems.append(f"{where}:{line}: {here} (layer {RANK[here]}) imports {target} ({there}, layer {RANK[there]})")
    return problems


def test_every_module_has_a_layer():
    unplaced = sorted({part(m) for m in modules()} - set(RANK))
    assert not unplaced, f"place {unplaced} in LAYERS (tests/test_architecture.py) and in README's Layout"


def test_no_import_runs_up_a_layer_or_sideways():
    problems = wrong_way(import_graph())
    assert not problems, "\n".join(problems)


def test_the_sideways_uses_stay_within_a_layer_and_hold_no_circle():
    for here, there in SIDEWAYS:
        assert RANK[here] == RANK[there], (here, there)
    found = circles({a: {b for x, b in SIDEWAYS if x == a} for a, _ in SIDEWAYS})
    assert not found, f"sideways uses in a circle: {found}"


def test_no_modules_import_one_another_in_a_circle():
    found = circles({m: {t for _, t in edges} for m, edges in import_graph().items()})
    assert not found, "modules that import one another: " + "; ".join(", ".join(group) for group in found)


def test_the_core_and_the_domains_use_no_web_storage_or_cli_library():
    known = modules()
    for module, path in known.items():
        if part(module) in PURE:
            used = imports(module, path, known)[1] & ADAPTER_LIBRARIES
            assert not used, f"{path.relative_to(PACKAGE.parent)} imports {sorted(used)}"


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
