"""Bad input gets a clear refusal, within bounded memory, with nothing extracted or run."""

from __future__ import annotations

import contextlib
import os
import tempfile
import tracemalloc

from django.test import SimpleTestCase

from incidents.disclosure import Limits, Refused
from tests.disclosure import files
from tests.disclosure.files import check


class RefusalTests(SimpleTestCase):
    def refused(self, data: bytes, name: str = "response.xlsx", limits: Limits | None = None) -> Refused:
        with self.assertRaises(Refused) as caught:
            check(data, name, limits)
        return caught.exception

    def test_it_refuses_an_encrypted_office_file(self) -> None:
        refusal = self.refused(files.encrypted_office())
        self.assertEqual(refusal.code, "encrypted")
        self.assertIn("remove the password", refusal.message)

    def test_it_refuses_an_old_binary_xls(self) -> None:
        refusal = self.refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "old.xls.xlsx")
        self.assertEqual(refusal.code, "legacy_binary")

    def test_it_refuses_a_truncated_workbook(self) -> None:
        refusal = self.refused(files.truncated(files.clean_xlsx()))
        self.assertEqual(refusal.code, "corrupt")
        self.assertIn("damaged", refusal.message)

    def test_it_refuses_a_part_with_a_damaged_deflate_stream(self) -> None:
        # zlib.error from inside the zip member: a damaged file, not a crash of the check.
        from tests.disclosure.batches import damaged_deflate_xlsx

        refusal = self.refused(damaged_deflate_xlsx())
        self.assertEqual(refusal.code, "corrupt")
        self.assertIn("damaged", refusal.message)

    def test_it_refuses_a_file_that_is_not_a_zip(self) -> None:
        self.assertEqual(self.refused(b"<html>not a spreadsheet</html>").code, "corrupt")

    def test_it_refuses_a_part_that_is_not_xml(self) -> None:
        data = files.patch(files.clean_xlsx(), add={"xl/workbook.xml": b"<workbook><sheets>"})
        self.assertEqual(self.refused(data).code, "corrupt")

    def test_it_refuses_xml_entities(self) -> None:
        lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
               b"<workbook>&lol2;</workbook>")
        data = files.patch(files.clean_xlsx(), add={"xl/workbook.xml": lol})
        self.assertEqual(self.refused(data).code, "unsafe_xml")

    def test_it_refuses_a_zip_bomb_before_extracting_it(self) -> None:
        bomb = files.zip_bomb()
        self.assertLess(len(bomb), 100_000)
        # Measured by memory, not by a clock (a busy machine makes any timer lie): inflating the
        # 20 MB part, even once, would allocate far more than the check is allowed here.
        tracemalloc.start()
        try:
            refusal = self.refused(bomb)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(refusal.code, "zip_bomb")
        self.assertIn("Nothing was extracted", refusal.message)
        self.assertLess(peak, 4 * 1024 * 1024)

    def test_it_refuses_a_package_that_would_expand_beyond_the_total_limit(self) -> None:
        limits = Limits(max_uncompressed_bytes=1024)
        self.assertEqual(self.refused(files.clean_xlsx(), limits=limits).code, "zip_bomb")

    def test_it_refuses_a_package_with_too_many_parts(self) -> None:
        refusal = self.refused(files.many_parts(Limits().max_members + 1))
        self.assertEqual(refusal.code, "too_many_parts")

    def test_it_refuses_to_parse_a_huge_part_whole(self) -> None:
        refusal = self.refused(files.pivot_xlsx(), limits=Limits(max_tree_part_bytes=100))
        self.assertEqual(refusal.code, "too_large")

    def test_it_refuses_an_enormous_file_before_reading_it(self) -> None:
        refusal = self.refused(files.clean_xlsx(), limits=Limits(max_file_bytes=1000))
        self.assertEqual(refusal.code, "too_large")
        self.assertIn("MB", refusal.message)

    def test_it_refuses_an_empty_file(self) -> None:
        self.assertEqual(self.refused(b"").code, "empty")

    def test_it_refuses_a_check_that_runs_out_of_time(self) -> None:
        self.assertEqual(self.refused(files.pivot_xlsx(), limits=Limits(max_seconds=-1)).code, "too_slow")

    def test_it_refuses_an_unsupported_type(self) -> None:
        refusal = self.refused(b"%PDF-1.7", "response.pdf")
        self.assertEqual(refusal.code, "unsupported")
        self.assertIn(".xlsx", refusal.message)

    def test_it_refuses_a_zip_named_csv(self) -> None:
        self.assertEqual(self.refused(files.clean_xlsx(), "response.csv").code, "wrong_type")

    def test_it_refuses_a_workbook_without_a_workbook_part(self) -> None:
        self.assertEqual(self.refused(files.many_parts(3)).code, "corrupt")

    def test_a_path_trick_in_a_part_name_is_reported_and_never_written(self) -> None:
        data = files.patch(files.clean_xlsx(), add={"xl/embeddings/../../../evil.bin": b"x"})
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            report = check(data)
            self.assertEqual(os.listdir(tmp), [])
        [finding] = report.of_kind("embedded_object")
        self.assertEqual(finding.location.part, "xl/embeddings/../../../evil.bin")
