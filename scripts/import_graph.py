"""Draw backcare's imports between its packages, layer by layer, the core at the bottom.

    python scripts/import_graph.py          # text, top layer first
    python scripts/import_graph.py --dot    # Graphviz: ... --dot | dot -Tsvg > imports.svg

The layers, the allowed sideways uses and the import reader are those of
tests/test_architecture.py, so the drawing shows what the test enforces. It ends
with the check: every arrow points down a layer (or is a listed sideways use) and
no packages or modules import one another in a circle; exit status 1 otherwise.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TEST = Path(__file__).resolve().parents[1] / "tests" / "test_architecture.py"


def _rules():
    spec = importlib.util.spec_from_file_location("test_architecture", TEST)
    rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules)
    return rules


def main(argv: list[str]) -> int:
    rules = _rules()
    graph = rules.import_graph()
    arrows: dict[str, set[str]] = {part: set() for layer in rules.LAYERS for part in layer}
    for module, edges in graph.items():
        for _line, target in edges:
            if rules.part(module) != rules.part(target):
                arrows[rules.part(module)].add(rules.part(target))
    order = lambda part: (-rules.RANK[part], part)  # noqa: E731 - top layer first

    if "--dot" in argv:
        print("digraph backcare {\n  node [shape=box, fontname=Helvetica];")
        for rank, layer in reversed(list(enumerate(rules.LAYERS))):
            names = "; ".join(f'"{part}"' for part in sorted(layer))
            print(f"  {{ rank=same; {names}; }}  // layer {rank}")
        for here in sorted(arrows, key=order):
            for there in sorted(arrows[here], key=order):
                style = " [style=dashed]" if (here, there) in rules.SIDEWAYS else ""
                print(f'  "{here}" -> "{there}"{style};')
        print("}")
    else:
        print("backcare imports by package, top layer first (layers: tests/test_architecture.py)\n")
        width = max(map(len, arrows))
        for rank, layer in reversed(list(enumerate(rules.LAYERS))):
            for here in sorted(layer):
                targets = [t + (" (sideways)" if (here, t) in rules.SIDEWAYS else "") for t in sorted(arrows[here], key=order)]
                print(f"  {rank:>2}  {here:<{width}}  -> {', '.join(targets) or '(nothing)'}")
        print()

    wrong = rules.wrong_way(graph)
    circles = rules.circles(arrows) + rules.circles({m: {t for _, t in e} for m, e in graph.items()})
    out = sys.stderr if "--dot" in argv else sys.stdout
    for problem in wrong:
        print("up or sideways:", problem, file=out)
    for group in circles:
        print("circle:", ", ".join(group), file=out)
    if wrong or circles:
        return 1
    print("every arrow points down a layer (or is a listed sideways use); no circle of packages or modules", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
