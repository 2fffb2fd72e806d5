"""The knowledge-base version: a content hash of the data files and the vocabulary.

Every assessment records it, so a stored assessment can be traced to the exact
rules that produced it. Light on purpose: the CLI's fast path imports it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
GENERATED_FILE = PACKAGE_DIR / "_generated" / "knowledge.json"
VOCABULARY_FILE = PACKAGE_DIR / "vocabulary.yaml"


def content_version() -> str:
    digest = hashlib.sha256()
    for path in [VOCABULARY_FILE, *sorted(DATA_DIR.glob("*.yaml"))]:
        digest.update(path.name.encode())
        digest.update(b"\0")
        # Normalise line endings so a checkout on Windows hashes the same.
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return "kb-" + digest.hexdigest()[:16]
