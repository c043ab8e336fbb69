"""A whole FOI response at once: a folder or .zip checked file by file, within limits."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from unittest import mock
from collections.abc import Iterator
from pathlib import Path

from django.test import SimpleTestCase

from incidents.disclosure import Limits, Refused
from incidents.disclosure.batch import BatchLimits, BatchReport, FileResult, check_batch, display_name, is_batch
from tests.disclosure import files
from tests.disclosure.batches import (
    CLEAN_CSV,
    PEOPLE_CSV,
    crashing_xlsx,
    encrypted_zip,
    foi_response,
    make_zip,
    stored_member_damaged,
    symlink_member,
)


def ticking(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


class BatchTestCase(SimpleTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.tmp = Path(folder.name)

    def zip(self, data: bytes, name: str = "response.zip") -> Path:
        return files.write(self.tmp, name, data)

    def folder(self, members: dict[str, bytes]) -> Path:
        root = self.tmp / "response"
        for name, body in members.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(body)
        root.mkdir(exist_ok=True)
        return root

    def verdicts(self, batch: BatchReport) -> dict[str, str]:
        return {f.name: f.verdict for f in batch.files}

    def result(self, batch: BatchReport, name: str) -> FileResult:
        return next(f for f in batch.files if f.name == name)

    def refused(self, path: Path, limits: BatchLimits | None = None) -> Refused:
        with self.assertRaises(Refused) as caught:
            check_batch(path, limits=limits)
        return caught.exception

    def _bomb_zip(self) -> bytes:
        """One member that expands about 1,000 times: 20 KB on disk, 20 MB inflated."""
        out = self.tmp / "bomb-source.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("counts.csv", CLEAN_CSV)
            with z.open("zeros.csv", "w") as member:
                for _ in range(20):
                    member.write(b"\x00" * (1024 * 1024))
        return out.read_bytes()


class VerdictTests(BatchTestCase):
    def test_a_folder_of_clean_files_passes(self) -> None:
        batch = check_batch(self.folder({"counts.xlsx": files.clean_xlsx(), "by-month/counts.csv": CLEAN_CSV}))
        self.assertEqual(self.verdicts(batch), {"by-month/counts.csv": "pass", "counts.xlsx": "pass"})
        self.assertEqual(batch.overall, "pass")

    def test_one_leaky_file_fails_the_batch_and_is_named(self) -> None:
        batch = check_batch(self.zip(foi_response()))
        self.assertEqual(batch.overall, "fail")
        self.assertEqual(self.verdicts(batch)["response/staff.xlsx"], "fail")
        self.assertEqual(self.verdicts(batch)["response/counts.xlsx"], "pass")
        self.assertIn("hidden_sheet", self.result(batch, "response/staff.xlsx").report.kinds())  # type: ignore[union-attr]

    def test_an_unsupported_type_is_listed_as_not_checked(self) -> None:
        batch = check_batch(self.zip(foi_response()))
        letter = self.result(batch, "response/letter.pdf")
        self.assertEqual((letter.verdict, letter.code, letter.reason), ("not checked", "unsupported", "type not supported"))

    def test_a_batch_with_a_file_not_checked_does_not_pass(self) -> None:
        batch = check_batch(self.zip(make_zip({"counts.csv": CLEAN_CSV, "map.png": b"\x89PNG\r\n"})))
        self.assertEqual(batch.overall, "not checked")

    def test_a_zip_of_only_unsupported_files_is_not_checked(self) -> None:
        batch = check_batch(self.zip(make_zip({"letter.pdf": b"%PDF-1.4", "map.png": b"\x89PNG"})))
        self.assertEqual(batch.overall, "not checked")
        self.assertEqual(batch.counts, {"pass": 0, "fail": 0, "not checked": 2})

    def test_a_refused_file_gives_its_refusal_as_the_reason(self) -> None:
        batch = check_batch(self.zip(make_zip({"secret.xlsx": files.encrypted_office()})))
        result = self.result(batch, "secret.xlsx")
        self.assertEqual((result.verdict, result.code), ("not checked", "encrypted"))
        self.assertIn("remove the password", result.reason)

    def test_author_metadata_can_be_accepted_for_the_whole_batch(self) -> None:
        path = self.zip(make_zip({"counts.xlsx": files.author_xlsx()}))
        self.assertEqual(check_batch(path).overall, "fail")
        self.assertEqual(check_batch(path, accept_metadata=True).overall, "pass")

    def test_hidden_dot_files_are_checked_like_any_other(self) -> None:
        batch = check_batch(self.folder({".staff.csv": PEOPLE_CSV, "counts.csv": CLEAN_CSV}))
        self.assertEqual(self.verdicts(batch)[".staff.csv"], "fail")

    def test_system_files_are_listed_as_not_checked(self) -> None:
        batch = check_batch(self.zip(make_zip({
            "counts.csv": CLEAN_CSV, "__MACOSX/._counts.csv": b"\x00\x05\x16\x07", ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "~$staff.xlsx": b"\x0bJane Doe", "Thumbs.db": b"\xd0\xcf",
        })))
        codes = {f.name: f.code for f in batch.files if f.verdict == "not checked"}
        self.assertEqual(codes, {"__MACOSX/._counts.csv": "system_file", ".DS_Store": "system_file",
                                 "~$staff.xlsx": "system_file", "Thumbs.db": "system_file"})
        self.assertIn("remove it before release", self.result(batch, ".DS_Store").reason)

    def test_a_file_that_crashes_the_checker_is_not_checked_and_the_rest_are(self) -> None:
        path = self.zip(make_zip({"a-broken.xlsx": crashing_xlsx(), "b-staff.csv": PEOPLE_CSV}))
        with self.assertLogs("incidents.disclosure.batch", "ERROR") as logs:
            batch = check_batch(path)
        broken = self.result(batch, "a-broken.xlsx")
        self.assertEqual((broken.verdict, broken.code, broken.reason), ("not checked", "internal_error", "internal error"))
        self.assertEqual(self.verdicts(batch)["b-staff.csv"], "fail")
        self.assertIn("Traceback", logs.output[0])

    def test_json_has_one_verdict_per_file_and_one_overall(self) -> None:
        data = json.loads(json.dumps(check_batch(self.zip(foi_response())).to_dict()))
        self.assertEqual(data["overall"], "fail")
        by_name = {f["name"]: f for f in data["files"]}
        self.assertEqual(by_name["response/letter.pdf"]["reason"], "type not supported")
        self.assertNotIn("reason", by_name["response/counts.xlsx"])
        self.assertIn("hidden_sheet", {f["kind"] for f in by_name["response/staff.xlsx"]["findings"]})


class BadZipTests(BatchTestCase):
    def test_a_malformed_zip_is_refused(self) -> None:
        refusal = self.refused(self.zip(b"<html>this is not a zip</html>"))
        self.assertEqual(refusal.code, "corrupt")
        self.assertIn("Nothing was checked", refusal.message)

    def test_a_truncated_zip_is_refused(self) -> None:
        self.assertEqual(self.refused(self.zip(files.truncated(foi_response()))).code, "corrupt")

    def test_an_empty_zip_is_refused(self) -> None:
        self.assertEqual(self.refused(self.zip(make_zip({}))).code, "empty")

    def test_a_zip_of_only_folders_is_refused_as_empty(self) -> None:
        self.assertEqual(self.refused(self.zip(make_zip({"response/": b"", "response/2021/": b""}))).code, "empty")

    def test_an_empty_file_is_refused(self) -> None:
        self.assertEqual(self.refused(self.zip(b"")).code, "empty")

    def test_an_empty_folder_is_refused(self) -> None:
        self.assertEqual(self.refused(self.folder({})).message, "The folder holds no files.")

    def test_a_zip_bomb_is_refused_before_anything_is_extracted(self) -> None:
        refusal = self.refused(self.zip(self._bomb_zip()))
        self.assertEqual(refusal.code, "zip_bomb")
        self.assertIn("Nothing was extracted", refusal.message)

    def test_a_zip_over_the_total_size_is_refused_before_anything_is_extracted(self) -> None:
        limits = BatchLimits(max_total_bytes=10_000)
        refusal = self.refused(self.zip(foi_response()), limits)
        self.assertEqual(refusal.code, "zip_bomb")
        self.assertIn("would expand to", refusal.message)

    def test_a_zip_with_too_many_entries_is_refused_from_its_end_record(self) -> None:
        refusal = self.refused(self.zip(make_zip({f"f{i}.csv": b"" for i in range(30)})), BatchLimits(max_entries=20))
        self.assertEqual(refusal.code, "too_many_files")
        self.assertIn("30 entries", refusal.message)

    def test_path_tricks_are_not_checked_and_nothing_is_written_outside(self) -> None:
        names = ["../escaped.csv", "/etc/escaped.csv", "C:\\escaped.csv", "a/../../escaped.csv", "..\\escaped.csv"]
        path = self.zip(make_zip({**{n: PEOPLE_CSV for n in names}, "counts.csv": CLEAN_CSV}))
        scratch = self.tmp / "scratch" / "inside"
        scratch.mkdir(parents=True)
        with mock.patch.object(tempfile, "tempdir", str(scratch)):  # where the batch extracts
            batch = check_batch(path)
        self.assertEqual({f.name: f.code for f in batch.files if f.code},
                         {n.replace("\\", "/"): "unsafe_name" for n in names})
        self.assertEqual([p.name for p in self.tmp.rglob("*") if p.name == "escaped.csv"], [])
        self.assertEqual(list(scratch.iterdir()), [], "the private folder is not deleted")

    def test_a_symbolic_link_in_a_zip_is_not_followed(self) -> None:
        batch = check_batch(self.zip(make_zip([symlink_member("passwd.csv", "/etc/passwd"), ("counts.csv", CLEAN_CSV)])))
        self.assertEqual(self.result(batch, "passwd.csv").code, "link")

    def test_an_encrypted_member_is_not_checked(self) -> None:
        batch = check_batch(self.zip(encrypted_zip("staff.xlsx", {"counts.csv": CLEAN_CSV})))
        self.assertEqual(self.result(batch, "staff.xlsx").code, "encrypted")

    def test_a_damaged_member_is_not_checked_and_the_rest_are(self) -> None:
        batch = check_batch(self.zip(stored_member_damaged("staff.csv", PEOPLE_CSV)))
        result = self.result(batch, "staff.csv")
        self.assertEqual((result.verdict, result.code), ("not checked", "corrupt"))
        self.assertIn("could not be extracted", result.reason)

    def test_a_member_over_the_file_size_limit_is_not_extracted(self) -> None:
        limits = BatchLimits(file=Limits(max_file_bytes=20))
        batch = check_batch(self.zip(make_zip({"staff.csv": PEOPLE_CSV})), limits=limits)
        self.assertEqual(self.result(batch, "staff.csv").code, "too_large")

    def test_hostile_names_are_kept_as_text_without_control_characters(self) -> None:
        name = "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)>\x1b[2J\u202eslx.csv"
        batch = check_batch(self.zip(make_zip({name: PEOPLE_CSV})))
        self.assertEqual(batch.files[0].name, "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)>?[2J?slx.csv")
        self.assertEqual(batch.files[0].verdict, "fail")


class NestingTests(BatchTestCase):
    def test_a_zip_inside_a_zip_is_checked_one_level_deep(self) -> None:
        inner = make_zip({"staff.csv": PEOPLE_CSV, "deeper.zip": make_zip({"hidden.csv": PEOPLE_CSV})})
        batch = check_batch(self.zip(make_zip({"counts.csv": CLEAN_CSV, "annex.zip": inner})))
        self.assertEqual(self.verdicts(batch), {
            "annex.zip/deeper.zip": "not checked", "annex.zip/staff.csv": "fail", "counts.csv": "pass",
        })
        self.assertEqual(self.result(batch, "annex.zip/deeper.zip").code, "zip_too_deep")

    def test_a_zip_in_a_folder_is_opened_like_an_uploaded_zip(self) -> None:
        inner = make_zip({"staff.csv": PEOPLE_CSV, "deeper.zip": make_zip({"x.csv": PEOPLE_CSV})})
        outer = make_zip({"annex.zip": inner})
        batch = check_batch(self.folder({"response.zip": outer}))
        self.assertEqual(self.verdicts(batch), {"response.zip/annex.zip/deeper.zip": "not checked",
                                                "response.zip/annex.zip/staff.csv": "fail"})

    def test_a_damaged_zip_inside_a_zip_is_listed_and_the_rest_checked(self) -> None:
        batch = check_batch(self.zip(make_zip({"annex.zip": b"PK\x03\x04 not really", "counts.csv": CLEAN_CSV})))
        self.assertEqual(self.result(batch, "annex.zip").code, "corrupt")
        self.assertEqual(self.verdicts(batch)["counts.csv"], "pass")

    def test_a_zip_bomb_inside_a_zip_is_listed_as_a_bomb(self) -> None:
        batch = check_batch(self.zip(make_zip({"annex.zip": self._bomb_zip(), "counts.csv": CLEAN_CSV})))
        self.assertEqual(self.result(batch, "annex.zip").code, "zip_bomb")


class FolderTests(BatchTestCase):
    def test_a_link_to_a_file_outside_the_folder_is_not_followed(self) -> None:
        root = self.folder({"counts.csv": CLEAN_CSV})
        outside = files.write(self.tmp, "outside.csv", PEOPLE_CSV)
        (root / "staff.csv").symlink_to(outside)
        batch = check_batch(root)
        self.assertEqual(self.result(batch, "staff.csv").code, "link")
        self.assertEqual(batch.overall, "not checked")

    def test_a_link_to_a_file_inside_the_folder_is_checked(self) -> None:
        root = self.folder({"data/staff.csv": PEOPLE_CSV})
        (root / "copy.csv").symlink_to(root / "data" / "staff.csv")
        self.assertEqual(self.verdicts(check_batch(root))["copy.csv"], "fail")

    def test_a_link_to_a_folder_is_not_followed(self) -> None:
        root = self.folder({"counts.csv": CLEAN_CSV})
        (self.tmp / "elsewhere").mkdir()
        (self.tmp / "elsewhere" / "staff.csv").write_bytes(PEOPLE_CSV)
        (root / "more").symlink_to(self.tmp / "elsewhere", target_is_directory=True)
        batch = check_batch(root)
        self.assertEqual(self.result(batch, "more").code, "link")
        self.assertNotIn("more/staff.csv", self.verdicts(batch))

    def test_a_pipe_is_not_opened(self) -> None:
        root = self.folder({"counts.csv": CLEAN_CSV})
        os.mkfifo(root / "pipe.csv")
        self.assertEqual(self.result(check_batch(root), "pipe.csv").code, "not_a_file")

    def test_a_folder_of_501_files_checks_500(self) -> None:
        root = self.folder({f"{i:03}.csv": b"Month,Count\nJanuary,1\n" for i in range(501)})
        batch = check_batch(root)
        self.assertEqual(batch.counts, {"pass": 500, "fail": 0, "not checked": 1})
        last = self.result(batch, "500.csv")
        self.assertEqual((last.code, last.reason), ("over_limit", "over the 500-file limit"))

    def test_a_folder_with_too_many_entries_is_refused(self) -> None:
        root = self.folder({f"{i}.png": b"" for i in range(6)})
        self.assertEqual(self.refused(root, BatchLimits(max_entries=5)).code, "too_many_files")


class TimeLimitTests(BatchTestCase):
    def test_a_batch_past_its_time_limit_lists_the_files_as_not_checked(self) -> None:
        batch = check_batch(self.zip(foi_response()), limits=BatchLimits(max_seconds=0))
        self.assertEqual({f.name: f.reason for f in batch.files}, {
            "response/counts.xlsx": "time limit reached", "response/staff.xlsx": "time limit reached",
            "response/letter.pdf": "type not supported",
        })
        self.assertEqual(batch.overall, "not checked")

    def test_the_files_checked_before_the_time_limit_keep_their_verdicts(self) -> None:
        # Each reading of the clock is 10 "seconds" later than the last: the first file starts
        # in time, and by the next the 25 seconds are gone.
        clock = ticking(10)
        path = self.zip(make_zip({"a.csv": CLEAN_CSV, "b.csv": PEOPLE_CSV, "c.csv": PEOPLE_CSV}))
        batch = check_batch(path, limits=BatchLimits(max_seconds=25), clock=lambda: next(clock))
        self.assertEqual(self.verdicts(batch)["a.csv"], "pass")
        self.assertEqual(self.result(batch, "c.csv").reason, "time limit reached")


class NameTests(SimpleTestCase):
    def test_a_folder_and_a_zip_are_batches_and_an_office_file_is_not(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            self.assertTrue(is_batch(folder))
        self.assertTrue(is_batch("response.ZIP"))
        self.assertFalse(is_batch("response.xlsx"))
        self.assertFalse(is_batch("response.docx"))

    def test_a_very_long_name_is_shortened_in_the_middle(self) -> None:
        shown = display_name("a/" * 400 + "end.csv")
        self.assertLessEqual(len(shown), 300)
        self.assertTrue(shown.endswith("end.csv"))
