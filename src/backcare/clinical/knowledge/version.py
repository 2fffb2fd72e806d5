"""The knowledge-base version: a content hash of the data files and the vocabulary.

Every assessment records it, so a stored assessment can always be traced to the
exact rules that produced it. os.path rather than pathlib keeps the CLI's
start-up light: this module is on its fast path.
"""
from __future__ import annotations

import os

try:  # CPython's own SHA-256 (the same digest): importing hashlib first loads OpenSSL, 3 ms of the CLI's start
    from _sha256 import sha256
except ImportError:  # pragma: no cover - other interpreters, or Python 3.12+ (_sha2)
    try:
        from _sha2 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(PACKAGE_DIR, "knowledge", "data")
GENERATED_FILE = os.path.join(PACKAGE_DIR, "_generated", "knowledge.json")
VOCABULARY_FILE = os.path.join(PACKAGE_DIR, "vocabulary.yaml")


def data_files() -> list[str]:
    names = sorted(n for n in os.listdir(DATA_DIR) if n.endswith(".yaml"))
    return [VOCABULARY_FILE, *(os.path.join(DATA_DIR, n) for n in names)]


def content_version() -> str:
    digest = sha256()
    for path in data_files():
        with open(path, "rb") as fh:
            content = fh.read()
        digest.update(os.path.basename(path).encode())
        digest.update(b"\0")
        # Normalise line endings so a checkout on Windows hashes the same.
        digest.update(content.replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return "kb-" + digest.hexdigest()[:16]
