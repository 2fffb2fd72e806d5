#!/usr/bin/env bash
# Debian packages the tests and benchmarks need: chromium for the browser tests
# (Playwright drives it; no browser download), poppler-utils to read PDFs back,
# libharfbuzz-subset0 for WeasyPrint's font subsetting, redis-server for the
# shared rate limits, nginx for the tested reverse-proxy example, and wrk for
# the HTTP benchmark, and npm (with Node.js) to fetch axe-core for the
# accessibility checks. PostgreSQL's server binaries and Node.js come with the
# machine; they are installed too where missing. Installs only what is missing.
set -euo pipefail
needed=()
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v pdftotext >/dev/null 2>&1 || needed+=(poppler-utils)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || needed+=(libharfbuzz-subset0)
command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || needed+=(nginx-light)
command -v wrk >/dev/null 2>&1 || needed+=(wrk)
command -v npm >/dev/null 2>&1 || needed+=(npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || needed+=(postgresql)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${needed[*]}; run: sudo apt-get install -y ${needed[*]}" >&2
  exit 1
fi
echo "installing system packages: ${needed[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
