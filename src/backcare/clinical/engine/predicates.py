"""The small predicate language in which the knowledge base states its rules.

A predicate is a mapping read from YAML; it evaluates to True, False or None
(unknown: the case does not record what it asks about). Unknown is not False:
a field left out was not examined, so it must neither confirm nor rule out.

Leaves
  {field: path, is|in|gt|gte|lt|lte|contains_any|mentions_any|present: ...}
      (mentions_any: free text holds one of these words, whole, in any case, and
      not negated: "no fall", "denies numbness" do not mention them; see negation.py)
  {side_values: {field: path to a side map, is|in|gt|gte|lt|lte: ..., sides}}
      (a left/right map such as hip.internal_rotation_degrees or circulation.pedal_pulses)
  {regions: {set|any_of, in: [pain, paresthesia, numbness, sensory, atrophy], sides: any|both|one,
             min_regions: n}}   (n distinct regions on each side counted)
  {trigger_point_referral: {cover: all|any}}   (the pain map within the referral zones
      of the trigger points that reproduce the familiar pain; trigger_points.yaml)
  {test: {name, result, sides}}          {motor: {movements, sides}}
  {reflex: {reflexes, grades, sides}}    {rom: {motions, modes, any_of}}
  {palpation: {in, any_of}}   (structures or landmarks; false only when every one
      asked about is listed not tender: an unlisted one was not examined)
  {palpation_count: {in, at_least, at_most}}
  {finding: id}   {engine: fact}   {criterion: id}   {mechanism: [ids]}
  {differential: {any_of, min_probability}}   {referral_at_least: urgency}
Combinators
  {all: [...]}, {any: [...]}, {not: p}, {at_least: n, of: [...]},
  {unknown_means: true|false, when: p}

`compile_predicate` turns a mapping into a closure over an evaluation context.
With a `Checker` it also validates every name, so the loader rejects a rule
that refers to something the vocabulary or the knowledge base does not have.
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    Tri = bool | None
    Predicate = Callable[[Any], Tri]

URGENCY_LEVELS = ("none", "routine", "urgent", "emergency")
REGION_FIELDS = {
    "pain": ("symptoms", "pain_sites"),
    "paresthesia": ("symptoms", "paresthesia_sites"),
    "numbness": ("symptoms", "numbness_sites"),
    "sensory_reduced": ("neuro", "sensory", "reduced"),
    "sensory_absent": ("neuro", "sensory", "absent"),
    "atrophy": ("observation", "atrophy_sites"),
}
ENGINE_FACTS = ("nerve_root_found", "nerve_root_bilateral", "bilateral_deficit_signs")
FIELD_OPERATORS = ("is", "in", "gt", "gte", "lt", "lte", "contains_any", "mentions_any", "present")
SIDE_OPERATORS = ("is", "in", "gt", "gte", "lt", "lte")


class PredicateError(ValueError):
    pass


class Checker:
    """Validation hooks; the loader supplies one built from the vocabulary."""

    def field(self, path: str) -> None: ...
    def values(self, kind: str, values: list[str]) -> None: ...
    def finding(self, finding_id: str) -> None: ...
    def criterion(self, criterion_id: str) -> None: ...


def lookup(case: dict, path: tuple[str, ...]) -> Any:
    value: Any = case
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
        if value is None:
            return None
    return value


def _all(preds: list[Predicate]) -> Predicate:
    def run(ctx: Any) -> Tri:
        unknown = False
        for p in preds:
            v = p(ctx)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True

    return run


def _any(preds: list[Predicate]) -> Predicate:
    def run(ctx: Any) -> Tri:
        unknown = False
        for p in preds:
            v = p(ctx)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False

    return run


def _at_least(n: int, preds: list[Predicate]) -> Predicate:
    def run(ctx: Any) -> Tri:
        yes = unknown = 0
        for p in preds:
            v = p(ctx)
            if v is True:
                yes += 1
            elif v is None:
                unknown += 1
        if yes >= n:
            return True
        return False if yes + unknown < n else None

    return run


def _sided_match(values: dict | str | None, wanted: set[str], sides: str) -> Tri:
    """Evaluate a side map ({left: x, right: y}) or a plain value against wanted results."""
    if values is None:
        return None
    if isinstance(values, str):  # recorded without a side
        if sides == "any":
            return values in wanted
        return None if values in wanted else False
    left, right = values.get("left"), values.get("right")
    hit_left, hit_right = left in wanted, right in wanted
    if sides == "any":
        if hit_left or hit_right:
            return True
        return None if left is None and right is None else False
    if sides == "both":
        if hit_left and hit_right:
            return True
        if (left is not None and not hit_left) or (right is not None and not hit_right):
            return False
        return None
    # one side only
    if left is None and right is None:
        return None
    return hit_left != hit_right


def _combine_sides(hits: list[set[str]], recorded: bool, sides: str) -> Tri:
    if not recorded:
        return None
    found = set().union(*hits) if hits else set()
    if sides == "any":
        return bool(found)
    if sides == "both":
        return {"left", "right"} <= found
    return len(found & {"left", "right"}) == 1


def compile_predicate(spec: Any, checker: Checker | None = None, where: str = "") -> Predicate:
    if not isinstance(spec, dict) or not spec:
        raise PredicateError(f"{where}: a predicate must be a non-empty mapping, got {spec!r}")
    sub = lambda s, i="": compile_predicate(s, checker, f"{where}{i}")  # noqa: E731
    keys = set(spec)

    if keys == {"all"} or keys == {"any"}:
        items = spec.get("all", spec.get("any"))
        if not isinstance(items, list) or not items:
            raise PredicateError(f"{where}: all/any needs a non-empty list")
        preds = [sub(s, f"[{i}]") for i, s in enumerate(items)]
        return _all(preds) if "all" in spec else _any(preds)
    if keys == {"not"}:
        inner = sub(spec["not"], ".not")
        return lambda ctx: None if (v := inner(ctx)) is None else not v
    if keys == {"at_least", "of"}:
        preds = [sub(s, f".of[{i}]") for i, s in enumerate(spec["of"])]
        n = spec["at_least"]
        if not isinstance(n, int) or not 0 < n <= len(preds):
            raise PredicateError(f"{where}: at_least must be between 1 and the number of predicates")
        return _at_least(n, preds)
    if keys == {"unknown_means", "when"}:
        inner, default = sub(spec["when"], ".when"), bool(spec["unknown_means"])
        return lambda ctx: default if (v := inner(ctx)) is None else v
    if keys == {"finding"}:
        fid = spec["finding"]
        if checker:
            checker.finding(fid)

        def finding(ctx: Any) -> Tri:
            # The cache is read inline: rules look findings up hundreds of times per case.
            value = ctx.known_findings.get(fid, finding)
            return ctx.finding(fid) if value is finding else value

        return finding
    if keys == {"criterion"}:
        cid = spec["criterion"]
        if checker:
            checker.criterion(cid)
        return lambda ctx: ctx.criterion(cid)
    if keys == {"mechanism"}:
        wanted = spec["mechanism"] if isinstance(spec["mechanism"], list) else [spec["mechanism"]]
        if checker:
            checker.values("pain_mechanism", wanted)
        # Unknown while no mechanism dominates: "not judged" is not "not nociplastic".
        return lambda ctx: None if ctx.dominant_mechanism is None else ctx.dominant_mechanism in wanted
    if keys == {"engine"}:
        fact = spec["engine"]
        if fact not in ENGINE_FACTS:
            raise PredicateError(f"{where}: unknown engine fact {fact!r}")
        return lambda ctx: ctx.engine_facts.get(fact)
    if keys == {"referral_at_least"}:
        if spec["referral_at_least"] not in URGENCY_LEVELS:
            raise PredicateError(f"{where}: referral_at_least must be one of {', '.join(URGENCY_LEVELS)}")
        level = URGENCY_LEVELS.index(spec["referral_at_least"])
        return lambda ctx: ctx.urgency_level >= level
    if keys == {"differential"}:
        return _differential(spec["differential"], checker, where)
    if "field" in keys:
        return _field(spec, checker, where)
    if len(keys) == 1:
        (kind,) = keys
        args = spec[kind] or {}
        builders = {"regions": _regions, "test": _test, "motor": _motor, "reflex": _reflex, "rom": _rom,
                    "palpation": _palpation, "palpation_count": _palpation_count, "side_values": _side_values,
                    "trigger_point_referral": _trigger_point_referral}
        if kind in builders:
            if not isinstance(args, dict):
                raise PredicateError(f"{where}.{kind}: expected a mapping")
            return builders[kind](args, checker, f"{where}.{kind}")
    raise PredicateError(f"{where}: unknown predicate {sorted(keys)}")


def _expect(args: dict, allowed: set[str], where: str) -> None:
    extra = set(args) - allowed
    if extra:
        raise PredicateError(f"{where}: unknown keys {sorted(extra)}; allowed: {sorted(allowed)}")


def _sides(args: dict, where: str) -> str:
    sides = args.get("sides", "any")
    if sides not in ("any", "both", "one"):
        raise PredicateError(f"{where}: sides must be any, both or one")
    return sides


def _field(spec: dict, checker: Checker | None, where: str) -> Predicate:
    ops = set(spec) - {"field"}
    if len(ops) != 1 or not ops <= set(FIELD_OPERATORS):
        raise PredicateError(f"{where}: a field predicate needs exactly one of {', '.join(FIELD_OPERATORS)}")
    (op,) = ops
    path, arg = tuple(spec["field"].split(".")), spec[op]
    if checker:
        checker.field(spec["field"])
    test = _field_test(op, arg)
    if len(path) == 2:
        # The common case, in one closure: field leaves run for most rules of every assessment.
        block_name, key = path

        def two_part(ctx: Any) -> Tri:
            block = ctx.case.get(block_name)
            if block is None:
                return None
            v = block.get(key)
            return None if v is None else test(v)

        return two_part

    def deep(ctx: Any) -> Tri:
        v = lookup(ctx.case, path)
        return None if v is None else test(v)

    return deep


def _field_test(op: str, arg: Any) -> Callable[[Any], bool]:
    """The test a field predicate applies to a recorded (non-null) value."""
    if op == "present":
        return lambda v: bool(v) if isinstance(v, list) else True
    if op == "mentions_any":
        from .negation import affirmed_words

        words = frozenset(w.lower() for w in arg)
        return lambda v: bool(words.intersection(affirmed_words(str(v))))
    if op == "contains_any":
        wanted = frozenset(arg)
        return lambda v: not wanted.isdisjoint(v)
    if op == "is":
        return lambda v: v == arg
    if op == "in":
        return frozenset(arg).__contains__
    return {"gt": lambda v: v > arg, "gte": lambda v: v >= arg, "lt": lambda v: v < arg, "lte": lambda v: v <= arg}[op]


def _regions(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"set", "any_of", "in", "sides", "min_regions"}, where)
    if checker and "set" in args:
        checker.values("region_set", [args["set"]])
    bases = args.get("any_of")
    if checker and bases:
        checker.values("region", bases)
    sources = args.get("in") or []
    fields: list[tuple[str, ...]] = []
    for name in sources:
        if name == "sensory":
            fields += [REGION_FIELDS["sensory_reduced"], REGION_FIELDS["sensory_absent"]]
        elif name in REGION_FIELDS:
            fields.append(REGION_FIELDS[name])
        else:
            raise PredicateError(f"{where}: unknown region source {name!r}")
    sides, set_name = _sides(args, where), args.get("set")
    min_regions = args.get("min_regions", 1)
    if not isinstance(min_regions, int) or min_regions < 1:
        raise PredicateError(f"{where}: min_regions must be a whole number of at least 1")
    # The same regions in the same lists are asked about on one side, either or
    # both sides by several findings: the sides found are computed once per case.
    memo_key = ("regions", set_name or tuple(bases or ()), tuple(fields), min_regions)

    def sides_found(ctx: Any) -> set[str] | None:
        wanted = ctx.kb.region_sets[set_name] if set_name else bases
        recorded, per_side = False, {}
        for path in fields:
            entries = ctx.regions(path)
            if entries is None:
                continue
            recorded = True
            for base, side in entries:
                if base in wanted:
                    per_side.setdefault(side or "unsided", set()).add(base)
        if not recorded:
            return None
        return {side for side, bases_found in per_side.items() if len(bases_found) >= min_regions}

    def run(ctx: Any) -> Tri:
        # The memo is read inline: region rules are among the most frequent.
        memo = ctx._memo
        found = memo.get(memo_key, memo)
        if found is memo:
            found = memo[memo_key] = sides_found(ctx)
        if found is None:
            return None
        if sides == "any":
            return bool(found)
        if sides == "both":
            return {"left", "right"} <= found
        return len(found & {"left", "right"}) == 1

    return run


def _test(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"name", "result", "sides"}, where)
    name, result = args["name"], args.get("result", "positive")
    if checker:
        checker.values("special_test", [name])
    sides, wanted = _sides(args, where), {result}
    return lambda ctx: _sided_match(lookup(ctx.case, ("special_tests", name)), wanted, sides)


def _side_map_group(section: tuple[str, ...], names: list[str] | None, wanted: set[str], sides: str) -> Predicate:
    block_name, key = section
    names = frozenset(names) if names is not None else None
    wanted = frozenset(wanted)

    def run(ctx: Any) -> Tri:
        block = ctx.case.get(block_name)
        table = block.get(key) if block else None
        if not table:
            return None
        recorded, left, right = False, False, False
        for name, by_side in table.items():
            if by_side is None or (names is not None and name not in names):
                continue
            recorded = True
            left = left or by_side.get("left") in wanted
            right = right or by_side.get("right") in wanted
            if sides == "any" and (left or right):
                return True
        if not recorded:
            return None
        if sides == "any":
            return False
        if sides == "both":
            return left and right
        return left != right

    return run


def _motor(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"movements", "sides"}, where)
    names = args.get("movements")
    if checker and names:
        checker.values("movement", names)
    return _side_map_group(("neuro", "motor"), names, {"weak"}, _sides(args, where))


def _reflex(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"reflexes", "grades", "sides"}, where)
    names = args.get("reflexes")
    if checker and names:
        checker.values("reflex", names)
    grades = set(args.get("grades") or ["reduced", "absent"])
    return _side_map_group(("neuro", "reflexes"), names, grades, _sides(args, where))


def _rom(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"motions", "modes", "any_of"}, where)
    motions, modes, wanted = args["motions"], args["modes"], set(args["any_of"])
    if checker:
        checker.values("rom_motion", motions)
        checker.values("rom_mode", modes)

    def run(ctx: Any) -> Tri:
        rom = ctx.case.get("rom")
        if not rom:
            return None
        recorded = False
        for motion in motions:
            entry = rom.get(motion)
            if not entry:
                continue
            for mode in modes:
                value = entry.get(mode)
                if value is None:
                    continue
                if value in wanted:
                    return True
                recorded = True
        return False if recorded else None

    return run


def _palpation(args: dict, checker: Checker | None, where: str) -> Predicate:
    _expect(args, {"in", "any_of"}, where)
    lists, wanted = args["in"], set(args["any_of"])
    if checker:
        checker.values("palpation_site", sorted(wanted))
        checker.values("palpation_list", lists)
    # Only `not_tender` says a site was examined and found clear; a site missing
    # from the lists was not examined (case-format.md), so it stays unknown.
    clear_when_not_tender = "tender" in lists

    def run(ctx: Any) -> Tri:
        palpation = ctx.case.get("palpation")
        if not palpation:
            return None
        for name in lists:
            entries = palpation.get(name)
            if entries and not wanted.isdisjoint(entries):
                return True
        if clear_when_not_tender and wanted <= set(palpation.get("not_tender") or ()):
            return False
        return None

    return run


def _palpation_count(args: dict, checker: Checker | None, where: str) -> Predicate:
    """How many distinct structures the listed palpation findings name, within bounds."""
    _expect(args, {"in", "at_least", "at_most"}, where)
    lists, low, high = args["in"], args.get("at_least", 0), args.get("at_most")
    if checker:
        checker.values("palpation_list", lists)

    def run(ctx: Any) -> Tri:
        found: set[str] = set()
        recorded = False
        for name in lists:
            entries = lookup(ctx.case, ("palpation", name))
            if entries is not None:
                recorded = True
                found.update(entries)
        if not recorded:
            return None
        return len(found) >= low and (high is None or len(found) <= high)

    return run


def _differential(args: Any, checker: Checker | None, where: str) -> Predicate:
    if not isinstance(args, dict):
        raise PredicateError(f"{where}.differential: expected a mapping")
    _expect(args, {"any_of", "min_probability"}, f"{where}.differential")
    conditions, threshold = args["any_of"], float(args.get("min_probability", 0.15))
    if checker:
        checker.values("condition", conditions)
    # `likelihood`: a coexisting condition counts by its own odds too (differential.py).
    return lambda ctx: any(ctx.likelihood.get(c, 0.0) >= threshold for c in conditions)


def finding_references(spec: Any) -> list[str]:
    """The named findings a predicate refers to directly (its evidence)."""
    out: list[str] = []
    if isinstance(spec, dict):
        if "finding" in spec and len(spec) == 1:
            return [spec["finding"]]
        for key, value in spec.items():
            if key in ("all", "any", "of") and isinstance(value, list):
                for item in value:
                    out += finding_references(item)
            elif key in ("when",):
                out += finding_references(value)
    return list(dict.fromkeys(out))


def field_references(spec: Any) -> set[str]:
    """The case fields a predicate reads itself (not through the findings it names)."""
    if isinstance(spec, list):
        return set().union(*(field_references(item) for item in spec)) if spec else set()
    if not isinstance(spec, dict):
        return set()
    found = {spec["field"]} if isinstance(spec.get("field"), str) else set()
    for key, value in spec.items():
        if key != "finding" and isinstance(value, (dict, list)):
            found |= field_references(value)
    return found


def _side_values(args: dict, checker: Checker | None, where: str) -> Predicate:
    """A comparison applied to each side of a left/right map (hip degrees, pulses...)."""
    ops = [op for op in SIDE_OPERATORS if op in args]
    _expect(args, {"field", "sides", *SIDE_OPERATORS}, where)
    if len(ops) != 1:
        raise PredicateError(f"{where}: side_values needs exactly one of {', '.join(SIDE_OPERATORS)}")
    if checker:
        checker.field(args["field"])
    path, test, sides = tuple(args["field"].split(".")), _field_test(ops[0], args[ops[0]]), _sides(args, where)

    def run(ctx: Any) -> Tri:
        by_side = lookup(ctx.case, path)
        if not isinstance(by_side, dict):
            return None
        results = {side: test(v) for side in ("left", "right") if (v := by_side.get(side)) is not None}
        if not results:
            return None
        hits = {side for side, hit in results.items() if hit}
        if sides == "any":
            return True if hits else False
        if sides == "both":
            if len(hits) == 2:
                return True
            return False if len(results) > len(hits) else None
        if len(results) < 2:
            return None
        return len(hits) == 1

    return run


def _trigger_point_referral(args: dict, checker: Checker | None, where: str) -> Predicate:
    """The pain map lies within the referral zones of the trigger points that
    reproduce the client's familiar pain (Travell & Simons zones, trigger_points.yaml)."""
    _expect(args, {"cover"}, where)
    cover = args.get("cover", "all")
    if cover not in ("all", "any"):
        raise PredicateError(f"{where}: cover must be all or any")

    def run(ctx: Any) -> Tri:
        muscles = lookup(ctx.case, ("palpation", "reproduces_familiar_pain"))
        pain = ctx.regions(("symptoms", "pain_sites"))
        if muscles is None or pain is None:
            return None
        zones = ctx.kb.trigger_point_zones
        covered = set().union(*(zones.get(m, ()) for m in muscles)) if muscles else set()
        inside = [base in covered for base, _side in pain]
        if not inside:
            return None
        return all(inside) if cover == "all" else any(inside)

    return run
