"""Negation-safe reading of free text: which words are mentioned as present.

Free text is weak evidence (case-format.md) and must respect negation: "no
fall, no lifting" mentions neither a fall nor lifting. This follows NegEx
(Chapman et al. 2001): a negation cue ("no", "denies", "without", "never"...)
negates the words after it until a clause ends (full stop, semicolon, colon, a
contrast such as "but") or a few words have passed. A list after one cue stays
negated ("denies numbness, tingling or weakness"). A word mentioned both
negated and affirmed elsewhere counts as affirmed: the safer reading.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Cues that negate what follows, with the contractions written without their apostrophe.
_CUES = frozenset({"no", "not", "denies", "denied", "deny", "denying", "without", "never", "nor",
                   "neither", "none", "negative", "free", "absent", "nil", "absence",
                   "dont", "doesnt", "didnt", "hasnt", "havent", "hadnt", "wasnt", "isnt", "cant", "wont"})
# Words that end a negation's reach inside a clause: a contrast or a new event.
_TERMINATORS = frozenset({"but", "however", "although", "though", "except", "yet", "apart", "aside", "then",
                          "since", "after", "until", "which", "who", "whereas", "while", "still", "now"})
_CLAUSE_END = re.compile(r"[.;:!?\n()]+")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|,")
# How many words a cue reaches (NegEx uses a window of about five).
_REACH = 6


@lru_cache(maxsize=512)
def affirmed_words(text: str) -> frozenset[str]:
    """The words of `text` (lower case) that are not inside a negation's reach.

    Cached: several rules read the same mechanism text in one assessment."""
    affirmed: set[str] = set()
    for clause in _CLAUSE_END.split(text.lower()):
        reach = 0
        for token in _TOKEN.findall(clause):
            if token == ",":
                continue
            word = token.replace("'", "")
            if word in _CUES:
                reach = _REACH
                continue
            if word in _TERMINATORS:
                reach = 0
                continue
            if reach:
                reach -= 1
                continue
            affirmed.add(word)
    return frozenset(affirmed)
