"""The client's pre-visit intake, a domain on the clinical core: what the answers may be
(`answers.validate`), the case they describe (`to_case`) and the engine's red-flag screening of
it (`screen`). Pure: the records keep the links and answers, the web app shows the form.

It may import the clinical core, the outcomes domain (the intake scores the questionnaires the
therapist chose) and the shared safe-text rules; never records, storage, the web or the CLI."""
from __future__ import annotations

from .answers import IntakeAnswers, IntakeError, screen, to_case, validate

__all__ = ["IntakeAnswers", "IntakeError", "screen", "to_case", "validate"]
