"""`manage.py check_disclosure FILE [--json]`: findings printed, exit codes as documented."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase

from tests.disclosure import files

ROOT = Path(__file__).resolve().parent.parent.parent


def run_check_disclosure(*args: str) -> tuple[int, str]:
    """The command's exit code and what it printed on standard output."""
    out = io.StringIO()
    try:
        call_command("check_disclosure", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


class CheckDisclosureCommandTests(SimpleTestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.tmp = Path(self.folder.name)

    def tearDown(self) -> None:
        self.folder.cleanup()

    def run_command(self, *args: str) -> tuple[int, str]:
        return run_check_disclosure(*args)

    def test_a_clean_file_exits_0(self) -> None:
        code, out = self.run_command(str(files.write(self.tmp, "counts.xlsx", files.clean_xlsx())))
        self.assertEqual(code, 0)
        self.assertIn("PASS", out)

    def test_a_file_with_hidden_data_exits_1_and_prints_where(self) -> None:
        code, out = self.run_command(str(files.write(self.tmp, "foi.xlsx", files.pivot_xlsx())))
        self.assertEqual(code, 1)
        self.assertIn("A pivot cache holds 3 raw records", out)
        self.assertIn("xl/pivotCache/pivotCacheRecords1.xml", out)
        self.assertIn("sheet “Summary”: visible", out)
        self.assertNotIn("Mary Brown", out)

    def test_json_output_lists_the_findings(self) -> None:
        code, out = self.run_command(str(files.write(self.tmp, "foi.xlsx", files.hidden_sheet_xlsx())), "--json")
        data = json.loads(out)
        self.assertEqual((code, data["verdict"]), (1, "fail"))
        self.assertIn("hidden_sheet", {f["kind"] for f in data["findings"]})

    def test_a_refused_file_exits_2(self) -> None:
        code, out = self.run_command(str(files.write(self.tmp, "x.xlsx", files.encrypted_office())), "--json")
        self.assertEqual(code, 2)
        self.assertEqual(json.loads(out)["refused"], "encrypted")

    def test_a_missing_file_is_a_usage_error(self) -> None:
        self.assertEqual(self.run_command(str(self.tmp / "nope.xlsx"))[0], 3)

    def test_exit_codes_reach_the_shell(self) -> None:
        clean = files.write(self.tmp, "counts.xlsx", files.clean_xlsx())
        leaky = files.write(self.tmp, "foi.xlsx", files.hidden_sheet_xlsx("veryHidden"))
        bomb = files.write(self.tmp, "bomb.xlsx", files.zip_bomb())
        codes = {}
        for label, args in (("clean", [str(clean)]), ("leaky", [str(leaky)]), ("bomb", [str(bomb)]),
                            ("usage", ["--no-such-option"])):
            result = subprocess.run([sys.executable, "manage.py", "check_disclosure", *args], cwd=ROOT,
                                    capture_output=True, text=True, timeout=60)
            codes[label] = result.returncode
        self.assertEqual(codes, {"clean": 0, "leaky": 1, "bomb": 2, "usage": 3})
