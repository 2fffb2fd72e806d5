"""Vocabulary ids in the therapist's words (the vocabulary's text up to its first note)."""
from __future__ import annotations

from ..clinical.vocabulary import vocabulary


def name(table: str, ident: str) -> str:
    text = getattr(vocabulary(), table).get(ident, ident.replace("_", " "))
    return text.split(" (")[0].split(";")[0]


def entry_words(technique: str, targets: list[str]) -> str:
    return f"{name('techniques', technique)} ({', '.join(name('structures', t) for t in targets)})"
