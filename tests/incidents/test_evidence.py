"""The file that went out, kept as evidence: encrypted at rest, downloaded only by DPO and handlers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from incidents.models import Evidence
from tests.base import BaseTestCase, make_incident
from tests.disclosure import files
from tests.incidents.test_disclosure_views import upload
from tests.notifications.helpers import isolated_media


@isolated_media
class EvidenceTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("incident_disclosure_check", args=[self.incident.reference])
        self.leak = files.hidden_sheet_xlsx()

    def _keep(self, name: str = "foi-response.xlsx") -> Evidence:
        self.login(self.handler)
        response = self.client.post(self.url, {"file": upload(self.leak, name), "attach_evidence": "on"})
        self.assertContains(response, "kept with the incident as evidence")
        return Evidence.objects.get(incident=self.incident)

    def _stored(self, evidence: Evidence) -> bytes:
        return (Path(settings.MEDIA_ROOT) / evidence.stored_name).read_bytes()

    def test_the_file_is_kept_encrypted_with_its_fingerprint(self) -> None:
        evidence = self._keep()
        stored = self._stored(evidence)
        self.assertEqual(evidence.sha256, hashlib.sha256(self.leak).hexdigest())
        self.assertEqual((evidence.size, evidence.verdict, evidence.attached_by), (len(self.leak), "fail", self.handler))
        self.assertNotIn(b"PK\x03\x04", stored)  # not the workbook's zip bytes
        self.assertNotIn(b"John Smith", stored)
        self.assertNotIn("foi-response", evidence.stored_name)

    def test_the_dpo_and_handlers_download_the_exact_file(self) -> None:
        evidence = self._keep()
        url = reverse("evidence_download", args=[self.incident.reference, evidence.pk])
        for user in (self.dpo, self.handler):
            self.login(user)
            response = self.client.get(url)
            self.assertEqual(response.content, self.leak)
            self.assertEqual(response["Content-Disposition"],
                             f'attachment; filename="{self.incident.reference}-evidence-{evidence.pk}.xlsx"')

    def test_auditors_and_people_without_a_role_cannot_download_it(self) -> None:
        evidence = self._keep()
        url = reverse("evidence_download", args=[self.incident.reference, evidence.pk])
        for user in (self.auditor, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_is_only_found_under_its_own_incident(self) -> None:
        evidence = self._keep()
        other = make_incident(actor=self.dpo)
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("evidence_download", args=[other.reference, evidence.pk])).status_code, 404)

    def test_a_changed_file_on_disk_is_refused_not_served(self) -> None:
        from breachtracker import crypto, files

        evidence = self._keep()
        # Stored through the storage (so its own layer of encryption is sound): only the
        # evidence's SHA-256 can tell.
        files.write(evidence.stored_name, crypto.fernet().encrypt(b"tampered"))
        self.login(self.dpo)
        with self.assertRaises(ValueError):
            self.client.get(reverse("evidence_download", args=[self.incident.reference, evidence.pk]))

    def test_without_the_tick_nothing_is_kept(self) -> None:
        folder = Path(settings.MEDIA_ROOT) / "evidence"
        before = sorted(folder.iterdir()) if folder.exists() else []
        self.login(self.handler)
        self.client.post(self.url, {"file": upload(self.leak)})
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual(sorted(folder.iterdir()) if folder.exists() else [], before)

    def test_a_path_trick_in_the_name_is_shown_as_a_plain_name(self) -> None:
        evidence = self._keep(name="..\\..\\etc\\<img src=x onerror=alert(1)>.xlsx")
        self.assertEqual(evidence.file_name, "<img src=x onerror=alert(1)>.xlsx")
        self.login(self.dpo)
        page = self.client.get(self.url)
        self.assertContains(page, "&lt;img src=x onerror=alert(1)&gt;.xlsx")
        self.assertNotContains(page, "<img src=x")

    def test_keeping_it_is_in_the_incidents_history(self) -> None:
        self._keep()
        self.login(self.auditor)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "File kept as evidence")
        self.assertContains(page, "Harri Lewis")

    def test_the_pre_release_check_offers_no_evidence_box(self) -> None:
        self.login(self.handler)
        self.assertNotContains(self.client.get(reverse("disclosure_check")), "attach_evidence")
