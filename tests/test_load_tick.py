"""The concurrent-load script, run briefly: 20 users ticking for 10 s lose no update and get no 5xx."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.worker import ROOT, needs_services


@pytest.mark.integration
def test_twenty_users_ticking_for_ten_seconds_lose_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    needs_services()
    assert connection.vendor == "postgresql"
    done = subprocess.run([sys.executable, "scripts/load_tick.py", "--seconds", "10", "--users", "20"],
                          cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["lost_updates"] == summary["doubled_updates"] == summary["status_5xx"] == 0
    assert summary["inconsistent_rows"] == 0
    assert summary["counter_drift"] == [], "the progress counters match a recount after concurrent ticks"
    assert summary["ticks_recorded"] == summary["ticks_confirmed"] > 0
    with capsys.disabled():
        print(f"\nload_tick (10 s): {summary}")
