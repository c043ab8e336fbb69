#!/usr/bin/env bash
# System packages breachtracker needs beyond Python. Installs them with apt when run as root
# on Debian/Ubuntu; otherwise says exactly what to install. Pass --test for the extra tools
# the test suite uses (PostgreSQL and Redis servers, pdftotext, Chromium).
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
# WeasyPrint: pango for text layout; libharfbuzz-subset0, without which it silently falls
# back to a font-subsetting path about 3x slower.
have_lib libpango-1.0.so.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so.0 || need+=(libharfbuzz-subset0)
if [ "${1:-}" = "--test" ]; then
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
  # Browser tests drive Debian's Chromium (a test tool's own browser download is not used).
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "breachtracker needs these system packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${need[*]}" >&2
  [ "${1:-}" = "--test" ] && [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
