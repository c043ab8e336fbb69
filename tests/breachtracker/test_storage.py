"""The encrypting storage (issue 17): what reaches the disk, and what a damaged file does."""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import SimpleTestCase, override_settings

from breachtracker import files
from tests.worker import ROOT

BIG = os.urandom(2 * files.CHUNK + 123)  # three chunks, the last a short one


class StorageTests(SimpleTestCase):
    def setUp(self) -> None:
        self.media = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="bt-storage-")))
        self.enterContext(override_settings(MEDIA_ROOT=str(self.media)))

    def test_a_saved_file_is_encrypted_on_disk_and_reads_back_whole(self) -> None:
        name = default_storage.save("letters/a.pdf", ContentFile(BIG))
        on_disk = (self.media / name).read_bytes()
        self.assertTrue(files.is_encrypted(on_disk))
        self.assertNotIn(BIG[:64], on_disk)
        self.assertEqual(files.read(name), BIG)

    def test_files_are_private_to_the_app(self) -> None:
        name = default_storage.save("packs/BR-1/pack.pdf", ContentFile(b"x"))
        self.assertEqual(stat.S_IMODE((self.media / name).stat().st_mode), 0o600)
        self.assertEqual(stat.S_IMODE((self.media / "packs" / "BR-1").stat().st_mode), 0o700)

    def test_save_never_overwrites_and_write_replaces(self) -> None:
        first = default_storage.save("a.csv", ContentFile(b"one"))
        second = default_storage.save("a.csv", ContentFile(b"two"))
        self.assertNotEqual(first, second)
        files.write("a.csv", b"three")
        self.assertEqual((files.read("a.csv"), files.read(second)), (b"three", b"two"))
        self.assertEqual(sorted(p.name for p in self.media.iterdir()), sorted([first, second]))  # no temporary left

    def test_a_file_cut_short_is_refused(self) -> None:
        files.write("a.bin", BIG)
        path = self.media / "a.bin"
        path.write_bytes(path.read_bytes()[:-200])
        with self.assertRaises(files.DamagedFile):
            files.read("a.bin")

    def test_a_file_without_its_last_chunk_is_refused(self) -> None:
        files.write("a.bin", BIG)
        path = self.media / "a.bin"
        data = path.read_bytes()
        records, at = [], len(files.MAGIC)
        while at < len(data):
            size = int.from_bytes(data[at:at + 4], "big")
            records.append(data[at:at + 4 + size])
            at += 4 + size
        self.assertEqual(len(records), 3)
        path.write_bytes(files.MAGIC + b"".join(records[:2]))
        with self.assertRaises(files.DamagedFile):
            files.read("a.bin")
        path.write_bytes(files.MAGIC + records[1] + records[0] + records[2])  # reordered
        with self.assertRaisesMessage(files.DamagedFile, "out of order"):
            files.read("a.bin")

    def test_a_plain_file_is_refused_not_served(self) -> None:
        (self.media / "old.pdf").write_bytes(b"%PDF-1.7 plain")
        with self.assertRaisesMessage(files.DamagedFile, "not encrypted"):
            files.read("old.pdf")

    def test_a_file_under_a_removed_key_is_refused(self) -> None:
        files.write("a.bin", b"secret")
        with override_settings(FIELD_KEYS=[Fernet.generate_key().decode()]), self.assertRaises(files.DamagedFile):
            files.read("a.bin")

    def test_stored_files_cannot_be_opened_for_writing(self) -> None:
        files.write("a.bin", b"x")
        with self.assertRaises(ValueError):
            default_storage.open("a.bin", "wb")

    def test_text_is_refused(self) -> None:
        with self.assertRaises(TypeError):
            files.write("a.csv", io.StringIO("name\n"))

    def test_a_local_copy_is_private_and_gone_afterwards(self) -> None:
        files.write("imports-tmp/x.upload", b"name\nAnn\n")
        with files.local_copy("imports-tmp/x.upload") as path:
            self.assertEqual(path.read_bytes(), b"name\nAnn\n")
            self.assertEqual(stat.S_IMODE(path.parent.stat().st_mode), 0o700)
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        self.assertFalse(path.parent.exists())

    def test_an_empty_file_round_trips(self) -> None:
        files.write("empty", b"")
        self.assertEqual(files.read("empty"), b"")


def test_app_code_never_asks_a_storage_for_a_local_path() -> None:
    """Object storage has no local path: app code goes through the storage API only."""
    offenders = []
    for package in ("breachtracker", "incidents", "notifications", "reporting"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "storage.py" and path.parent.name == "breachtracker":
                continue  # the local storage itself
            text = path.read_text(encoding="utf-8")
            if re.search(r"storage\.path\(|\.pdf\.path\b|\.manifest\.path\b|MEDIA_ROOT\)\s*/", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_local_default_does_not_load_the_s3_backend() -> None:
    """boto3 costs about 37 MB in every web and worker process: only S3 installations pay it."""
    import subprocess
    import sys

    code = ("import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'breachtracker.settings'); "
            "django.setup(); from django.core.files.storage import default_storage; default_storage.exists('x'); "
            "import breachtracker.storage; print('boto3' in sys.modules)")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("BREACHTRACKER_S3_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout


class PlainSizeTests(SimpleTestCase):
    """A download's Content-Length is the plain size, worked out from the stored size and the
    last record alone."""

    def setUp(self) -> None:
        self.media = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="bt-size-")))
        self.enterContext(override_settings(MEDIA_ROOT=str(self.media)))

    def test_the_full_record_size_is_what_a_full_chunk_takes(self) -> None:
        files.write("full.bin", os.urandom(files.CHUNK) + b"x")
        stored = (self.media / "full.bin").stat().st_size
        last = stored - len(files.MAGIC) - files._full_record()
        self.assertGreater(last, 0)
        self.assertLess(last, 200)  # one byte's record

    def test_every_size_around_the_chunk_boundaries(self) -> None:
        for size in (0, 1, 15, 16, 17, files.CHUNK - 1, files.CHUNK, files.CHUNK + 1, 2 * files.CHUNK + 123):
            with self.subTest(size=size):
                files.write("a.bin", os.urandom(size))
                self.assertEqual(files.plain_size("a.bin"), size)

    def test_a_file_cut_short_or_extended_is_refused(self) -> None:
        files.write("a.bin", BIG)
        path = self.media / "a.bin"
        data = path.read_bytes()
        for damaged in (data[:-1], data + b"x", data[:len(files.MAGIC) + files._full_record()]):
            path.write_bytes(damaged)
            with self.assertRaises(files.DamagedFile):
                files.plain_size("a.bin")

    def test_a_download_says_its_plain_length(self) -> None:
        files.write("letters/a.pdf", BIG)
        response = files.download("letters/a.pdf", filename="a.pdf", content_type="application/pdf")
        self.assertEqual(response["Content-Length"], str(len(BIG)))
        self.assertEqual(b"".join(response.streaming_content), BIG)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="a.pdf"')
