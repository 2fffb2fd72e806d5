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
    """A palpated muscle or bony landmark by name."""
    vocab = vocabulary()
    return (vocab.structures.get(ident) or vocab.landmarks.get(ident) or ident).split(" (")[0].split(";")[0]


def _words(ident: str) -> str:
    return ident.replace("_", " ")


def _circulation_value(value) -> str:
    """A pulse grade is a word, an ABPI a number, cool skin yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    return _words(value)


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


# A yes/no symptom as a sentence can carry it ("denies pain in every position", never "no comfortable position no").
SYMPTOM_WORDS = {
    "saddle_anaesthesia": "saddle numbness", "bladder_dysfunction": "new bladder change", "bowel_dysfunction": "new bowel change",
    "sexual_dysfunction": "new sexual dysfunction", "progressive_weakness": "worsening weakness",
    "no_comfortable_position": "pain in every position", "constant_night_pain": "constant night pain",
    "neurogenic_claudication": "leg symptoms on walking eased by sitting or bending", "vascular_claudication":
    "calf pain on walking eased by standing still", "urinary_symptoms": "urinary symptoms", "colicky_pain": "colicky pain",
    "cyclical_pain": "pain with the menstrual cycle", "hand_clumsiness": "clumsy hands",
}


def _symptom(flag: str) -> str:
    return SYMPTOM_WORDS.get(flag, _words(flag))


def _listed(items: list[str]) -> str:
    """'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


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
    surgery = history.get("spinal_surgery") or {}
    if surgery:
        lines.append("Spinal surgery: " + " ".join(x for x in (
            _words(surgery.get("procedure", "operation")), f"at {surgery['level']}" if surgery.get("level") else "",
            f"{surgery['weeks_ago']} weeks ago" if surgery.get("weeks_ago") is not None else "") if x) + ".")
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
    flags = [k for k, v in symptoms.items() if isinstance(v, bool)]
    reported = [_symptom(k) for k in flags if symptoms[k]]
    denied = [_symptom(k) for k in flags if not symptoms[k]]
    if reported:
        lines.append("Reports: " + "; ".join(reported) + ".")
    if denied:
        lines.append("Denies: " + _listed(denied) + ".")
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
             for m, entry in rom.items() if isinstance(entry, dict) and set(entry.values()) != {"normal"}]
    full = [_words(m) for m, entry in rom.items() if isinstance(entry, dict) and entry and set(entry.values()) == {"normal"}]
    if moves or full or rom.get("flexion_deviation"):
        parts = moves + ([f"full and pain-free: {', '.join(full)}"] if full else [])
        lines.append("ROM: " + "; ".join(parts) + (f"; deviates {rom['flexion_deviation']} in flexion" if rom.get("flexion_deviation") else "") + ".")
    tests, negative = [], []
    for name, result in case.get("special_tests", {}).items():
        title = _name("special_tests", name)
        results = set(result.values()) if isinstance(result, dict) else {result}
        if results == {"negative"}:
            negative.append(title + (f" ({_sides(list(result))})" if isinstance(result, dict) and len(result) == 1 else ""))
        elif isinstance(result, dict):
            tests.append(f"{title} " + ", ".join(f"{side} {r}" for side, r in result.items()))
        else:
            tests.append(f"{title} {result}")
    if tests or negative:
        lines.append("Special tests: " + "; ".join(tests + ([f"negative: {', '.join(negative)}"] if negative else [])) + ".")
    neuro = case.get("neuro", {})
    for section, title, normal in (("motor", "Motor", "normal"), ("reflexes", "Reflexes", "normal")):
        kind = "movements" if section == "motor" else "reflexes"
        entries = neuro.get(section, {})
        odd = [f"{_name(kind, k)} " + ", ".join(f"{s} {g}" for s, g in v.items()) for k, v in entries.items()
               if set(v.values()) != {normal}]
        fine = [k for k, v in entries.items() if v and set(v.values()) == {normal}]
        if odd or fine:
            rest = f"{'the rest' if odd else 'all'} {normal} ({len(fine)} tested)" if len(fine) > 2 else (
                f"normal: {', '.join(_name(kind, k) for k in fine)}" if fine else "")
            lines.append(f"{title}: " + "; ".join(odd + ([rest] if rest else [])) + ".")
    for kind, title in (("vibration", "Vibration sense at the great toe"), ("monofilament", "Monofilament on the sole")):
        if neuro.get(kind):
            lines.append(f"{title}: " + ", ".join(f"{s} {g}" for s, g in neuro[kind].items()) + ".")
    sensory = neuro.get("sensory", {})
    if sensory.get("reduced") or sensory.get("absent"):
        lines.append("Sensation: " + "; ".join(f"{k} {regions_text(v)}" for k, v in sensory.items() if v) + ".")
    hip = case.get("hip", {})
    for key, title in (("internal_rotation_degrees", "Hip internal rotation"), ("flexion_degrees", "Hip flexion")):
        if hip.get(key):
            lines.append(f"{title}: " + ", ".join(f"{s} {d}°" for s, d in hip[key].items()) + ".")
    circulation = case.get("circulation", {})
    for key, title in (("pedal_pulses", "Foot pulses"), ("abpi", "ABPI"), ("cool_skin", "Cool foot")):
        if circulation.get(key):
            lines.append(f"{title}: " + ", ".join(f"{s} {_circulation_value(v)}"
                                                  for s, v in circulation[key].items()) + ".")
    palp = case.get("palpation", {})
    sides = (details or {}).get("palpation_sides") or {}
    for key, title in (("hypertonic", "Hypertonic"), ("trigger_points", "Trigger points"),
                       ("reproduces_familiar_pain", "Reproduces the familiar pain"), ("tender", "Tender"), ("not_tender", "Not tender")):
        if palp.get(key):
            found = [_site(s) + (f" ({_sides(sides[key][s])})" if s in sides.get(key, {}) else "") for s in palp[key]]
            lines.append(f"{title}: " + ", ".join(found) + ".")
    if palp.get("hypermobile_segments"):
        lines.append("Hypermobile lumbar segments.")
    if palp.get("pulsatile_abdominal_mass"):
        lines.append("PULSATILE ABDOMINAL MASS.")
    return "\n".join(lines)


def assessment_text(a: dict[str, Any]) -> str:
    to = a["referral"].get("to")
    lines = [f"Referral: {a['referral']['urgency']}" + (f", to {_name('referral_destinations', to)}" if to else "") + "."]
    for flag in a["red_flags"]:
        lines.append(f"RED FLAG {_name('red_flags', flag['id'])}: {'; '.join(flag['evidence'])}.")
    for root in a["nerve_roots"]:
        lines.append(f"Nerve root {root['root']} {root['side']} ({confidence_words(root['confidence'])}).")
    lines.append("Working differential: " + "; ".join(
        f"{c['name']} {percent(c['probability'])}" for c in working_differential(a["differential"])) + ".")
    mechanism = mechanism_text(a)
    if mechanism:
        lines.append(mechanism)
    if a["contraindications"]:
        lines.append("Precautions: " + "; ".join(_name("contraindications", c["id"]) for c in a["contraindications"]) + ".")
    lines.append("backcare decision support was reviewed; clinical judgement applied.")
    return "\n".join(lines)


def working_differential(differential: list[dict[str, Any]], size: int = 3) -> list[dict[str, Any]]:
    """The first three that carry any weight (one in a hundred or more), and every flagged one: a
    condition at 0 % is no part of a working assessment."""
    kept = [c for c in differential[:size] if c.get("flagged") or c["probability"] >= 0.01]
    return kept or differential[:1]


def percent(probability: float) -> str:
    """'38%', and 'under 1%' rather than '0%'."""
    return "under 1%" if probability < 0.005 else f"{probability:.0%}"


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
