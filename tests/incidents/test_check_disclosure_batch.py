"""`manage.py check_disclosure FOLDER|ZIP`: a table of verdicts, JSON, one PDF, batch exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from tests.disclosure import files
from tests.disclosure.batches import CLEAN_CSV, PEOPLE_CSV, crashing_xlsx, foi_response, make_zip
from tests.incidents.test_check_disclosure_command import run_check_disclosure
from tests.incidents.test_disclosure_pdf import pdf_text

ROOT = Path(__file__).resolve().parents[2]


class BatchCommandTests(SimpleTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.tmp = Path(folder.name)

    def zip(self, data: bytes, name: str = "response.zip") -> str:
        return str(files.write(self.tmp, name, data))

    def test_a_folder_of_clean_files_exits_0_with_a_table(self) -> None:
        folder = self.tmp / "response"
        folder.mkdir()
        files.write(folder, "counts.xlsx", files.clean_xlsx())
        files.write(folder, "counts.csv", CLEAN_CSV)
        code, out = run_check_disclosure(str(folder))
        self.assertEqual(code, 0)
        self.assertRegex(out, r"counts\.xlsx +PASS +0")
        self.assertIn("Overall: PASS (2 files: 2 passed, 0 failed, 0 not checked).", out)

    def test_a_zip_with_a_leaky_file_exits_1_and_names_it(self) -> None:
        code, out = run_check_disclosure(self.zip(foi_response()))
        self.assertEqual(code, 1)
        self.assertRegex(out, r"response/staff\.xlsx +FAIL +3")
        self.assertRegex(out, r"response/letter\.pdf +NOT CHECKED +type not supported")
        self.assertNotIn("John Smith", out)

    def test_a_failure_wins_over_files_not_checked(self) -> None:
        code, _ = run_check_disclosure(self.zip(make_zip({"staff.csv": PEOPLE_CSV, "map.png": b"\x89PNG"})))
        self.assertEqual(code, 1)

    def test_a_file_not_checked_and_none_failed_exits_2(self) -> None:
        code, out = run_check_disclosure(self.zip(make_zip({"counts.csv": CLEAN_CSV, "map.png": b"\x89PNG"})))
        self.assertEqual(code, 2)
        self.assertIn("Overall: NOT CHECKED", out)

    def test_a_zip_of_only_unsupported_files_exits_2(self) -> None:
        code, out = run_check_disclosure(self.zip(make_zip({"letter.pdf": b"%PDF", "map.png": b"\x89PNG"})), "--json")
        self.assertEqual((code, json.loads(out)["overall"]), (2, "not checked"))

    def test_a_malformed_zip_is_refused_with_exit_2(self) -> None:
        code, out = run_check_disclosure(self.zip(b"not a zip at all"), "--json")
        data = json.loads(out)
        self.assertEqual((code, data["overall"], data["refused"], data["files"]), (2, "not checked", "corrupt", []))

    def test_an_empty_zip_is_refused_with_exit_2(self) -> None:
        code, out = run_check_disclosure(self.zip(make_zip({})), "--json")
        self.assertEqual((code, json.loads(out)["refused"]), (2, "empty"))

    def test_json_lists_every_file_with_its_verdict_and_findings(self) -> None:
        code, out = run_check_disclosure(self.zip(foi_response()), "--json")
        data = json.loads(out)
        self.assertEqual(data["overall"], "fail")
        by_name = {f["name"]: f for f in data["files"]}
        self.assertEqual({n: f["verdict"] for n, f in by_name.items()}, {
            "response/counts.xlsx": "pass", "response/staff.xlsx": "fail", "response/letter.pdf": "not checked",
        })
        self.assertEqual(by_name["response/letter.pdf"]["reason"], "type not supported")
        self.assertIn("hidden_sheet", {f["kind"] for f in by_name["response/staff.xlsx"]["findings"]})

    def test_an_office_file_is_still_one_file_though_it_is_a_zip(self) -> None:
        code, out = run_check_disclosure(str(files.write(self.tmp, "foi.xlsx", files.hidden_sheet_xlsx())), "--json")
        self.assertEqual((code, json.loads(out)["filename"]), (1, "foi.xlsx"))

    def test_clean_cannot_be_used_with_a_zip(self) -> None:
        code, _ = run_check_disclosure(self.zip(foi_response()), "--clean", str(self.tmp / "out.zip"))
        self.assertEqual(code, 3)

    def test_the_pdf_has_an_overall_page_and_a_section_per_checked_file(self) -> None:
        out = self.tmp / "batch.pdf"
        code, _ = run_check_disclosure(self.zip(foi_response()), "--pdf", str(out))
        text = pdf_text(out.read_bytes())
        self.assertEqual(code, 1)
        self.assertIn("Fail: 1 file carries hidden content or personal data", text)
        self.assertIn("response/letter.pdf", text)
        self.assertIn("type not supported", text)
        self.assertIn("response/staff.xlsx: Fail", text)
        self.assertIn("response/counts.xlsx: Pass", text)
        self.assertIn("J*** S****", text)
        self.assertNotIn("John Smith", text)

    def test_a_hostile_name_is_printed_as_text_in_the_pdf(self) -> None:
        out = self.tmp / "batch.pdf"
        name = '=cmd|calc <img src="file:///etc/passwd">.csv'
        run_check_disclosure(self.zip(make_zip({name: PEOPLE_CSV})), "--pdf", str(out))
        text = pdf_text(out.read_bytes())
        self.assertIn("=cmd|calc", text)
        self.assertIn('<img src="file:///etc/passwd">.csv', text.replace("\n", ""))


class BatchCommandShellTests(SimpleTestCase):
    def run_shell(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", "check_disclosure", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    def test_a_crash_on_one_file_is_logged_and_the_batch_goes_on(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = files.write(Path(folder), "response.zip",
                               make_zip({"a-broken.xlsx": crashing_xlsx(), "b-counts.csv": CLEAN_CSV}))
            result = self.run_shell(str(path))
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stdout, r"a-broken\.xlsx +NOT CHECKED +internal error")
        self.assertRegex(result.stdout, r"b-counts\.csv +PASS")
        self.assertIn("Traceback", result.stderr)
