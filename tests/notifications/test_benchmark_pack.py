"""The print pack benchmark runs end to end at a tiny size and says how much memory each of
the pack's steps held (its figures are printed, never asserted: the machine may be busy); the
memory figure is the process's own, not its parent's."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from breachtracker import memory
from tests.worker import needs_services

ROOT = Path(__file__).resolve().parents[2]


def test_the_pack_benchmark_prints_each_step_s_memory(capsys: pytest.CaptureFixture[str], django_db_blocker: Any) -> None:
    needs_services()
    out = StringIO()
    # The benchmark uses a database of its own, from forked processes: not the test's.
    with django_db_blocker.unblock():
        call_command("benchmark", "letters", "--pack-only", "--pack", "12", "--workers", "2", "--no-pack-baseline",
                     stdout=out)
    text = capsys.readouterr().out + out.getvalue()
    assert "its own PostgreSQL (fsync=on, synchronous_commit=on, full_page_writes=on)" in text, text
    for k in ("1 process", "2 processes"):
        assert re.search(rf"print pack, ours \({k} for the parts, \d+ letters a part\): 12 letters \(\d+ pages\)", text), text
    memory_lines = re.findall(r"^  memory: plan \d+ MB, each part \d+ MB, join \d+ MB "
                              r"\(peak of each process, forked from one of \d+ MB\)$", text, re.M)
    assert len(memory_lines) == 2, text
    # "Mark posted" on the last pack: each of its letters ticked.
    assert re.search(r"^mark posted \(the last pack\): 12 letters ticked sent in [\d.]+ s, peak \d+ MB "
                     r"\(2,000 a block\)$", text, re.M), text
    assert re.search(r"^pack: ratio=- ours=[\d.]+ baseline=- bytes_per_letter=\d+ peak_mb=\d+ letters=12$", text, re.M), text


@pytest.mark.skipif(memory.status_kb("VmHWM") is None, reason="needs Linux's /proc")
def test_a_process_started_by_a_larger_one_reports_its_own_peak() -> None:
    # Linux keeps ru_maxrss across exec: a small child of a large parent would report the
    # parent's peak. This test process holds Django and its apps (well over 60 MB).
    held = bytearray(64 * 1024 * 1024)
    held[::4096] = b"\x01" * len(held[::4096])
    assert memory.peak_mb() > 100
    code = ("import importlib.util as u; s = u.spec_from_file_location('m', 'breachtracker/memory.py'); "
            "m = u.module_from_spec(s); s.loader.exec_module(m); print(m.peak_mb(), m.rss_mb())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    child_peak, child_rss = (float(v) for v in done.stdout.split())
    assert child_peak < 50, (child_peak, memory.peak_mb())
    assert 0 < child_rss < 50
    del held
