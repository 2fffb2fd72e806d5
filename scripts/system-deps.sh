#!/usr/bin/env bash
# Debian packages the tests need: chromium for the browser tests (Playwright
# drives it; no browser download), poppler-utils to read PDFs back, and
# libharfbuzz-subset0 for WeasyPrint's font subsetting. Installs what is missing.
set -euo pipefail
needed=()
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v pdftotext >/dev/null 2>&1 || needed+=(poppler-utils)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || needed+=(libharfbuzz-subset0)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${needed[*]}; run: sudo apt-get install -y ${needed[*]}" >&2
  exit 1
fi
echo "installing system packages: ${needed[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
