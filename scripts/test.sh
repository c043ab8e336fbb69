#!/usr/bin/env bash
# The test suite, as `make test` runs it.
# With PostgreSQL and redis-server on the machine (always in CI), the suite runs against real
# ones started by scripts/services.sh, and the integration tests start real Celery workers.
# Without them (a quick local loop), it falls back to SQLite and says so. In CI (CI=true) a
# server that cannot start is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
if [ "${CI:-}" = "true" ]; then
  bash scripts/system-deps.sh --test
fi
if [ -z "${DATABASE_URL:-}" ]; then
  if env_lines="$(bash scripts/services.sh up)"; then
    eval "$env_lines"
  elif [ "${CI:-}" = "true" ]; then
    echo "test: PostgreSQL or Redis could not start; CI needs both." >&2
    exit 1
  else
    echo "test: PostgreSQL or Redis cannot be used here (see above); running on SQLite (integration tests are skipped)." >&2
  fi
fi
[ "${CI:-}" = "true" ] && export BREACHTRACKER_REQUIRE_SERVICES=1
# Lint first: an unused import or an undefined name is a bug the tests may not reach.
.venv/bin/ruff check --quiet .
# The direction of dependencies between the apps (.importlinter): a rule only a reviewer
# knows is not a rule.
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
# Types: mypy with django-stubs over the app packages (mypy.ini).
.venv/bin/mypy breachtracker incidents notifications reporting accounts
exec "$py" -m pytest "$@"
