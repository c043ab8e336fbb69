"""The journey benchmark runs end to end at a tiny size, on a PostgreSQL of its own with the
durable defaults (its figures are printed, never asserted: the machine may be busy)."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command

from tests.worker import needs_services


def test_the_journey_runs_every_stage_on_a_durable_database_of_its_own() -> None:
    needs_services()
    out = StringIO()
    call_command("benchmark", "journey", "--people", "25", "--workers", "1", stdout=out)
    text = out.getvalue()
    assert "its own PostgreSQL (fsync=on, synchronous_commit=on, full_page_writes=on)" in text, text
    for stage in ("import", "letters", "pack", "posted", "report"):
        assert re.search(rf"^  {stage} +[\d.]+ s +[\d.]+ %  peak \d+ MB", text, re.M), (stage, text)
    assert re.search(r"\(25 rows, \d+ people\)", text), text
    assert re.search(r"\(\d+ letters ticked sent in [\d.]+ s, peak \d+ MB \(2,000 a block\)\)", text), text
    assert re.search(r"^journey: people=25 workers=1 total_s=[\d.]+ import=[\d.]+ letters=[\d.]+ pack=[\d.]+ posted=[\d.]+ report=[\d.]+$",
                     text, re.M), text
