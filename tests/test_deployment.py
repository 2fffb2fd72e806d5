"""The README's deployment, run for real: nginx (TLS) in front of two backcare app
servers that start together and share one PostgreSQL, using the files in deploy/."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from server_support import backcare_server, free_port
from web_support import PASSWORD, fresh_records, seed

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _env_file() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DEPLOY / "backcare.env").read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {k: v for k, v in pairs}


@pytest.fixture
def nginx_available():
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing in CI")
        pytest.skip("nginx is not installed")


def test_nginx_in_front_of_two_app_servers_sharing_postgresql(postgres, nginx_available, tmp_path):
    if postgres is None:
        pytest.skip("no PostgreSQL server binaries")
    from postgres_support import new_database

    url = new_database(postgres)
    ports = (free_port(), free_port())
    workdir = Path(tempfile.mkdtemp(prefix="backcare-nginx-", dir=tmp_path))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")], check=True, capture_output=True)
    https = free_port()
    conf = (DEPLOY / "nginx.conf").read_text()
    conf = (conf.replace("127.0.0.1:8001", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8002", f"127.0.0.1:{ports[1]}")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl").replace("listen 80", f"listen 127.0.0.1:{free_port()}")
            .replace("/etc/ssl/certs/backcare.pem", str(workdir / "cert.pem"))
            .replace("/etc/ssl/private/backcare.key", str(workdir / "key.pem")))
    # Run it unprivileged-style: its own pid file, logs and temp folders, in the foreground.
    head = f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\ndaemon off;\nmaster_process off;\n"
    if os.geteuid() == 0:
        head += "user root;\n"
    conf = head + conf.replace("http {", f"http {{\n    access_log off;\n    client_body_temp_path {workdir}/body;\n"
                                         f"    proxy_temp_path {workdir}/proxy;\n", 1)
    (workdir / "nginx.conf").write_text(conf)
    env = _env_file()
    # The env file's values, with this machine's database and proxy address (and no TLS between proxy and app).
    env.update(BACKCARE_TRUSTED_PROXIES="127.0.0.1", BACKCARE_DATABASE_URL=url)
    env.pop("BACKCARE_REDIS_URL", None)
    nginx = None
    # Both servers start at once and both run the migrations: one waits for the other.
    with backcare_server(url, port=ports[0], workers=2, **env) as (first, _), \
            backcare_server(url, port=ports[1], workers=1, **env) as (second, _):
        seed(fresh_records(url))
        try:
            nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            base = f"https://127.0.0.1:{https}"
            client = httpx.Client(base_url=base, verify=False, timeout=30)
            deadline = time.monotonic() + 15
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, nginx.stdout.read() if nginx.poll() is not None else "nginx did not answer"
                time.sleep(0.1)
            # A client that forges its address: nginx replaces the header, backcare believes only nginx.
            login = client.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD},
                                headers={"X-Forwarded-For": "203.0.113.66"})
            assert login.status_code == 200, login.text
            client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            created = client.post("/api/clients", json={"name": "Proxied Patient"})
            assert created.status_code == 201
            # nginx compresses what it forwards (the app was asked for plain bytes).
            page = client.get("/login", headers={"Accept-Encoding": "gzip"})
            assert page.headers["content-encoding"] == "gzip" and "<form" in page.text
            for _ in range(30):  # balanced over both servers; the one session works everywhere
                assert client.get(f"/api/clients/{created.json()['id']}").status_code == 200
            with fresh_records(url).sessions() as db:
                from sqlalchemy import select

                from backcare.storage.models import AuditEvent

                details = list(db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "session.login")))
            assert "from 127.0.0.1" in details and not any("203.0.113" in d for d in details)
            assert httpx.get(f"{first}/healthz").status_code == httpx.get(f"{second}/healthz").status_code == 200
            # The proxy's caps agree with backcare's own: an export file of several megabytes reaches the import
            # (and is judged there, not cut off), while anything else that large is refused at the proxy.
            big = b'{"resourceType": "Bundle", "type": "collection", "entry": []' + b" " * 5_000_000 + b"}"
            assert client.post("/api/import/fhir", content=big, headers={"Content-Type": "application/fhir+json"}).status_code == 403
            assert client.post("/api/clients", content=big, headers={"Content-Type": "application/json"}).status_code == 413
            assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
