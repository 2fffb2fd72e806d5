"""Text that every layer can store and send back: bounded, no NUL, no lone surrogates.

A NUL byte is refused by PostgreSQL and a lone surrogate ("\\ud800") cannot be
encoded as UTF-8, so either would be accepted, saved and then fail on every
read. They are refused at the input, with the field's name, like any other
invalid value.

A shared leaf at the package root: it imports nothing from backcare, and the
core, the domains and the adapters all use it.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field


def is_text(value: str) -> bool:
    """True when the value can be stored and sent back (see check_text)."""
    try:
        check_text(value)
    except ValueError:
        return False
    return True


def check_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a character that is not valid text (a lone surrogate); retype it") from None
    return value


# The same rule as a JSON-schema pattern, so that validators compiled from the
# schema (the command line's fast path) accept exactly what pydantic accepts.
TEXT_PATTERN = "^[^\\u0000\\ud800-\\udfff]*$"


def SafeText(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - a type factory
    """A str field bounded in length whose text can always be stored and read back."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, json_schema_extra={"pattern": TEXT_PATTERN}),
                     AfterValidator(check_text)]


# Limits by kind of field, so that every text field has one.
SHORT = 200  # names, e-mail addresses, identifiers
LINE = 500  # one line of free text
HISTORY = 4000  # the history in words: a therapist's notes, or a published report's paragraph
NOTE = 20_000  # a SOAP section or an amendment


# Characters that change how a name is shown without being part of it: the
# bidirectional overrides, embeddings and isolates (U+202E turns "nhoJ" into what
# reads as "John"), marks, zero-width spaces, the word joiner and byte-order mark,
# invisible operators, and every control character. The zero-width joiner and
# non-joiner stay when they join two letters: Persian and Indic names need them.
_HIDDEN = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C, 0x200B, 0x2060, 0x2061,
                                                                        0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E}
_JOINERS = {0x200C, 0x200D}


def check_name(value: str) -> str:
    """A person's or a clinic's name as it will be shown: printable, without hidden or direction-changing characters."""
    import unicodedata

    check_text(value)
    for i, ch in enumerate(value):
        code = ord(ch)
        if code in _JOINERS:
            if 0 < i < len(value) - 1 and value[i - 1].isalpha() and (value[i + 1].isalpha() or unicodedata.category(value[i + 1])[0] == "M"):
                continue
            raise ValueError("contains an invisible joining character outside a word; remove it")
        if code in _HIDDEN or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
            raise ValueError(f"contains an invisible or control character (U+{code:04X}); retype the name")
    return value


def NameText(max_length: int) -> Any:  # noqa: N802 - a type factory
    """A required name: bounded, storable, and shown as typed (see check_name)."""
    return Annotated[str, Field(min_length=1, max_length=max_length), AfterValidator(check_name)]
