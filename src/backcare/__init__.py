"""backcare: decision support for manual therapists assessing low back pain.

It supports a therapist's clinical judgement; it does not diagnose.

    from backcare import Case, assess
    assessment = assess(Case.model_validate({...}))

Names are imported on first use so that `backcare.cli` starts quickly.

The packages are layers (README, "Layout"): `clinical` is the pure clinical
core; `outcomes` and `intake` are domains built on it; `fhir` sits above them;
`storage`, `records`, `web` and `cli` are the adapters around them; `safetext`
is a shared leaf. This module imports only the clinical core.
"""
from __future__ import annotations

TYPE_CHECKING = False  # not from typing: importing it would slow the CLI start

__version__ = "0.1.0"
__all__ = ["Assessment", "Case", "CaseError", "assess", "load_case", "loads_case", "parse_case"]

_LAZY = {
    "Assessment": ".clinical.assessment",
    "Case": ".clinical.case",
    "CaseError": ".clinical.errors",
    "assess": ".clinical.api",
    "load_case": ".clinical.caseio",
    "loads_case": ".clinical.caseio",
    "parse_case": ".clinical.caseio",
}

if TYPE_CHECKING:  # pragma: no cover
    from .clinical.api import assess
    from .clinical.assessment import Assessment
    from .clinical.case import Case
    from .clinical.caseio import load_case, loads_case, parse_case
    from .clinical.errors import CaseError


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'backcare' has no attribute {name!r}")
