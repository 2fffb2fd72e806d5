"""The treatment in words: for the SOAP draft, the visit summary, the progress report and the exports.

`soap_draft` composes the clinical core's draft (clinical/soap.py, unchanged)
with the treatment as given: the Objective gains the consent and the client's
response, the Plan the treatment as given and the exercise taught. Without a
treatment record the draft is the core's, word for word.
"""
from __future__ import annotations

from typing import Any, Callable

from ..clinical import soap
from .consent import AreaStatus
from .data import treatment_data
from .model import AfterEffects, Entry, Given, Response
from .words import name as _name


def entry_text(entry: Entry) -> str:
    targets = ", ".join(_name("structures", t) for t in entry.targets)
    side = "" if entry.side in ("both", "midline") else f" ({entry.side})"
    text = f"{_name('techniques', entry.technique).capitalize()}: {targets}{side}, {entry.minutes} min, {entry.pressure} pressure"
    if entry.until_withdrawal:
        text += ", stopped when consent was withdrawn"
    if entry.clinical_reason:
        text += f" [given despite a contraindication: {entry.clinical_reason}]"
    return text


def given_lines(given: Given) -> list[str]:
    data = treatment_data()
    lines = [f"Treatment given ({given.minutes} min):"] if given.entries else ["No hands-on treatment given."]
    lines += [f"- {entry_text(e)}" for e in given.entries]
    if given.positioning:
        lines.append("Positioning: " + "; ".join(_name("positioning", p) for p in given.positioning) + ".")
    if given.hydrotherapy:
        lines.append("Hydrotherapy: " + "; ".join(_name("hydrotherapy", h) for h in given.hydrotherapy) + ".")
    if given.entries:
        lines.append(f"Draping: {data.draping[given.draping].words}.")
    if given.exercises:
        lines.append("Remedial exercise taught: " + "; ".join(_name("self_care", e) for e in given.exercises) + ".")
    return lines


def response_lines(response: Response, after: AfterEffects | None = None, after_date: str = "") -> list[str]:
    lines = []
    if response.pain_before is not None or response.pain_after is not None:
        before = "?" if response.pain_before is None else response.pain_before
        after_pain = "not asked" if response.pain_after is None else f"{response.pain_after}/10"
        lines.append(f"Pain {before}/10 before treatment, {after_pain} after.")
    retest = response.retest
    if retest and (retest.before or retest.after):
        unit = {"degrees": " degrees", "cm": " cm", "result": ""}[retest.unit]
        lines.append(f"Re-test, {retest.label}: {retest.before or '?'}{unit} before, {retest.after or 'not re-tested'}"
                     f"{unit if retest.after else ''} after.")
    if response.client_words:
        lines.append(f'Client: "{response.client_words}"')
    if after is not None and after.effects:
        effects = treatment_data().after_effects
        words = "; ".join(effects[e] for e in after.effects)
        lines.append(f"After the last treatment{f' ({after_date})' if after_date else ''}: {words}"
                     + (f" ({after.note})" if after.note else "") + ".")
    return lines


def consent_lines(statuses: list[AreaStatus], alternatives: list[str], time_text: Callable[[Any], str]) -> list[str]:
    """One line per sensitive area: how its consent was given, declined or withdrawn, and when."""
    lines = []
    for status in statuses:
        req, consent = status.requirement, status.consent
        if status.state == "given" and consent is not None:
            how = " and ".join("signed on the tablet" if m == "tablet" else m for m in consent.methods)
            lines.append(f"Consent for the {req.words}: {how}, {time_text(consent.given_at)}.")
        elif status.state == "withdrawn" and consent is not None:
            lines.append(f"Consent for the {req.words}: given {time_text(consent.given_at)}, withdrawn "
                         f"{time_text(consent.withdrawn_at)}; the rest of the session went on without it.")
        elif status.state == "declined":
            lines.append(f"Consent for the {req.words}: declined by the client; the area was not treated.")
        else:
            lines.append(f"Consent for the {req.words}: not recorded ({req.how} needed).")
    if alternatives:
        lines.append("Offered instead: " + "; ".join(alternatives) + ".")
    return lines


def soap_draft(case: dict[str, Any], assessment: dict[str, Any], details: dict[str, Any] | None,
               given: Given | None = None, response: Response | None = None, extra_objective: list[str] | None = None) -> dict[str, str]:
    """The core's draft, with the treatment as given and the response in the Objective and the Plan."""
    draft = soap.draft(case, assessment, details)
    if given is None:
        return draft
    objective = [draft["objective"]] if draft["objective"] else []
    objective += extra_objective or []
    if response is not None:
        objective += response_lines(response)
    # The planned techniques give way to what was given; goals, home care and the rest stay.
    planned = tuple(f"{_name('techniques', t['technique'])}:" for t in (assessment.get("plan") or {}).get("techniques", []))
    kept = [line for line in draft["plan"].splitlines() if not (planned and line.startswith(planned))]
    plan = kept[:1] + given_lines(given) + kept[1:]
    return {**draft, "objective": "\n".join(objective), "plan": "\n".join(plan)}
