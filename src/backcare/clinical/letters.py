"""A referral letter drafted from a visit's stored assessment (the therapist edits it before printing).

Pure: it takes the assessment as it was given and the words the page has
already formatted (names, dates), and returns the subject and the body.
"""
from __future__ import annotations

from typing import Any

from .soap import working_differential
from .vocabulary import vocabulary

URGENCY_WORDS = {
    "emergency": ("an EMERGENCY", "I have advised {them} to go to an emergency department now, today."),
    "urgent": ("URGENT", "Please see {them} within 24 hours."),
    "routine": ("routine", "Please see {them} at a routine appointment, within the next two weeks or so."),
    "none": ("not urgent", "I would value your opinion at {their} next routine appointment."),
}
# The client as the letter speaks of them: by the sex recorded, else 'they'.
PRONOUNS = {"female": {"them": "her", "their": "her"}, "male": {"them": "him", "their": "his"}}
THEY = {"them": "them", "their": "their"}
# Whom the letter goes to, by the assessment's referral.to (a family doctor on record is named instead).
ADDRESSEES = {
    "emergency_department": "The doctor on duty, emergency department",
    "family_doctor": "The family doctor of {client}",
    "surgical_team": "The surgical team who operated on {client}",
    "physiotherapist": "A physiotherapist or sports physician",
    "obstetric_care": "The midwife or maternity team of {client}",
    "chiropractor": "A chiropractor or osteopath",
}


def addressee(assessment: dict[str, Any], client: str, family_doctor: str = "", family_doctor_contact: str = "") -> str:
    """Whom the letter is to: the family doctor by name and practice when the referral is theirs and
    they are on record; otherwise the destination the assessment names."""
    to = assessment["referral"].get("to") or ("emergency_department" if assessment["referral"]["urgency"] == "emergency"
                                               else "family_doctor")
    if to == "family_doctor" and family_doctor:
        return ", ".join(x for x in (family_doctor, family_doctor_contact) if x)[:300]
    return ADDRESSEES.get(to, ADDRESSEES["family_doctor"]).format(client=client)[:300]


def _name(kind: str, ident: str) -> str:
    table = getattr(vocabulary(), kind)
    return (table.get(ident, ident) if isinstance(table, dict) else ident).split(" (")[0].split(";")[0]


def referral_letter(assessment: dict[str, Any], *, client: str, born: str, seen_on: str, therapist: str,
                    clinic: str, contact: str, sex: str | None = None) -> dict[str, str]:
    urgency = assessment["referral"]["urgency"]
    level, ask = URGENCY_WORDS[urgency]
    ask = ask.format(**PRONOUNS.get(sex or "", THEY))
    first_name = client.split()[0] if client.split() else client
    lines = [f"Re: {client}" + (f", born {born}" if born else ""), "",
             f"I saw {first_name} on {seen_on} for back pain. The assessment found features that I believe need a "
             f"doctor's review, and I consider this referral {level}. {ask}", ""]
    if assessment["red_flags"]:
        lines.append("Findings of concern:")
        for flag in assessment["red_flags"]:
            lines.append(f"- {_name('red_flags', flag['id'])} ({flag['urgency']}): {'; '.join(flag['evidence'])}")
        lines.append("")
    reasons = [r for r in assessment["referral"]["reasons"] if not r.startswith("suspected ")]
    if reasons:
        lines += ["Why I am referring:", *(f"- {r}" for r in reasons), ""]
    flagged = [c["name"] for c in assessment["differential"] if c.get("flagged")]
    top = [c["name"] for c in working_differential(assessment["differential"])]  # nothing at 0 %
    lines.append("My working assessment (from decision support, not a diagnosis): "
                 + ", ".join(dict.fromkeys(flagged + top)) + ".")
    for root in assessment["nerve_roots"]:
        lines.append(f"Signs point to the {root['root']} nerve root, {root['side']}: {'; '.join(root['evidence'])}.")
    lines.append("")
    if assessment["referral"].get("tell_client"):
        lines += [f"What I told {first_name}: {assessment['referral']['tell_client']}", ""]
    lines.append("I have given no hands-on treatment since these findings." if not assessment["plan"]["treat"]
                 else "I will continue gentle care within these limits unless you advise otherwise.")
    lines += ["", "Yours sincerely,", "", therapist, clinic] + ([contact] if contact else [])
    return {"subject": f"Referral of {client}: {level}", "body": "\n".join(lines)}
