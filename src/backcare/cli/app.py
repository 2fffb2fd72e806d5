"""The Typer application: it parses options and calls the library, nothing more."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="backcare",
    help="Low back pain assessment support for manual therapists. "
    "It supports clinical judgement; it does not diagnose.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CaseFiles = Annotated[list[Path], typer.Argument(help="Case files (YAML or JSON).", show_default=False)]


class Format(str, Enum):
    text = "text"
    json = "json"


def _fail(lines: list[str]) -> None:
    for line in lines:
        sys.stderr.write(line + "\n")
    raise typer.Exit(2)


def _load_all(paths: list[Path]):
    """Every case, or exit 2 after listing the problems of all files at once."""
    from ..clinical.caseio import load_case
    from ..clinical.errors import CaseError

    cases, problems = [], []
    for path in paths:
        try:
            cases.append(load_case(path))
        except CaseError as exc:
            problems += [f"{path}: {p}" for p in exc.problems]
    if problems:
        _fail(problems)
    return cases


@app.command()
def assess(
    cases: CaseFiles,
    format: Annotated[Format, typer.Option("--format", "-f", help="text for a therapist, json for other tools.")] = Format.text,
) -> None:
    """Assess cases: red flags and referral first, then nerve roots, differential, precautions, plan and self-care."""
    from ..clinical.api import assess_data

    loaded = _load_all(cases)
    results = [assess_data(case.findings()) for case in loaded]
    if format is Format.json:
        from .output import assessments_json

        sys.stdout.write(assessments_json(results) + "\n")
        return
    from .text import render_assessments

    render_assessments(results, [str(p) for p in cases])


@app.command()
def validate(cases: CaseFiles) -> None:
    """Check case files against the case format without assessing them."""
    _load_all(cases)
    for path in cases:
        sys.stdout.write(f"{path}: valid\n")


@app.command()
def knowledge(
    topic: Annotated[Optional[str], typer.Argument(help="A topic, or the id of one entry; leave out to list the topics.")] = None,
) -> None:
    """List and show the knowledge base, with the source of every entry."""
    from .knowledge_view import show

    if not show(topic):
        _fail([f"knowledge: no topic or entry named {topic!r}; run `backcare knowledge` for the topics"])


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
export_app = typer.Typer(help="Export records: FHIR R4B or CSV.", no_args_is_help=True)
import_app = typer.Typer(help="Import records exported by backcare.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
reminders_app = typer.Typer(help="The home programme's weekly check-in reminders.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
app.add_typer(audit_app, name="audit")
app.add_typer(reminders_app, name="reminders")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the database (BACKCARE_DATABASE_URL, default SQLite in ./instance)."""
    from ..storage.db import database_url

    _records()
    sys.stdout.write(f"database is up to date: {_safe_url(database_url())}\n")


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="The backup file to write (replaced only by a checked backup).")]) -> None:
    """Back up the database while the server runs: SQLite's online backup, or pg_dump for PostgreSQL; checked before it is kept."""
    from ..storage.backup import BackupError, backup
    from ..storage.db import database_url

    try:
        result = backup(database_url(), file)
    except BackupError as exc:
        _fail([f"db backup: {exc}"])
    sys.stdout.write(f"backed up {_safe_url(database_url())} to {result.path}: {result.detail}\n")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A file written by `backcare db backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds records (stop the server first).")] = False,
) -> None:
    """Restore a backup into the database (refuses to replace one that holds records without --force), then upgrade it."""
    from ..storage.backup import BackupError, restore
    from ..storage.db import database_url, upgrade

    try:
        what = restore(database_url(), file, force=force)
    except BackupError as exc:
        _fail([f"db restore: {exc}"])
    upgrade()
    sys.stdout.write(f"restored {what} from {file} into {_safe_url(database_url())}; schema up to date\n")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _bulk_collector() -> None:
    """A whole clinic's export or import makes millions of short-lived objects; the cyclic garbage collector,
    run at its default pace over everything loaded, would cost more than the work (measured: about three times)."""
    import gc

    gc.collect()
    gc.freeze()  # what is loaded by now lives until the command ends: never scan it again
    gc.set_threshold(100_000, 50, 100)


def _records():
    from sqlalchemy.exc import OperationalError

    from ..records import Records
    from ..storage.db import database_url, make_engine, make_sessionmaker, upgrade

    try:
        upgrade()
    except (OSError, OperationalError) as exc:
        # A read-only folder, a full disk, a server that refuses: say which database and why, not a traceback.
        reason = getattr(exc, "strerror", None) or str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail([f"cannot open or update the database {_safe_url(database_url())}: {reason}",
               "check that the folder exists and this user may write to it (or that the database server is up)"])
    engine = make_engine()
    return Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Password (10 characters or more)", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    admin: Annotated[bool, typer.Option("--admin", help="Create a new clinic with this user as its admin.")] = False,
    clinic: Annotated[str, typer.Option(help="Clinic name (with --admin).")] = "My clinic",
) -> None:
    """Create the first account: `backcare user create --admin --email you@clinic --name "..."`.

    The password is asked for (or read from standard input when piped)."""
    from ..records import FieldErrors

    if not admin:
        _fail(["user create: add further users from the web app (Users page); use --admin to bootstrap a clinic"])
    records = _records()
    try:
        actor = records.create_clinic_with_admin(clinic, email, name, _read_password())
    except FieldErrors as exc:
        _fail([f"user create: {field}: {message}" for field, message in exc.errors.items()])
    sys.stdout.write(f"created admin {email} (user {actor.user_id}) for clinic {clinic!r}\n")


ActAs = Annotated[Optional[str], typer.Option("--user", help="E-mail of the account to act as (audited as them); "
                                                               "may be left out when the database has one clinic with one admin.")]


@export_app.command("fhir")
def export_fhir(
    client: Annotated[Optional[int], typer.Option("--client", help="One client's id: a Bundle on standard output.")] = None,
    bulk: Annotated[Optional[Path], typer.Option("--bulk", help="A new folder: the whole clinic as Bulk Data NDJSON (admins).")] = None,
    user: ActAs = None,
) -> None:
    """One client as a FHIR R4B Bundle (`--client ID > bundle.json`), or the whole clinic as Bulk Data NDJSON (`--bulk DIR`)."""
    import json

    from ..fhir import bundle_for, validate_bundle, write_ndjson
    from ..records import FieldErrors, Forbidden, NotFound

    if (client is None) == (bulk is None):
        _fail(["export fhir: give --client ID (one client's Bundle) or --bulk DIR (the whole clinic)"])
    records = _records()
    try:
        actor = records.command_line_actor(user)
        if bulk is not None:
            _bulk_collector()
            manifest = write_ndjson(records.export_batches(actor, purpose="export.fhir"), bulk, records.clinic_details(actor).name)
            counts = ", ".join(f"{o['count']} {o['type']}" for o in manifest["output"])
            sys.stdout.write(f"wrote {bulk}: {counts or 'no records'}\n")
            return
        exported = records.export_clients(actor, client, purpose="export.fhir")
    except FieldErrors as exc:
        _fail([f"export fhir: {message}" for message in exc.errors.values()])
    except (Forbidden, NotFound) as exc:
        _fail([f"export fhir: {'no such client in your clinic' if isinstance(exc, NotFound) else 'the whole clinic needs an admin'}"])
    except OSError as exc:
        _fail([f"export fhir: {exc.strerror or exc}: {exc.filename or bulk}"])
    bundle = bundle_for(exported, records.clinic_details(actor).name)
    validate_bundle(bundle)
    sys.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=1) + "\n")


@export_app.command("csv")
def export_csv(
    out: Annotated[Path, typer.Option("--out", help="The zip file to write (clients, visits, scores, treatments, consents as CSV).")],
    user: ActAs = None,
) -> None:
    """Write every client's details, visits and scores as CSV tables in one zip file (admins)."""
    from ..records import FieldErrors, Forbidden
    from ..records.tables import csv_zip

    records = _records()
    try:
        exported = records.export_clients(records.command_line_actor(user), None, purpose="export.csv")
    except (FieldErrors, Forbidden):
        _fail(["export csv: act as an admin of the clinic (--user EMAIL)"])
    out.write_bytes(csv_zip(exported))
    sys.stdout.write(f"wrote {out} ({len(exported)} clients)\n")


@import_app.command("fhir")
def import_fhir(
    source: Annotated[Path, typer.Argument(help="A Bundle file (`export fhir --client`) or a Bulk Data folder (`export fhir --bulk`).")],
    user: ActAs = None,
) -> None:
    """Import records exported by backcare into the acting admin's clinic, all or nothing (a clinic moving servers)."""
    import orjson

    from ..fhir import BundleError
    from ..records import FieldErrors, Forbidden

    records = _records()
    try:
        actor = records.command_line_actor(user)
        _bulk_collector()
        if source.is_dir():
            report = records.import_ndjson(actor, source)
        else:
            report = records.import_bundle(actor, orjson.loads(source.read_bytes()))
    except (FieldErrors, BundleError) as exc:
        problems = exc.errors if isinstance(exc, FieldErrors) else {exc.where or str(source): exc.message}
        _fail(["import fhir: nothing was imported:"] + [f"  {where}: {message}" for where, message in problems.items()])
    except Forbidden:
        _fail(["import fhir: act as an admin of the clinic (--user EMAIL)"])
    except orjson.JSONDecodeError as exc:
        _fail([f"import fhir: {source} is not JSON: {exc}"])
    except OSError as exc:
        _fail([f"import fhir: {exc.strerror or exc}: {exc.filename or source}"])
    ids = report.imported
    sys.stdout.write(f"imported {len(ids)} clients: {', '.join(map(str, ids[:20]))}{' ...' if len(ids) > 20 else ''}\n")
    if report.matched:
        sys.stdout.write(f"{len(report.matched)} clients were already here (same identifier), not imported again: "
                         + ", ".join(str(c) for _, c in report.matched[:20]) + "\n")


@audit_app.command("verify")
def audit_verify(clinic: Annotated[Optional[int], typer.Option("--clinic", help="One clinic's id; every clinic without it.")] = None) -> None:
    """Check each clinic's audit chain and name the first event changed or removed (exit 1 if any chain is broken)."""
    reports = _records().verify_audit(clinic)
    for r in reports:
        state = f"BROKEN: {r.broken}" if r.broken else f"intact, head {r.head[:16]}"
        sys.stdout.write(f"clinic {r.clinic_id} ({r.clinic}): {r.events} events checked, chain {state}\n")
    if not reports:
        _fail(["audit verify: no such clinic"])
    if any(r.broken for r in reports):
        raise typer.Exit(1)


@reminders_app.command("send")
def reminders_send(
    listing: Annotated[Optional[bool], typer.Option("--list/--no-list", help="Name each client due (default: only on a terminal, "
                                                    "so that a timer's log holds no names).")] = None,
) -> None:
    """Send the weekly check-in reminders due, and e-mail clinics about flagged check-ins not yet e-mailed.

    Once each, however often it runs and on however many servers at once (one sends, under a
    database lock). Without an SMTP server (BACKCARE_SMTP_HOST) it sends nothing and lists what
    to send; the client's Home programme page gives a reminder to copy."""
    from ..web.homecare.outbox import run_reminders
    from ..web.mail import configured
    from ..web.settings import Settings

    settings = Settings()
    if configured(settings) and not settings.public_url:
        _fail(["reminders send: set BACKCARE_PUBLIC_URL, the address clients use to reach backcare (reminders carry their link)"])
    show = sys.stdout.isatty() if listing is None else listing

    def listed(title: str, due) -> None:
        sys.stdout.write(f"{title}: {len(due)}\n")
        for d in due if show else []:
            sys.stdout.write(f"  {d.clinic}: {d.client_name} (client {d.client_id}) <{d.email or 'no e-mail address'}>, week of {d.week_of}\n")

    result = run_reminders(_records(), settings, settings.public_url or "")
    if not result.held:
        sys.stdout.write("another server is sending the reminders now: nothing to do here\n")
    elif not result.mailing:
        listed("check-in reminders due (no SMTP server is set, so none was sent)", result.due)
        sys.stdout.write("send each from the client's Home programme page (Reminder of the weekly check-in, to copy)\n")
    else:
        sys.stdout.write(f"reminders sent: {len(result.sent)}\n")
        listed("due but the client has no e-mail address (send by hand)", result.without_email)
        for due, why in result.failed:
            sys.stdout.write(f"not sent ({why}), tried again next time: client {due.client_id}\n")
        sys.stdout.write(f"clinic alerts sent: {result.alerts}\n")
        if result.failed or result.alerts_failed:
            raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (all state is in the database or Redis).")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Also create a demo clinic and print its logins.")] = False,
    ssl_certfile: Annotated[Optional[Path], typer.Option(help="TLS certificate, to serve HTTPS to other devices.")] = None,
    ssl_keyfile: Annotated[Optional[Path], typer.Option(help="TLS private key for --ssl-certfile.")] = None,
) -> None:
    """Run the clinic web app (SQLite in ./instance unless BACKCARE_DATABASE_URL is set).

    Behind a reverse proxy, set BACKCARE_TRUSTED_PROXIES to its address so that the
    client's address (X-Forwarded-For) is believed from it and from nobody else."""
    from ..web.serving import serve as run_server
    from ..web.serving import refuse_if_served

    records = _records()
    if demo:
        from ..web.demo import create_demo

        for email, password in create_demo(records).items():
            sys.stdout.write(f"demo login: {email}  password: {password}\n")
    if bool(ssl_certfile) != bool(ssl_keyfile):
        _fail(["serve: give both --ssl-certfile and --ssl-keyfile, or neither"])
    try:
        refuse_if_served(host, port)
    except OSError as exc:
        _fail([f"serve: {exc}"])
    scheme = "https" if ssl_certfile else "http"
    sys.stdout.write(f"backcare is running at {scheme}://{host}:{port} with {workers} worker(s)  (Ctrl+C to stop)\n")
    sys.stdout.flush()
    try:
        run_server(host, port, workers, str(ssl_certfile) if ssl_certfile else None, str(ssl_keyfile) if ssl_keyfile else None)
    except OSError as exc:  # the port taken meanwhile, or not ours to use
        _fail([f"serve: cannot listen on {host}:{port}: {exc.strerror or exc}"])


def run_app(args: list[str]) -> int:
    try:
        app(args=args, prog_name="backcare")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0
