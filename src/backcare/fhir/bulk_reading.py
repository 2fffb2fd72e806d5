"""Reading a folder of Bulk Data NDJSON (fhir.bulk writes it) as the resources the import reads (fhir.reading).

The files are read a line at a time, in the order the import needs them
(reading.IMPORT_ORDER). A visit's note (Composition) and the note's signature
and amendments (Provenance) are read beside the visit: backcare writes the
three files in the same order, so the next line of each names the visit just
read, and the import then writes each visit whole, once, instead of writing it
and then rewriting it twice. A line that does not name the visit just read
(a file written some other way) waits, and with everything after it in its file
is read in its own turn, as before: each line is read exactly once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Iterator

from .reading import IMPORT_ORDER, MANIFEST, SKIM, BundleError, _loads

MAX_LINE = 8 * 1024 * 1024  # one resource; a visit with its findings is a few tens of kilobytes
# What is read beside a resource of a kind: the kind, and the reference by which it names that resource.
BESIDE = {"Encounter": ("Composition", ("encounter", "reference")), "Composition": ("Provenance", ("target", 0, "reference"))}


def read_manifest(directory: Path) -> dict[str, tuple[Path, int | None]]:
    """The NDJSON files of a bulk export, by resource type, with the count the manifest gives for each."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BundleError(f"{directory} has no {MANIFEST}: not a finished backcare bulk export")
    manifest = _loads(path.read_bytes(), MANIFEST)
    files: dict[str, tuple[Path, int | None]] = {}
    for entry in manifest.get("output", []) if isinstance(manifest, dict) else []:
        name = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
            raise BundleError("lists a file outside its folder", MANIFEST)
        count = entry.get("count")
        files[entry.get("type")] = (directory / name, count if isinstance(count, int) else None)
    return files


class _Lines:
    """One NDJSON file's resources, a line at a time; the next one can be looked at and left for later."""

    def __init__(self, kind: str, path: Path, count: int | None):
        if not path.is_file():
            raise BundleError(f"{path.name}, which the manifest lists, is missing")
        self.kind, self.path, self.count = kind, path, count
        self.file: BinaryIO = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self.number = 0
        self.waiting: tuple[str, dict[str, Any]] | None = None

    def next(self) -> tuple[str, dict[str, Any]] | None:
        """The next resource (its key and its data), or None at the end of the file."""
        if self.waiting is not None:
            found, self.waiting = self.waiting, None
            return found
        while line := self.file.readline(MAX_LINE + 1):  # never more than one resource's worth in memory
            self.number += 1
            where = f"{self.path.name} line {self.number}"
            if len(line) > MAX_LINE:
                raise BundleError("is longer than a resource can be", where)
            if not line.strip() or (self.kind in SKIM and SKIM[self.kind] not in line):
                continue
            resource = _loads(line, where)
            if not isinstance(resource, dict) or resource.get("resourceType") != self.kind or not isinstance(resource.get("id"), str):
                raise BundleError(f"is not a {self.kind} with an id", where)
            return f"{self.kind}/{resource['id']}", resource
        return None

    def next_naming(self, key: str, path: tuple[str | int, ...]) -> tuple[str, dict[str, Any]] | None:
        """The next resource when it names `key` at `path`; otherwise None, and it waits for its turn."""
        found = self.next()
        if found is not None and _at(found[1], path) != key:
            self.waiting, found = found, None
        return found

    def close(self) -> None:
        self.file.close()
        if self.count is not None and self.number != self.count:
            raise BundleError(f"holds {self.number} resources where the manifest lists {self.count}: the file is incomplete",
                              self.path.name)


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def ndjson_resources(directory: Path) -> Iterator[tuple[str, str, Any]]:
    """A bulk export's resources, in the order the import reads them (see the module's docstring)."""
    files = read_manifest(directory)
    opened: dict[str, _Lines] = {}

    def lines(kind: str) -> _Lines | None:
        if kind not in opened and kind in files:
            opened[kind] = _Lines(kind, *files[kind])
        return opened.get(kind)

    def beside(kind: str, key: str) -> Iterator[tuple[str, str, Any]]:
        """What names the resource just read, from the files read beside it (a note, then its signature and amendments)."""
        if kind not in BESIDE:
            return
        other, path = BESIDE[kind]
        companion = lines(other)
        while companion is not None and (found := companion.next_naming(key, path)) is not None:
            yield other, *found
            yield from beside(other, found[0])

    try:
        for kind in IMPORT_ORDER:
            reader = lines(kind)
            if reader is None:
                continue
            while (found := reader.next()) is not None:
                yield kind, *found
                yield from beside(kind, found[0])
            reader.close()
    finally:
        for reader in opened.values():
            reader.file.close()
