"""A whole clinic as FHIR Bulk Data: one NDJSON file per resource type, written as records stream in.

The same resources as a Bundle (bundle.write_record), one JSON object a line,
each with its own id, and references in the relative form (`Patient/<id>`).
Records arrive a batch at a time and their lines go straight to the files, so
memory stays flat whatever the clinic's size. `manifest.json` follows the Bulk
Data export manifest (each file, its type and its count), written last: a folder
without it is an export that did not finish, and the import refuses it.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterable

import orjson

from .bundle import Writer, resource_id, write_record

MANIFEST = "manifest.json"


class BulkWriter(Writer):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self.files: dict[str, BinaryIO] = {}
        self.counts: dict[str, int] = {}

    def add(self, resource: dict[str, Any], kind: str, key: Any) -> str:
        ident = resource_id(kind, key)
        out = self.files.get(kind)
        if out is None:
            out = self.files[kind] = open(self.directory / f"{kind}.ndjson", "wb")  # noqa: SIM115 - closed in finish
            self.counts[kind] = 0
        out.write(orjson.dumps({"resourceType": kind, "id": ident, **resource}, option=orjson.OPT_APPEND_NEWLINE))
        self.counts[kind] += 1
        return f"{kind}/{ident}"

    def finish(self, clinic: str) -> dict[str, Any]:
        for out in self.files.values():
            out.flush()
            os.fsync(out.fileno())
            out.close()
        manifest = {"transactionTime": datetime.now(timezone.utc).isoformat(), "request": f"backcare export of {clinic}",
                    "requiresAccessToken": False, "error": [],
                    "output": [{"type": kind, "url": f"{kind}.ndjson", "count": n} for kind, n in sorted(self.counts.items())]}
        (self.directory / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return manifest


def write_ndjson(batches: Iterable[list[dict[str, Any]]], directory: Path, clinic: str = "") -> dict[str, Any]:
    """Write every record of `batches` (records.export_batches) to `directory`, which must be empty or new."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; choose a new folder for the export")
    os.chmod(directory, 0o700)  # health data: the clinic's account only
    writer = BulkWriter(directory)
    try:
        for batch in batches:
            for record in batch:
                write_record(writer, record)
            batch = record = None  # not held while the next batch is read: one batch in memory at a time
    except BaseException:
        for out in writer.files.values():
            out.close()
        raise
    return writer.finish(clinic)
