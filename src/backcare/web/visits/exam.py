"""A saved visit's findings as the visit page shows them: the pain map and a readable table."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ...clinical.soap import regions_text
from ...clinical.vocabulary import vocabulary
from .. import body_chart
from .fields import CHART_FIELDS, PALPATION, label


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def _sided(entry: dict[str, str]) -> str:
    if len(entry) == 2 and entry["left"] == entry["right"]:
        return f"{entry['left']} both sides"
    return ", ".join(f"{side} {value}" for side, value in entry.items())


def _surgery(entry: dict[str, Any]) -> str:
    """'discectomy at L4-L5, 20 weeks ago'."""
    text = _words(entry.get("procedure", "operation"))
    if entry.get("level"):
        text += f" at {entry['level']}"
    if entry.get("weeks_ago") is not None:
        text += f", {entry['weeks_ago']} weeks ago"
    return text


def summary(case: dict[str, Any], details: dict[str, Any] | None, grouped: bool = True) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(finding, result)]) for each part of the examination; empty: not examined.

    `grouped` puts the unremarkable tests and neurological findings on one row each, as the visit page
    shows them; a comparison (then and now) needs every finding on its own row.
    """
    v = vocabulary()
    history, symptoms = case.get("history") or {}, case.get("symptoms") or {}
    out: list[tuple[str, list[tuple[str, str]]]] = []
    group = _grouped if grouped else (lambda rows, _plain, _title: rows)

    rows = [(label(f"client.{k}"), _words(x)) for k, x in (case.get("client") or {}).items()]
    rows += [(label(f"history.{k}"), ", ".join(_words(i) for i in x) if isinstance(x, list) else _words(x))
             for k, x in history.items() if k != "spinal_surgery"]
    if history.get("spinal_surgery"):
        rows.append(("Spinal surgery", _surgery(history["spinal_surgery"])))
    yes = [v.medical_history[k].split(" (")[0] for k, x in (case.get("medical") or {}).items() if x]
    no = [k for k, x in (case.get("medical") or {}).items() if x is False]
    if yes or no:
        rows.append(("Medical history", (", ".join(yes) if yes else "nothing") + (f"; {len(no)} answered no" if no else "")))
    out.append(("History", rows))

    rows = [(label(f"symptoms.{k}"), _words(x)) for k, x in symptoms.items() if isinstance(x, bool)]
    if symptoms.get("pain_nrs") is not None:
        rows.insert(0, ("Pain now", f"{symptoms['pain_nrs']}/10"))
    if symptoms.get("pain_quality"):
        rows.append(("Pain quality", ", ".join(_words(q) for q in symptoms["pain_quality"])))
    for field, (title, _css) in CHART_FIELDS.items():
        found = _lookup(case, field)
        if found:
            rows.append((title, regions_text(found)))
    out.append(("Symptoms and screening", rows))

    obs = case.get("observation") or {}
    rows = [(label(f"observation.{k}"), ", ".join(_words(i) for i in x) if isinstance(x, list) else _words(x))
            for k, x in obs.items() if k != "atrophy_sites"]
    out.append(("Observation", rows))

    rom = case.get("rom") or {}
    rows = [(m.replace("_", " ").capitalize(), "; ".join(f"{mode} {_words(r)}" for mode, r in entry.items()))
            for m, entry in rom.items() if isinstance(entry, dict)]
    if rom.get("flexion_deviation"):
        rows.append(("Deviation in flexion", f"to the {rom['flexion_deviation']}"))
    out.append(("Movement", rows))

    rows = [(label(f"special_tests.{t}"), _sided(r) if isinstance(r, dict) else r)
            for t, r in (case.get("special_tests") or {}).items()]
    out.append(("Special tests", group(rows, ("negative both sides", "negative"), "Negative")))

    neuro = case.get("neuro") or {}
    rows = [(label(f"neuro.motor.{m}"), _sided(r)) for m, r in (neuro.get("motor") or {}).items()]
    rows += [(label(f"neuro.reflexes.{r}"), _sided(g)) for r, g in (neuro.get("reflexes") or {}).items()]
    rows += [(label(f"neuro.{kind}"), _sided(neuro[kind])) for kind in ("vibration", "monofilament") if neuro.get(kind)]
    out.append(("Neurological examination", group(rows, ("normal both sides",), "Normal both sides")))

    hip = case.get("hip") or {}
    if hip:
        out.append(("Hip", [(label(f"hip.{k}"), _sided({s: f"{d}°" for s, d in r.items()})) for k, r in hip.items()]))
    circulation = case.get("circulation") or {}
    if circulation:
        out.append(("Circulation", [(label(f"circulation.{k}"), _sided({s: _words(x) for s, x in r.items()}))
                                    for k, r in circulation.items()]))

    palp = case.get("palpation") or {}
    sides = (details or {}).get("palpation_sides") or {}
    sites = {**v.structures, **v.landmarks}
    rows = []
    for field, title in PALPATION.items():
        kind = field.split(".")[1]
        if palp.get(kind):
            rows.append(({"Familiar pain": "Reproduces the familiar pain"}.get(title, title), ", ".join(
                sites[s].split(" (")[0] + (f" ({_side_words(sides[kind][s])})" if s in sides.get(kind, {}) else "")
                for s in palp[kind])))
    for flag in ("hypermobile_segments", "pulsatile_abdominal_mass"):
        if palp.get(flag) is not None:
            rows.append((label(f"palpation.{flag}"), _words(palp[flag])))
    out.append(("Palpation", rows))

    criteria = case.get("pain_mechanism_criteria") or {}
    if criteria:
        present = sum(1 for x in criteria.values() if x)
        out.append(("Pain mechanism checklist", [("Criteria judged", f"{len(criteria)} ({present} present)")]))
    return out


def _grouped(rows: list[tuple[str, str]], unremarkable: tuple[str, ...], title: str) -> list[tuple[str, str]]:
    """The findings that stand out, each on its own row; the unremarkable ones together on one."""
    plain = [name for name, result in rows if result in unremarkable]
    if len(plain) < 3:
        return rows
    return [(name, result) for name, result in rows if result not in unremarkable] + [(title, ", ".join(plain))]


def _side_words(sides: list[str]) -> str:
    return "both sides" if len(sides) == 2 else sides[0]


def _lookup(case: dict[str, Any], path: str) -> Any:
    node: Any = case
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def pain_map(case: dict[str, Any]) -> Markup | None:
    """The recorded body chart (every layer), or None when nothing was marked."""
    marks: dict[str, list[str]] = {}
    for field, (_title, css) in CHART_FIELDS.items():
        for region in _lookup(case, field) or []:
            marks.setdefault(region, []).append(css)
    if not marks:
        return None
    return Markup(body_chart.render("back", marks, title="Pain map, back view") +
                  body_chart.render("front", marks, title="Pain map, front view"))
