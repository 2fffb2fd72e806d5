"""The assessment engine: pure functions from a validated case to an assessment.

Stages run in a fixed order because each uses the one before: roots feed the
differential, the referral decides whether there is a plan, the differential
chooses the protocols, the contraindications filter them.

Part of the clinical core: the engine imports only its own modules; the
knowledge base it runs on is passed in.
"""
from __future__ import annotations

from .context import Evaluation
from .differential import rank
from .kernel import run_kernel, run_rules
from .mechanism import judge
from .notes import with_notes
from .plan import Forbidden, avoided_self_care, contraindications, plan, self_care
from .roots import localise
from .screen import refer_conditions, screen

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DISCLAIMER = (
    "Decision support for a qualified therapist, not a diagnosis: it weighs the recorded "
    "findings and must be read with clinical judgement. Refer when in doubt."
)


def run(case: dict[str, Any], kb: Any) -> dict[str, Any]:
    """Assess one validated case (plain data, as `Case.findings()` gives it)."""
    ctx = _evaluation(case, kb)
    nerve_roots = localise(ctx)
    run_kernel(ctx)
    referral, red_flags = screen(ctx)
    differential = rank(ctx)
    refer_conditions(ctx, referral, differential)
    pain_mechanism = judge(ctx)
    run_rules(ctx)
    applied = contraindications(ctx)
    forbidden = Forbidden(ctx, applied)  # what the contraindications rule out, for the plan and the self-care
    treatment = plan(ctx, applied, forbidden)
    return {
        "case_id": case.get("id"),
        "referral": referral,
        "red_flags": red_flags,
        "nerve_roots": nerve_roots,
        "differential": differential,
        "contraindications": [{k: v for k, v in c.items() if k != "stops_treatment"} for c in applied],
        "plan": treatment,
        "self_care": self_care(ctx, applied, treatment["treat"], forbidden),
        "pain_mechanism": pain_mechanism,
        "knowledge_base": {"version": kb.version},
        "disclaimer": DISCLAIMER,
    }


def _evaluation(case: dict[str, Any], kb: Any) -> Evaluation:
    """The case under assessment, with the facts its notes affirm where the record left them out."""
    read, used = with_notes(case, kb)
    ctx = Evaluation(read, kb)
    if used:
        ctx.note_labels = kb.note_evidence(used)
    return ctx


def self_care_choices(case: dict[str, Any], kb: Any) -> list[dict[str, Any]]:
    """Every self-care item of the knowledge base for this case, the engine's choice first.

    Each item says whether the engine chose it and, for one the client must
    not get, why: `ruled_out_by` (contraindication ids), `aggravates` (the
    finding it would aggravate), or `no_treatment` (a referral stops all care).
    The handout chooser offers the others.
    """
    ctx = _evaluation(case, kb)
    localise(ctx)
    run_kernel(ctx)
    referral, _ = screen(ctx)
    refer_conditions(ctx, referral, rank(ctx))
    judge(ctx)
    run_rules(ctx)
    applied = contraindications(ctx)
    forbidden = Forbidden(ctx, applied)
    treat = plan(ctx, applied, forbidden)["treat"]
    chosen = [item["id"] for item in self_care(ctx, applied, treat, forbidden)]
    avoided = avoided_self_care(ctx)
    out = []
    for sid in chosen + [s for s in kb.self_care_items if s not in chosen]:
        item = kb.self_care_items[sid]
        aggravates = (item["avoid_when"] or {}).get("finding") if sid in avoided else None
        out.append({"id": sid, **item["dosage"], "title": item["title"], "instructions": item["instructions"],
                    "chosen": sid in chosen, "no_treatment": not treat,
                    "ruled_out_by": [c["id"] for c in applied if sid in kb.contraindications[c["id"]]["forbids"]["self_care"]],
                    "aggravates": aggravates})
    return out
