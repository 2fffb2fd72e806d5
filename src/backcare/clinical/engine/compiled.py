"""The knowledge base's rules compiled to Python source, once per process.

`predicates.compile_predicate` builds a tree of closures; evaluating it costs a
Python call per node. Here each rule becomes one generated function whose
simple leaves (fields, findings, tests, the differential) are inline
expressions, so a rule costs about one call. The tri-state logic is the same
(True, False, None for unknown): `tests/test_compiled_rules.py` checks both
forms agree over generated cases. Leaves with more machinery (regions, motor,
reflexes, palpation...) still call their closure.
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

from .negation import affirmed_words
from .precompiled import define
from .predicates import URGENCY_LEVELS, _sided_match, compile_predicate, lookup

_MISSING = object()
_COMPOSITES = ("all", "any", "not", "at_least", "unknown_means")
_COMPARISONS = {"is": "==", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def field_test(op: str, arg: Any, x: str, constant) -> str:
    """The Python source of one field test on the value held in `x` (`constant` names a value for the code);
    shared by the per-rule functions and the kernel so both read a field alike."""
    if op == "present":
        return f"(bool({x}) if isinstance({x}, list) else True)"
    if op == "mentions_any":
        return f"not {constant(frozenset(w.lower() for w in arg))}.isdisjoint(affirmed_words(str({x})))"
    if op == "contains_any":
        return f"not {constant(frozenset(arg))}.isdisjoint({x})"
    if op == "in":
        return f"{x} in {constant(frozenset(arg))}"
    return f"{x} {_COMPARISONS[op]} {constant(arg)}"


def _test_leaf(case: dict, name: str, wanted: frozenset, sides: str) -> Any:
    tests = case.get("special_tests")
    return None if tests is None else _sided_match(tests.get(name), wanted, sides)


class _Writer:
    """Builds the module's source: one function per composite node."""

    def __init__(self, positions: dict[str, int]) -> None:
        self.positions = positions  # finding -> its position in the kernel's values
        self.functions: list[str] = []
        self.constants: list[Any] = []
        self.leaves: list[Callable] = []
        self.serial = 0

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def name(self) -> str:
        self.serial += 1
        return f"_{self.serial}"

    def expression(self, spec: dict) -> str:
        """Python source evaluating one predicate node to True, False or None."""
        keys = set(spec)
        if keys & set(_COMPOSITES):
            return f"{self.function(spec)}(ctx)"
        if keys == {"finding"}:
            fid = spec["finding"]
            position = self.positions.get(fid)
            if position is None:
                return f"ctx.finding({fid!r})"
            # Once the kernel has run, its values; before (the lazy path), on demand.
            return f"(values[{position}] if values is not None else ctx.finding({fid!r}))"
        if keys == {"criterion"}:
            return f"ctx.criterion({spec['criterion']!r})"
        if keys == {"mechanism"}:
            wanted = spec["mechanism"] if isinstance(spec["mechanism"], list) else [spec["mechanism"]]
            v = self.name()
            return f"(None if ({v} := ctx.dominant_mechanism) is None else {v} in {self.constant(frozenset(wanted))})"
        if keys == {"engine"}:
            return f"ctx.engine_facts.get({spec['engine']!r})"
        if keys == {"referral_at_least"}:
            return f"(ctx.urgency_level >= {URGENCY_LEVELS.index(spec['referral_at_least'])})"
        if keys == {"differential"}:
            threshold = float(spec["differential"].get("min_probability", 0.15))
            parts = [f"likelihood.get({c!r}, 0.0) >= {threshold!r}" for c in spec["differential"]["any_of"]]
            return "(" + " or ".join(parts) + ")"
        if "field" in keys:
            return self.field(spec)
        if keys == {"test"}:
            args = spec["test"]
            wanted = self.constant(frozenset([args.get("result", "positive")]))
            return f"test_leaf(case, {args['name']!r}, {wanted}, {args.get('sides', 'any')!r})"
        self.leaves.append(compile_predicate(spec))
        return f"L[{len(self.leaves) - 1}](ctx)"

    def field(self, spec: dict) -> str:
        (op,) = set(spec) - {"field"}
        path, arg = tuple(spec["field"].split(".")), spec[op]
        x = self.name()
        test = field_test(op, arg, x, self.constant)
        if len(path) == 2:
            b = self.name()
            return f"(None if ({b} := case.get({path[0]!r})) is None or ({x} := {b}.get({path[1]!r})) is None else {test})"
        return f"(None if ({x} := lookup(case, {path!r})) is None else {test})"

    def function(self, spec: dict) -> str:
        name = "r" + self.name()
        body = [f"def {name}(ctx):"]
        if "all" in spec or "any" in spec:
            stop, other = (False, True) if "all" in spec else (True, False)
            body.append("    unknown = False")
            for item in spec.get("all", spec.get("any")):
                body += [f"    v = {self.expression(item)}", f"    if v is {stop}:", f"        return {stop}",
                         "    if v is None:", "        unknown = True"]
            body.append(f"    return None if unknown else {other}")
        elif "not" in spec:
            body += [f"    v = {self.expression(spec['not'])}", "    return None if v is None else not v"]
        elif "unknown_means" in spec:
            body += [f"    v = {self.expression(spec['when'])}",
                     f"    return {bool(spec['unknown_means'])} if v is None else v"]
        else:  # at_least n of
            n, items = spec["at_least"], spec["of"]
            body.append("    yes = unknown = 0")
            for item in items:
                body += [f"    v = {self.expression(item)}", "    if v is True:", "        yes += 1",
                         f"        if yes >= {n}:", "            return True", "    elif v is None:", "        unknown += 1"]
            body.append(f"    return False if yes + unknown < {n} else None")
        self.functions.append(_with_locals(body))
        return name

    def top(self, spec: dict) -> str:
        """The name of a function evaluating a whole rule."""
        if set(spec) & set(_COMPOSITES):
            return self.function(spec)
        name = "r" + self.name()
        self.functions.append(_with_locals([f"def {name}(ctx):", f"    return {self.expression(spec)}"]))
        return name


_LOCALS = (("case", "ctx.case"), ("values", "ctx.values"), ("likelihood", "ctx.likelihood"))


def _with_locals(body: list[str]) -> str:
    """The function's source, reading from the context only the names its body uses."""
    text = "\n".join(body[1:])
    loads = [f"    {name} = {source}" for name, source in _LOCALS if f"{name}." in text or f"{name}," in text or f"{name}[" in text]
    return "\n".join([body[0], *loads, *body[1:]])


def compile_rules(specs: dict[Any, dict], positions: dict[str, int], module: str | None = None) -> CompiledRules:
    """Compile rules (key -> predicate mapping) into functions of an evaluation context; a finding
    the kernel computes is read from its values (`positions`: finding -> position). With `module`,
    the bytecode comes from that generated module when it is current (precompiled.py)."""
    writer = _Writer(positions)
    names = {key: writer.top(spec) for key, spec in specs.items()}
    namespace: dict[str, Any] = {"K": writer.constants, "L": writer.leaves, "M": _MISSING, "lookup": lookup,
                                 "affirmed_words": affirmed_words, "test_leaf": _test_leaf}
    source = "\n\n".join(writer.functions)
    if module is None:
        exec(compile(source, "<backcare rules>", "exec"), namespace)  # noqa: S102 - our own rules
    else:
        define(module, source, namespace, "<backcare rules>")
    rules = CompiledRules({key: namespace[name] for key, name in names.items()})
    rules.source = source
    return rules


class CompiledRules(dict):
    """Rules (key -> function), with the source they were compiled from (for `_generated/`)."""

    source = ""


class LazyRules(dict):
    """Rules (key -> function) compiled one at a time, on first use: the kernels evaluate most
    rules, so compiling every function at start-up would only slow the command line down."""

    def __init__(self, specs: dict[Any, dict], positions: dict[str, int]):
        super().__init__()
        self.specs, self.positions = specs, positions

    def __missing__(self, key: Any) -> Callable:
        rule = self[key] = compile_rules({key: self.specs[key]}, self.positions)[key]
        return rule
