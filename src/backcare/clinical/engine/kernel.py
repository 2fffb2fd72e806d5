"""The knowledge base's rules as two generated functions, built once per process.

The findings kernel (`FindingsKernel`) computes every finding that reads only the
case and the nerve-root facts, in dependency order, as local variables of one
function; from them, the referral rules that hold and the differential's log
odds (likelihood.py). Most findings are needed for every case (the differential
weighs them all), so computing each once, in straight-line code, is several
times cheaper than a call and a cache look-up per finding. The rules kernel
(`RulesKernel`) does the same, once the differential and the pain mechanism
are known, for the contraindications, protocols and self-care rules.

The tri-state logic is that of `predicates.py` (True, False, None for unknown);
`tests/test_compiled_rules.py` checks both kernels against the closure form over
generated cases. A finding that reads the engine's later conclusions stays lazy
(`Evaluation.finding`).
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

import json

from .compiled import field_test
from .context import MISSING
from .likelihood import Moves
from .negation import affirmed_words
from .precompiled import define
from .predicates import ENGINE_FACTS, REGION_FIELDS, URGENCY_LEVELS, _sided_match, compile_predicate, lookup

_DYNAMIC = frozenset(("criterion", "mechanism", "differential", "referral_at_least"))
_COMPOSITES = {"all", "any", "not", "at_least", "unknown_means"}
# The block a leaf reads (predicates.py); unknown when the case leaves it out.
_LEAF_BLOCKS = {"motor": "neuro", "reflex": "neuro", "rom": "rom", "palpation": "palpation", "palpation_count": "palpation",
                "trigger_point_referral": "palpation"}


def _static(spec: Any, findings: dict[str, Any], memo: dict[str, bool]) -> bool:
    """Whether a predicate reads only the case, engine facts and other such findings."""
    if not isinstance(spec, dict):
        return True
    if not _DYNAMIC.isdisjoint(spec):
        return False
    if len(spec) == 1 and "finding" in spec:
        fid = spec["finding"]
        known = memo.get(fid)
        if known is None:
            memo[fid] = False  # a guard against cycles
            known = memo[fid] = _static(findings[fid]["when"], findings, memo)
        return known
    for value in spec.values():
        if isinstance(value, dict):
            if not _static(value, findings, memo):
                return False
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and not _static(item, findings, memo):
                    return False
    return True


def distinct(wanted: frozenset, lists: tuple) -> int:
    """How many of the wanted regions the lists name between them."""
    found: set[str] = set()
    for entries in lists:
        if entries:
            found.update(wanted.intersection(entries))
    return len(found)


def _sided_names(bases: frozenset) -> dict[str, frozenset]:
    """The body-chart names of some regions, by side: 'calf' -> calf_left (left), calf_right
    (right); a midline region such as low_back is its own name (unsided). A name stands for one
    region on one side, so counting names counts regions per side (predicates.py `regions`)."""
    return {"left": frozenset(f"{b}_left" for b in bases), "right": frozenset(f"{b}_right" for b in bases),
            "unsided": frozenset(b for b in bases if not b.endswith(("_left", "_right")))}


NOT_COMPUTED = MISSING


class _Writer:
    """The source of one generated function: `emit` appends the statements of a predicate."""

    def __init__(self, findings: dict[str, Any], region_sets: dict[str, frozenset]):
        self.findings = findings
        self.lines: list[str] = []
        self.constants: list[Any] = []
        self.leaves: list[Callable] = []
        self.serial = 0
        self.local: dict[str, str] = {}  # finding id -> local variable holding it
        self.shared: dict[str, str] = {}  # a leaf's canonical text -> the local computing it once
        self.region_sets = region_sets
        self.region_lists: set[str] = set()  # the body-chart lists the rules read (REGION_FIELDS)
        self.fields: dict[tuple[str, ...], str] = {}  # a field's path -> the local holding its value

    def constant(self, value: Any) -> str:
        """A global name for a constant (a global load is cheaper than an item of a list)."""
        self.constants.append(value)
        return f"K{len(self.constants) - 1}"

    def temp(self) -> str:
        self.serial += 1
        return f"t{self.serial}"

    def leaf(self, spec: dict) -> str | None:
        """An expression for a leaf, or None for a composite."""
        keys = set(spec)
        if keys & _COMPOSITES:
            return None
        if keys == {"finding"}:
            return self.local[spec["finding"]]
        if keys == {"engine"}:
            return f"facts.get({spec['engine']!r})"
        # What the engine concluded, for the rules read after the differential (RulesKernel).
        if keys == {"criterion"}:
            return f"ctx.criterion({spec['criterion']!r})"
        if keys == {"mechanism"}:
            wanted = spec["mechanism"] if isinstance(spec["mechanism"], list) else [spec["mechanism"]]
            return f"(None if mechanism is None else mechanism in {self.constant(frozenset(wanted))})"
        if keys == {"referral_at_least"}:
            return f"(urgency >= {URGENCY_LEVELS.index(spec['referral_at_least'])})"
        if keys == {"differential"}:
            threshold = float(spec["differential"].get("min_probability", 0.15))
            return "(" + " or ".join(f"likelihood.get({c!r}, 0.0) >= {threshold!r}" for c in spec["differential"]["any_of"]) + ")"
        if "field" in keys:
            (op,) = keys - {"field"}
            # Each field is read once, at the top of the function, however many rules test it.
            path, arg = tuple(spec["field"].split(".")), spec[op]
            value = self.fields.setdefault(path, f"f{len(self.fields)}")
            return f"(None if {value} is None else {field_test(op, arg, value, self.constant)})"
        # The other leaves are computed at most once per case, however many findings use them.
        key = json.dumps(spec, sort_keys=True)
        if key not in self.shared:
            self.shared[key] = f"c{len(self.shared)}"
        var = self.shared[key]
        return f"({var} if {var} is not M else ({var} := {self.heavy(spec)}))"

    def heavy(self, spec: dict) -> str:
        keys = set(spec)
        if keys == {"test"}:
            args = spec["test"]
            wanted = self.constant(frozenset([args.get("result", "positive")]))
            return f"(None if b_special_tests is None else sided_match(b_special_tests.get({args['name']!r}), {wanted}, {args.get('sides', 'any')!r}))"
        if keys == {"regions"}:
            return self.regions(spec["regions"])
        self.leaves.append(compile_predicate(spec))
        call = f"L[{len(self.leaves) - 1}](ctx)"
        (kind,) = keys
        # Each of these leaves is unknown when its block is not recorded: skip the call then.
        block = _LEAF_BLOCKS.get(kind) or (spec[kind]["field"].split(".")[0] if kind == "side_values" else None)
        return f"(None if b_{block} is None else {call})" if block else call

    def regions(self, args: dict) -> str:
        """The `regions` leaf as set operations on the case's body-chart lists: a region's
        name carries its side, so a side's hits are the names it shares with the wanted ones."""
        lists = []
        for name in args.get("in") or []:
            lists += ["sensory_reduced", "sensory_absent"] if name == "sensory" else [name]
        self.region_lists.update(lists)
        bases = frozenset(args["any_of"]) if args.get("any_of") else self.region_sets[args["set"]]
        names, sides, at_least = _sided_names(bases), args.get("sides", "any"), args.get("min_regions", 1)
        recorded = " and ".join(f"r_{source} is None" for source in lists)

        def hit(side_names: frozenset) -> str:
            wanted = self.constant(side_names)
            if at_least == 1:
                return "(" + " or ".join(f"not {wanted}.isdisjoint(r_{source} or ())" for source in lists) + ")"
            return f"(distinct({wanted}, ({''.join(f'r_{source}, ' for source in lists)})) >= {at_least})"

        if sides == "any" and at_least == 1:
            test = hit(names["left"] | names["right"] | names["unsided"])
        elif sides == "any":
            test = " or ".join(hit(names[side]) for side in ("left", "right", "unsided"))
        else:
            test = f"{hit(names['left'])} {'and' if sides == 'both' else '!='} {hit(names['right'])}"
        return f"(None if {recorded} else ({test}))"

    def function(self, module: str, names: dict[str, Any]) -> tuple[Callable, str]:
        """The generated function, and its source (`module`: its module in `_generated/`, precompiled.py)."""
        namespace: dict[str, Any] = {**{f"K{i}": c for i, c in enumerate(self.constants)},
                                     "L": self.leaves, "M": NOT_COMPUTED, "lookup": lookup,
                                     "affirmed_words": affirmed_words, "sided_match": _sided_match, "distinct": distinct,
                                     **names}
        source = "\n".join(self.lines)
        return define(module, source, namespace, "<backcare findings kernel>")["kernel"], source

    def emit(self, spec: dict, target: str, indent: str) -> None:
        """Statements that leave the predicate's value in `target`."""
        expression = self.leaf(spec)
        if expression is not None:
            self.lines.append(f"{indent}{target} = {expression}")
            return
        if "not" in spec:
            self.emit(spec["not"], target, indent)
            self.lines.append(f"{indent}if {target} is not None: {target} = not {target}")
            return
        if "unknown_means" in spec:
            self.emit(spec["when"], target, indent)
            self.lines.append(f"{indent}if {target} is None: {target} = {bool(spec['unknown_means'])}")
            return
        if "at_least" in spec:
            yes, unknown = self.temp(), self.temp()
            self.lines.append(f"{indent}{yes} = {unknown} = 0")
            for item in spec["of"]:
                x = self.temp()
                self.emit(item, x, indent)
                self.lines.append(f"{indent}if {x} is True: {yes} += 1")
                self.lines.append(f"{indent}elif {x} is None: {unknown} += 1")
            n = spec["at_least"]
            self.lines.append(f"{indent}{target} = True if {yes} >= {n} else (False if {yes} + {unknown} < {n} else None)")
            return
        # all / any: stop at the first deciding child; an unknown child leaves the answer unknown.
        stop = False if "all" in spec else True
        items = spec.get("all", spec.get("any"))
        unknown = self.temp()
        self.lines.append(f"{indent}{unknown} = False")
        self.lines.append(f"{indent}{target} = {not stop}")
        level = indent
        for item in items:
            x = self.temp()
            self.emit(item, x, level)
            self.lines.append(f"{level}if {x} is {stop}: {target} = {stop}")
            self.lines.append(f"{level}else:")
            level += "    "
            self.lines.append(f"{level}if {x} is None: {unknown} = True")
        self.lines.append(f"{indent}if {target} is {not stop} and {unknown}: {target} = None")


def kernel_findings(findings: dict[str, Any], memo: dict[str, bool] | None = None) -> list[str]:
    """The findings the kernel computes: those that read only the case, the root facts and each other."""
    memo = {} if memo is None else memo
    return [fid for fid in findings if _static({"finding": fid}, findings, memo)]  # memoised per finding


class FindingsKernel:
    """The generated function and what it computes. `run(ctx)` returns every finding's value
    (a tuple in knowledge-base order: True, False, None, or NOT_COMPUTED for a finding that
    reads the engine's later conclusions), the differential's log odds (a list by condition:
    prior plus the likelihood ratios of the findings that are known), per condition the numbers
    of the moves that counted (likelihood.py), and per rule set the positions of its rules that
    hold. A rule that reads the engine's later conclusions is left to the caller (`dynamic`)."""

    def __init__(self, findings: dict[str, Any], blocks: list[str], region_sets: dict[str, frozenset], moves: Moves,
                 rule_sets: dict[str, list[dict]], memo: dict[str, bool] | None = None):
        memo = {} if memo is None else memo  # which findings are static, shared with the caller's kernel_findings
        static = kernel_findings(findings, memo)
        order: list[str] = []  # the static findings, each after those it refers to
        placed: set[str] = set()

        def place(fid: str) -> None:
            if fid in placed:
                return
            placed.add(fid)
            for ref in _references(findings[fid]["when"]):
                place(ref)
            order.append(fid)

        for fid in static:
            place(fid)
        self.findings = list(findings)  # the order of the values returned
        self.computed = frozenset(order)
        self.moves = moves
        self.dynamic = {name: [i for i, spec in enumerate(specs) if not _static(spec, findings, memo)]
                        for name, specs in rule_sets.items()}
        writer = _Writer(findings, region_sets)
        for i, fid in enumerate(order):
            writer.local[fid] = f"v{i}"
            writer.emit(findings[fid]["when"], f"v{i}", "    ")
        for name, specs in rule_sets.items():
            writer.lines.append(f"    h_{name} = []")
            for i, spec in enumerate(specs):
                if i not in self.dynamic[name]:
                    writer.emit(spec, "x", "    ")
                    writer.lines.append(f"    if x is True: h_{name}.append({i})")
        values = ", ".join(writer.local.get(fid, "M") for fid in self.findings)
        holding = ", ".join(f"{name!r}: h_{name}" for name in rule_sets)
        writer.lines = [*_head(writer, blocks, []), *writer.lines, *moves.code(writer.local),
                        f"    return ({values},), lo, ev, {{{holding}}}"]
        self.run, self.source = writer.function(
            "findings_kernel", {"GROUP_CONDITION": moves.group_condition, "SIZE": moves.sizes, "LOG_LR": moves.log_lrs})


class RulesKernel:
    """The rules read once the differential and the pain mechanism are known (contraindications,
    protocols, self-care and what each self-care item must avoid) in one generated function, so
    that each costs a few lines rather than a call. `run(ctx)` returns, per rule set, the positions
    of its rules that hold (a rule without a predicate always holds)."""

    def __init__(self, findings: dict[str, Any], computed: frozenset, blocks: list[str], region_sets: dict[str, frozenset],
                 rule_sets: dict[str, list[dict | None]]):
        writer = _Writer(findings, region_sets)
        # The findings kernel's values, by position; a finding it leaves out is evaluated on demand.
        writer.local = {fid: f"values[{i}]" if fid in computed else f"ctx.finding({fid!r})" for i, fid in enumerate(findings)}
        for name, specs in rule_sets.items():
            writer.lines.append(f"    h_{name} = []")
            for i, spec in enumerate(specs):
                if spec is None:
                    writer.lines.append(f"    h_{name}.append({i})")
                    continue
                writer.emit(spec, "x", "    ")
                writer.lines.append(f"    if x is True: h_{name}.append({i})")
        conclusions = ["    values = ctx.values", "    likelihood = ctx.likelihood", "    mechanism = ctx.dominant_mechanism",
                       "    urgency = ctx.urgency_level"]
        holding = ", ".join(f"{name!r}: h_{name}" for name in rule_sets)
        writer.lines = [*_head(writer, blocks, conclusions), *writer.lines, f"    return {{{holding}}}"]
        self.run, self.source = writer.function("rules_kernel", {})


def _head(writer: _Writer, blocks: list[str], extra: list[str]) -> list[str]:
    """The first lines of a generated function: the case's blocks and body-chart lists as locals."""
    head = ["def kernel(ctx):", "    case = ctx.case", "    facts = ctx.engine_facts", *extra,
            *(f"    b_{block} = case.get({block!r})" for block in blocks), *_region_lists(writer.region_lists),
            *_field_values(writer.fields)]
    if writer.shared:
        head.append("    " + " = ".join(writer.shared.values()) + " = M")
    return head


def _region_lists(sources: set[str]) -> list[str]:
    """Kernel lines reading the body-chart lists (REGION_FIELDS) the rules use."""
    lines = []
    for source in sorted(sources):
        path = REGION_FIELDS[source]
        if len(path) > 2:
            lines.append(f"    r_{source} = lookup(case, {path!r})")
        else:
            lines.append(f"    r_{source} = None if b_{path[0]} is None else b_{path[0]}.get({path[1]!r})")
    return lines


def _field_values(fields: dict[tuple[str, ...], str]) -> list[str]:
    """Kernel lines reading each field the rules test (None when its block or the field is not recorded)."""
    lines = []
    for path, local in fields.items():
        block = f"b_{path[0]}"
        if len(path) == 2:
            lines.append(f"    {local} = None if {block} is None else {block}.get({path[1]!r})")
        else:
            lines.append(f"    {local} = None if {block} is None else lookup({block}, {path[1:]!r})")
    return lines


def _references(spec: Any) -> list[str]:
    """Every finding a predicate refers to, at any depth."""
    out: list[str] = []
    if isinstance(spec, dict):
        if set(spec) == {"finding"}:
            return [spec["finding"]]
        for value in spec.values():
            for item in value if isinstance(value, list) else [value]:
                out += _references(item)
    return out


assert set(ENGINE_FACTS) >= {"nerve_root_found"}  # the facts the kernel reads are computed before it runs


def run_kernel(ctx: Any) -> None:
    """Every finding, the differential's log odds and the referral rules that hold, in one go,
    once the root facts are known."""
    ctx.values, ctx.log_odds, ctx.moves, ctx.holding = ctx.kb.kernel.run(ctx)


def run_rules(ctx: Any) -> None:
    """The contraindications, protocols and self-care rules that hold, once the pain mechanism is judged."""
    ctx.holding.update(ctx.kb.rules_kernel.run(ctx))
