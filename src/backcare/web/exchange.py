"""Exports and imports in the browser and the API: FHIR R4B Bundles, Bulk Data NDJSON (zipped) and CSV tables.

A whole clinic leaves as Bulk Data NDJSON, written to a private temporary folder
a hundred clients at a time and zipped there, then sent from the file: memory
stays flat at any size. An import is one transaction; a problem answers 422
naming the resource and field, and nothing is saved.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from ..fhir import BundleError, bundle_for, validate_bundle, write_ndjson
from ..records import Actor, FieldErrors, Forbidden, ImportReport, Records
from . import deps
from .api import ERRORS, NOT_FOUND
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["exchange"], responses=ERRORS)
MAX_IMPORT = 50 * 1024 * 1024  # an upload; larger clinics go through `backcare import fhir DIR`
MAX_UNZIPPED = 2 * 1024 * 1024 * 1024  # what an uploaded bulk export may unpack to


def _bundle(records: Records, actor: Actor, client_id: int) -> dict[str, Any]:
    exported = records.export_clients(actor, client_id, purpose="export.fhir")
    bundle = bundle_for(exported, records.clinic_details(actor).name)
    validate_bundle(bundle)  # never hand out what the R4B models refuse
    return bundle


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@api_router.get("/clients/{client_id}/fhir", responses={**NOT_FOUND, 200: {"content": {"application/fhir+json": {}},
                                                                          "description": "a FHIR R4B Bundle (collection)"}})
def client_fhir(client_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Response:
    """One client's whole record as a FHIR R4B Bundle (audited)."""
    bundle = _bundle(records, actor, client_id)
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json")


@router.get("/clients/{client_id}/fhir.json")
def client_fhir_download(client_id: int, session: CurrentSession = Depends(deps.session),
                         records: Records = Depends(deps.records)) -> Response:
    bundle = _bundle(records, session.actor, client_id)
    return _download(json.dumps(bundle, ensure_ascii=False, indent=1).encode(), "application/fhir+json",
                     f"backcare-client-{client_id}-{date.today()}.json")


def _admin(session: CurrentSession) -> Actor:
    if not session.actor.is_admin:
        raise Forbidden("admins only")
    return session.actor


@router.get("/admin/export")
def export_page(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    _admin(session)
    return render(request, "export.html", {"errors": {}, "report": None})


@router.get("/admin/export/fhir-ndjson.zip")
def clinic_fhir(session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    """The whole clinic as Bulk Data NDJSON in a zip, built in a private temporary folder and sent from the file."""
    actor = _admin(session)
    work = Path(tempfile.mkdtemp(prefix="backcare-export-"))
    try:
        write_ndjson(records.export_batches(actor, purpose="export.fhir"), work / "ndjson", records.clinic_details(actor).name)
        archive = work / "export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted((work / "ndjson").iterdir()):
                out.write(path, path.name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip", filename=f"backcare-clinic-{date.today()}-fhir-ndjson.zip",
                        headers={"Cache-Control": "no-store"}, background=BackgroundTask(shutil.rmtree, work, True))


@router.get("/admin/export/csv.zip")
def clinic_csv(session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    from ..records.tables import csv_zip

    return _download(csv_zip(records.export_clients(_admin(session), None, purpose="export.csv")), "application/zip",
                     f"backcare-clinic-{date.today()}-csv.zip")


def _unzip(upload: UploadFile, into: Path) -> Path:
    """A zipped bulk export, unpacked with its names and sizes checked (no paths outside, no zip bomb)."""
    try:
        archive = zipfile.ZipFile(upload.file)
    except zipfile.BadZipFile:
        raise BundleError("the zip file is damaged") from None
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise BundleError("the zip file unpacks to more than 2 GB: import it with `backcare import fhir`")
    for member in members:
        name = member.filename
        if "/" in name or "\\" in name or name.startswith(".") or member.is_dir():
            raise BundleError("the zip file holds folders or hidden files; it is not a backcare bulk export")
        with archive.open(member) as source, open(into / name, "wb") as target:
            shutil.copyfileobj(source, target)
    return into


def import_upload(records: Records, actor: Actor, upload: Any) -> ImportReport:
    """A Bundle (.json) or a zipped bulk export (.zip) from the Export page, imported in one transaction."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise BundleError("choose the file exported by backcare")
    if upload.size is not None and upload.size > MAX_IMPORT:
        raise BundleError("the file is larger than 50 MB: import it with `backcare import fhir`")
    head = upload.file.read(4)
    upload.file.seek(0)
    if head.startswith(b"PK"):
        with tempfile.TemporaryDirectory(prefix="backcare-import-") as work:
            return records.import_ndjson(actor, _unzip(upload, Path(work)))
    raw = upload.file.read(MAX_IMPORT + 1)
    if len(raw) > MAX_IMPORT:
        raise BundleError("the file is larger than 50 MB: import it with `backcare import fhir`")
    try:
        bundle = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BundleError("the file is not a backcare FHIR Bundle (not JSON)") from None
    return records.import_bundle(actor, bundle)


def _problems(exc: BundleError | FieldErrors) -> dict[str, str]:
    if isinstance(exc, FieldErrors):
        return exc.errors
    return {exc.where or "file": exc.message}


@router.post("/admin/import")
def import_page(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                records: Records = Depends(deps.records)) -> Response:
    actor = _admin(session)
    try:
        report = import_upload(records, actor, form.get("bundle"))
    except (BundleError, FieldErrors) as exc:
        return render(request, "export.html", {"errors": {"bundle": "Nothing was imported."}, "problems": _problems(exc),
                                               "report": None}, 422)
    return render(request, "export.html", {"errors": {}, "report": report})


class ImportOut(BaseModel):
    imported: list[int]
    matched: list[dict[str, Any]]
    counts: dict[str, int]


def _report(report: ImportReport) -> ImportOut:
    return ImportOut(imported=report.imported, matched=[{"identifier": i, "client_id": c} for i, c in report.matched],
                     counts=report.counts)


@api_router.post("/import/fhir", response_model=ImportOut, openapi_extra={"requestBody": {
    "required": True, "description": "A FHIR R4B Bundle exported by backcare (at most 50 MB)",
    "content": {"application/fhir+json": {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}}}},
    responses={422: {"description": "nothing was imported; `errors` names each resource and field"}})
def import_api(actor: Actor = Depends(deps.actor), body: bytes = Depends(deps.raw_body),
               records: Records = Depends(deps.records)) -> Response:
    """Import a Bundle exported by backcare into your clinic (admins), all or nothing.

    A client already here (same identifier) is reported under `matched` and not
    added again. Signatures from the other system stay, marked as imported."""
    if not actor.is_admin:
        raise Forbidden("admins only")
    try:
        bundle = orjson.loads(body)
        report = records.import_bundle(actor, bundle)
    except orjson.JSONDecodeError:
        return JSONResponse({"detail": "The request body is not valid JSON."}, status_code=400)
    except (BundleError, FieldErrors) as exc:
        return JSONResponse({"detail": "Nothing was imported.", "errors": _problems(exc)}, status_code=422)
    return JSONResponse(_report(report).model_dump())
