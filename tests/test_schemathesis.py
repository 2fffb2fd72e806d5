"""Schemathesis against the app's own OpenAPI document, on a live server: no 5xx and
answers that match the documented schemas (status codes, content types, bodies). Bounded in time."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx

from server_support import backcare_server
from web_support import PASSWORD, a_visit_case, fresh_records, seed


def test_schemathesis_finds_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": a_visit_case()})
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    # The therapist's API, then the admins' own operation (import) as an admin: each runs as someone allowed to use it.
    runs = {"ther@north.test": ["--exclude-path", "/api/logout", "--exclude-path", "/api/import/fhir"],
            "admin@north.test": ["--include-path", "/api/import/fhir"]}
    with backcare_server(url) as (base, _):
        # Both sign in first: the fuzzing of /api/login slows down further sign-ins from this address.
        logins = {email: httpx.post(f"{base}/api/login", json={"email": email, "password": PASSWORD}) for email in runs}
        for email, paths in runs.items():
            cookie, csrf = logins[email].cookies["backcare_session"], logins[email].json()["csrf_token"]
            run = subprocess.run(
                [command, "run", f"{base}/api/openapi.json", "-H", f"Cookie: backcare_session={cookie}", "-H", f"X-CSRF-Token: {csrf}",
                 "-c", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                 # Logging out would end the session the rest of the run relies on.
                 *paths, "--max-examples", "25", "--max-time", "75", "--seed", "20261124"],
                capture_output=True, text=True, timeout=300)
            assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
            # No count of failed or errored cases in the summary. Its warnings may say "Authentication failed" when
            # every fuzzed sign-in is refused (401, as it should be under load), which is no failure of the app.
            summary = run.stdout.split("SUMMARY")[-1]
            assert " passed" in summary and not re.search(r"\d+ (failed|errored)", summary), run.stdout[-3000:]
