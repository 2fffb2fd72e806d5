"""Exports and imports in the browser and the API: FHIR R4B Bundles and CSV tables."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from ..fhir import BundleError, bundle_for, records_from_bundle, validate_bundle
from ..records import Actor, FieldErrors, Forbidden, Records
from . import deps
from .api import ERRORS, NOT_FOUND
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["exchange"], responses=ERRORS)
MAX_IMPORT = 50 * 1024 * 1024  # a clinic's whole Bundle; larger ones go through `backcare import fhir`


def _bundle(records: Records, actor: Actor, client_id: int | None) -> dict[str, Any]:
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


@router.get("/admin/export")
def export_page(request: Request, imported: str = "", session: CurrentSession = Depends(deps.session)) -> Response:
    if not session.actor.is_admin:
        raise Forbidden("admins only")
    return render(request, "export.html", {"errors": {}, "imported": imported})


@router.get("/admin/export/fhir.json")
def clinic_fhir(session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    bundle = _bundle(records, session.actor, None)
    return _download(json.dumps(bundle, ensure_ascii=False).encode(), "application/fhir+json", f"backcare-clinic-{date.today()}.json")


@router.get("/admin/export/csv.zip")
def clinic_csv(session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    from ..records.tables import csv_zip

    return _download(csv_zip(records.export_clients(session.actor, None, purpose="export.csv")), "application/zip",
                     f"backcare-clinic-{date.today()}-csv.zip")


@router.post("/admin/import")
def import_bundle(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                  records: Records = Depends(deps.records)) -> Response:
    if not session.actor.is_admin:
        raise Forbidden("admins only")
    upload = form.get("bundle")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BundleError("choose the Bundle file exported by backcare")
        raw = upload.file.read(MAX_IMPORT + 1)
        if len(raw) > MAX_IMPORT:
            raise BundleError("the file is larger than 50 MB: import it with `backcare import fhir`")
        parsed = records_from_bundle(json.loads(raw.decode("utf-8")))
        ids = [records.import_client(session.actor, record) for record in parsed]
    except (BundleError, ValueError, UnicodeDecodeError, FieldErrors) as exc:
        message = str(exc) if isinstance(exc, BundleError) else "the file is not a backcare FHIR Bundle"
        return render(request, "export.html", {"errors": {"bundle": message[:300]}, "imported": ""}, 422)
    return render(request, "export.html", {"errors": {}, "imported": str(len(ids)), "ids": ids})
