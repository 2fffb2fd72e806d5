"""The `backcare` command.

`main` first offers the arguments to the fast path, which handles only the
machine-facing `backcare assess FILE.json... --format json` and needs neither
Typer, Rich nor pydantic (other tools call it once per case, so start-up time
counts). Everything else, and any case the fast path is unsure of, goes to the
Typer application, which gives full help and error messages.

The top adapter: it may import every layer below (the web app to serve it,
records, storage, fhir, the clinical core); only `python -m backcare` imports it.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    from .fast import try_fast_assess

    try:
        code = try_fast_assess(args)
        if code is not None:
            return code
        from .app import run_app

        return run_app(args)
    except BrokenPipeError:
        # The reader went away (`backcare assess case.yaml | head`): stop quietly, as other tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
