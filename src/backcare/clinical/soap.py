"""A SOAP note drafted from the recorded findings and the assessment.

The therapist edits it before signing; the draft only saves typing. Pure
functions over plain data: no storage, no web.
"""
from __future__ import annotations

from typing import Any

from .vocabulary import vocabulary


def _name(kind: str, ident: str) -> str:
    table = getattr(vocabulary(), kind)
    text = table.get(ident, ident) if isinstance(table, dict) else ident
    return text.split(" (")[0].split(";")[0]


def _site(ident: str) -> str:
    """A palpated site: a muscle or a bony landmark."""
    v = vocabulary()
    return _name("landmarks" if ident in v.landmarks and ident not in v.structures else "structures", ident)


def _by_side(values: dict[str, Any], unit: str = "") -> str:
    return ", ".join(f"{side} {_words(str(v)) if isinstance(v, str) else v}{unit}" for side, v in values.items())


def _words(ident: str) -> str:
    return ident.replace("_", " ")


def confidence_words(confidence: float) -> str:
    """A root's confidence as a therapist says it, not as a number."""
    return "strong signs" if confidence >= 0.7 else "moderate signs" if confidence >= 0.4 else "weak signs"


def _sides(sides: list[str]) -> str:
    return "both sides" if set(sides) == {"left", "right"} else sides[0]


def regions_text(sites: list[str] | None) -> str:
    """'calf_left', 'buttock_left', 'low_back' -> 'calf, buttock (left); low back'."""
    by_side: dict[str, list[str]] = {}
    for site in sites or []:
        base, side = site.rsplit("_", 1) if site.endswith(("_left", "_right")) else (site, "")
        by_side.setdefault(side, []).append(_words(base))
    return "; ".join(", ".join(names) + (f" ({side})" if side else "") for side, names in by_side.items())


def subjective(case: dict[str, Any]) -> str:
    lines = []
    client, history, symptoms = case.get("client", {}), case.get("history", {}), case.get("symptoms", {})
    who = " ".join(str(x) for x in (client.get("age") and f"{client['age']}-year-old", client.get("sex")) if x)
    onset = history.get("onset")
    days = history.get("duration_days")
    lines.append(" ".join(x for x in (
        who.capitalize() or "Client", "with low back pain",
        f"of {onset} onset" if onset else "", f"for {days} days" if days is not None else "") if x) + ".")
    if history.get("mechanism"):
        lines.append(f"Mechanism: {history['mechanism']}.")
    surgery = history.get("spinal_surgery")
    if surgery:
        lines.append("Spinal surgery: " + " ".join(str(x) for x in (
            surgery.get("procedure"), surgery.get("level") and f"at {surgery['level']}",
            surgery.get("weeks_ago") is not None and f"{surgery['weeks_ago']} weeks ago") if x) + ".")
    if history.get("pregnancy_weeks") is not None:
        lines.append(f"Pregnant, {history['pregnancy_weeks']} weeks.")
    if history.get("postpartum_weeks") is not None:
        lines.append(f"Gave birth {history['postpartum_weeks']} weeks ago.")
    if symptoms.get("pain_nrs") is not None:
        lines.append(f"Pain {symptoms['pain_nrs']}/10" + (f" ({', '.join(symptoms.get('pain_quality', []))})" if symptoms.get("pain_quality") else "") + ".")
    for key, title in (("pain_sites", "Pain"), ("paresthesia_sites", "Pins and needles"), ("numbness_sites", "Numbness")):
        if symptoms.get(key):
            lines.append(f"{title}: {regions_text(symptoms[key])}.")
    if history.get("aggravating"):
        lines.append("Worse with: " + ", ".join(_words(a) for a in history["aggravating"]) + ".")
    if history.get("easing"):
        lines.append("Eased by: " + ", ".join(_words(e) for e in history["easing"]) + ".")
    flags = [k for k, v in symptoms.items() if isinstance(v, bool) and k != "neurogenic_claudication"]
    if flags:
        lines.append("Screening: " + "; ".join(f"{_words(k)} {'YES' if symptoms[k] else 'no'}" for k in flags) + ".")
    medical = [k for k, v in case.get("medical", {}).items() if v]
    if medical:
        lines.append("History: " + ", ".join(_name("medical_history", m) for m in medical) + ".")
    return "\n".join(lines)


def objective(case: dict[str, Any], details: dict[str, Any] | None = None) -> str:
    lines = []
    obs = case.get("observation", {})
    if obs:
        parts = [", ".join(_words(p) for p in obs.get("posture", []))] if obs.get("posture") else []
        if obs.get("gait"):
            parts.append(f"{obs['gait']} gait")
        parts += [k.replace("_", " ") for k in ("guarding", "muscle_spasm", "leg_length_discrepancy") if obs.get(k)]
        if obs.get("atrophy_sites"):
            parts.append("wasting: " + regions_text(obs["atrophy_sites"]))
        lines.append("Observation: " + "; ".join(parts) + ".")
    rom = case.get("rom", {})
    moves = [f"{_words(m)} {', '.join(f'{mode} {_words(v)}' for mode, v in entry.items())}"
             for m, entry in rom.items() if isinstance(entry, dict)]
    if moves:
        lines.append("ROM: " + "; ".join(moves) + (f"; deviates {rom['flexion_deviation']} in flexion" if rom.get("flexion_deviation") else "") + ".")
    tests = []
    for name, result in case.get("special_tests", {}).items():
        title = _name("special_tests", name)
        if isinstance(result, dict):
            tests.append(f"{title} " + ", ".join(f"{side} {r}" for side, r in result.items()))
        else:
            tests.append(f"{title} {result}")
    if tests:
        lines.append("Special tests: " + "; ".join(tests) + ".")
    neuro = case.get("neuro", {})
    for section, title in (("motor", "Motor"), ("reflexes", "Reflexes")):
        kind = "movements" if section == "motor" else "reflexes"
        entries = [f"{_name(kind, k)} " + ", ".join(f"{s} {g}" for s, g in v.items()) for k, v in neuro.get(section, {}).items()]
        if entries:
            lines.append(f"{title}: " + "; ".join(entries) + ".")
    sensory = neuro.get("sensory", {})
    if sensory.get("reduced") or sensory.get("absent"):
        lines.append("Sensation: " + "; ".join(f"{k} {regions_text(v)}" for k, v in sensory.items() if v) + ".")
    for key, title in (("vibration", "Vibration at the great toe"), ("monofilament", "Monofilament on the sole")):
        if neuro.get(key):
            lines.append(f"{title}: {_by_side(neuro[key])}.")
    hip = case.get("hip", {})
    for key, title in (("internal_rotation_degrees", "Hip internal rotation"), ("flexion_degrees", "Hip flexion")):
        if hip.get(key):
            lines.append(f"{title}: {_by_side(hip[key], ' degrees')}.")
    circulation = case.get("circulation", {})
    if circulation.get("pedal_pulses"):
        lines.append(f"Foot pulses: {_by_side(circulation['pedal_pulses'])}.")
    if circulation.get("abpi"):
        lines.append(f"Ankle-brachial index: {_by_side(circulation['abpi'])}.")
    cool = [side for side, v in (circulation.get("cool_skin") or {}).items() if v]
    if cool:
        lines.append(f"Cool or pale leg: {', '.join(cool)}.")
    palp = case.get("palpation", {})
    sides = (details or {}).get("palpation_sides") or {}
    for key, title in (("hypertonic", "Hypertonic"), ("trigger_points", "Trigger points"), ("tender", "Tender"),
                       ("reproduces_familiar_pain", "Reproduces the familiar pain"), ("not_tender", "Not tender")):
        if palp.get(key):
            found = [_site(s) + (f" ({_sides(sides[key][s])})" if s in sides.get(key, {}) else "")
                     for s in palp[key]]
            lines.append(f"{title}: " + ", ".join(found) + ".")
    if palp.get("hypermobile_segments"):
        lines.append("Hypermobile lumbar segments.")
    if palp.get("pulsatile_abdominal_mass"):
        lines.append("Wide, pulsatile mass felt in the abdomen.")
    return "\n".join(lines)


def assessment_text(a: dict[str, Any]) -> str:
    to = a["referral"].get("to")
    lines = [f"Referral: {a['referral']['urgency']}" + (f", to {_name('referral_destinations', to)}" if to else "") + "."]
    for flag in a["red_flags"]:
        lines.append(f"RED FLAG {_name('red_flags', flag['id'])}: {'; '.join(flag['evidence'])}.")
    for root in a["nerve_roots"]:
        lines.append(f"Nerve root {root['root']} {root['side']} ({confidence_words(root['confidence'])}).")
    top = [f"{c['name']} {c['probability']:.0%}" for c in a["differential"][:3]]
    lines.append("Working differential: " + "; ".join(top) + ".")
    mechanism = mechanism_text(a)
    if mechanism:
        lines.append(mechanism)
    if a["contraindications"]:
        lines.append("Precautions: " + "; ".join(_name("contraindications", c["id"]) for c in a["contraindications"]) + ".")
    lines.append("backcare decision support was reviewed; clinical judgement applied.")
    return "\n".join(lines)


def mechanism_text(a: dict[str, Any]) -> str | None:
    """One line on the dominant pain mechanism (assessments saved before it existed have none)."""
    pm = a.get("pain_mechanism")
    if not pm or not pm.get("criteria"):
        return None
    if pm["dominant"] is None:
        return "Pain mechanism: no single mechanism dominates on the criteria recorded."
    name = _name("pain_mechanisms", pm["dominant"]).split(";")[0]
    basis = pm["evidence"][0] if pm["evidence"] else ""
    return (f"Dominant pain mechanism: {_words(pm['dominant'])} ({pm['probabilities'][pm['dominant']]:.0%}; {name})"
            + (f"; {basis}" if basis else "") + ".")


def plan_text(a: dict[str, Any]) -> str:
    plan = a["plan"]
    if not plan["treat"]:
        return "No hands-on treatment today. " + (a["referral"].get("tell_client") or "Referred as above.")
    lines = ["Goals: " + "; ".join(_name("treatment_goals", g) for g in plan["goals"]) + "."]
    lines += [f"{_name('techniques', t['technique'])}: {', '.join(_name('structures', s) for s in t['targets'])}." for t in plan["techniques"]]
    if a["self_care"]:
        lines.append("Home care: " + "; ".join(s["title"] for s in a["self_care"]) + ".")
    return "\n".join(lines)


def draft(case: dict[str, Any], a: dict[str, Any], details: dict[str, Any] | None = None) -> dict[str, str]:
    return {"subjective": subjective(case), "objective": objective(case, details),
            "assessment": assessment_text(a), "plan": plan_text(a)}
