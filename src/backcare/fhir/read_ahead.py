"""A bulk export read in a second process, ahead of the import that writes it (records.importing).

A whole clinic's import spends about half its time reading: parsing each line,
turning resources into items and checking each visit's assessment
(fhir.reading). `python -m backcare.fhir.read_ahead DIR` does that in its own
process while the import writes, and streams the items back in order, a few
hundred at a time; the pipe between the two holds about one batch, so memory
stays flat. What the reading finds wrong (BundleError) is raised in the import
at the same place in the stream. The data on the pipe is made by this module's
own code, read from the file, never the file's bytes themselves.
"""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from .bulk_reading import ndjson_resources
from .reading import BundleError, items

CHUNK = 200  # items sent at a time
PIPE_SIZE = 1 << 20


def read_ahead(directory: Path) -> Iterator[dict[str, Any]]:
    """The import items of a bulk export (as fhir.items(ndjson_resources(directory))), read by another process."""
    process = subprocess.Popen([sys.executable, "-m", "backcare.fhir.read_ahead", str(directory)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, bufsize=PIPE_SIZE)
    _widen(process.stdout)
    try:
        while True:
            try:
                kind, payload = pickle.load(process.stdout)  # type: ignore[arg-type]
            except EOFError:
                raise RuntimeError(f"the process reading {directory} stopped (exit status {process.wait()})") from None
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise BundleError(*payload)
            else:
                return
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()  # type: ignore[union-attr]


def _widen(pipe: Any) -> None:
    """A pipe that holds a whole batch (Linux's default holds 64 KB): the reader then rarely waits on the writer."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a smaller limit: only slower


def _send(out: BinaryIO, kind: str, payload: Any) -> None:
    pickle.dump((kind, payload), out, protocol=pickle.HIGHEST_PROTOCOL)


def _read(directory: Path, out: BinaryIO) -> None:
    chunk: list[dict[str, Any]] = []
    try:
        for item in items(ndjson_resources(directory)):
            chunk.append(item)
            if len(chunk) >= CHUNK:
                _send(out, "items", chunk)
                chunk = []
    except BundleError as exc:
        _send(out, "items", chunk)
        _send(out, "error", (exc.message, exc.where))
    else:
        _send(out, "items", chunk)
        _send(out, "done", None)
    out.flush()


if __name__ == "__main__":
    # Ctrl-C reaches the import, which stops this process; so does the import's end, whatever it is.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The items go to the original standard output; anything else printed goes to standard error instead.
    stream = os.fdopen(os.dup(1), "wb", buffering=PIPE_SIZE)
    os.dup2(2, 1)
    try:
        _read(Path(sys.argv[1]), stream)
    except BrokenPipeError:  # the import stopped reading (it failed, or was stopped)
        os._exit(1)
