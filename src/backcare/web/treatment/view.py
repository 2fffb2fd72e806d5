"""What the visit page and the treatment form show of the treatment: consents, the record, what stands in the way of signing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...clinical.knowledge.runtime import load_knowledge
from ...records import Records, TreatmentView
from ...records.treatment import paper_time
from ...treatment import (Alternative, AreaStatus, GeneralStatus, Retest, Rules, alternatives, consent_lines, general_status, given_lines,
                          propose, response_lines, signing_problems, treatment_data, visit_status)
from ...treatment.consent import declined as declined_areas
from ..security import CurrentSession


@dataclass
class TreatmentPanel:
    view: TreatmentView
    pack_id: str
    pack_title: str
    statuses: list[AreaStatus]
    needed: list[AreaStatus]
    general: GeneralStatus
    alternatives: list[Alternative]
    problems: list[str]
    lines: list[str]
    response: list[str]
    retest: Retest | None
    plan_techniques: list[str]
    verbal_needed: bool
    statements: list[str] = field(default_factory=list)
    elements: list[tuple[str, Any]] = field(default_factory=list)  # the pack's elements of informed consent
    consent_text: list[str] = field(default_factory=list)  # for papers: times with the month in words
    general_text: str = ""
    askable: list[AreaStatus] = field(default_factory=list)  # areas consent may be asked for now (needed, declined, withdrawn)
    standing: list[Any] = field(default_factory=list)  # this visit's consents to areas that stand, to withdraw

    @property
    def record(self):
        return self.view.record


def panel(records: Records, session: CurrentSession, visit) -> TreatmentPanel:
    view = records.treatment_view(session.actor, visit.id)
    data = treatment_data()
    facts = [c.fact for c in view.visit_consents]
    given = view.record.given if view.record else None
    plan = visit.assessment.get("plan") or {}
    statuses = visit_status(plan, given, facts, view.pack)
    needed = [s for s in statuses if s.state == "needed"]
    plan_techniques = [t["technique"] for t in plan.get("techniques", [])] if plan.get("treat") else []
    general = general_status([c.fact for c in view.general_consents], date.today(),
                             plan_techniques + ([e.technique for e in given.entries] if given else []), view.pack)
    declined = declined_areas(facts)
    offered = alternatives(declined, Rules(visit.assessment, load_knowledge()), visit.case, visit.details) if declined else []
    after_date = ""
    if view.record and view.record.after_effects.effects and view.previous:
        after_date = view.previous.visit_date.isoformat()
    pack = data.pack(view.pack)
    zone = records.clinic_details(session.actor).zone
    consent_text = consent_lines(statuses, [a.words for a in offered if a.allowed], lambda moment: paper_time(moment, zone))
    if general.consent is not None:
        how = ", ".join("signed on the tablet" if m == "tablet" else m for m in general.consent.methods)
        general_text = (f"Informed consent to treatment: given {paper_time(general.consent.given_at, zone)} ({how})"
                        + (f"; due again: {general.reason}." if general.state == "due" else "."))
    else:
        general_text = "Informed consent to treatment: not recorded in backcare."
    return TreatmentPanel(
        view=view, pack_id=view.pack, pack_title=pack.title, statuses=statuses, needed=needed, general=general,
        alternatives=offered, problems=signing_problems(given, facts, view.pack),
        lines=given_lines(given) if given else [],
        response=response_lines(view.record.response, view.record.after_effects, after_date) if view.record else [],
        retest=(view.record.response.retest if view.record and view.record.response.retest else propose(visit.case, visit.assessment)),
        plan_techniques=plan_techniques, verbal_needed=any("verbal" in s.requirement.requires for s in statuses if s.state != "given"),
        statements=pack.statements, elements=[(e, data.elements[e]) for e in pack.general.elements], consent_text=consent_text, general_text=general_text,
        askable=[s for s in statuses if s.state != "given"],
        standing=[c for c in view.visit_consents if c.decision == "given" and c.withdrawn_at is None])


def choices() -> dict[str, Any]:
    """The form's fixed choices, from the vocabulary and the domain's data."""
    from ...clinical.vocabulary import vocabulary

    v, data = vocabulary(), treatment_data()
    return {"techniques": v.techniques, "structures": v.structures, "positioning": v.positioning,
            "hydrotherapy": {k: t for k, t in v.hydrotherapy.items() if k != "none"}, "self_care": v.self_care,
            "pressures": data.pressures, "draping": {k: d.words for k, d in data.draping.items()},
            "after_effects": data.after_effects, "elements": data.elements, "areas": data.areas,
            "sides": ("left", "right", "both", "midline")}


def pack_choices(request) -> dict[str, Any]:
    """The consent packs for the Clinic page, and the clinic's own."""
    session = request.state.session
    data = treatment_data()
    return {"consent_packs": {pid: pack for pid, pack in data.packs.items()},
            "consent_pack": request.app.state.records.consent_pack(session.actor), "pack_sources": data.sources}
