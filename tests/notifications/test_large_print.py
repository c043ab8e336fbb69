"""A large-print letter on request, from the person's record or the import."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from incidents.imports.reader import FIELDS
from incidents.models import DataSubject
from notifications import services
from notifications.models import Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.test_subjects import _form
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready


def pages_and_sizes(n: Notification) -> tuple[int, float]:
    with n.pdf.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    sizes: list[float] = []

    def visit(text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if text.strip() and "Dear" in text:
            sizes.append(size * tm[0])

    reader.pages[0].extract_text(visitor_text=visit)
    return len(reader.pages), max(sizes)


@isolated_media
class LargePrintTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def test_a_large_print_letter_is_in_large_type(self) -> None:
        standard = make_subject(self.incident, actor=self.dpo, full_name="Sam Standard")
        large = make_subject(self.incident, actor=self.dpo, full_name="Lee Large", large_print=True)
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            generate_all(services.batch_start(incident=self.incident, actor=self.dpo))
        standard_pages, standard_size = pages_and_sizes(Notification.objects.get(subject=standard))
        large_pages, large_size = pages_and_sizes(Notification.objects.get(subject=large))
        self.assertGreaterEqual(large_size / standard_size, 18 / 11 - 0.01)  # 18 point against 11
        self.assertGreater(large_pages, standard_pages)

    def test_the_persons_form_records_large_print(self) -> None:
        self.login(self.handler)
        self.client.post(reverse("subject_create", args=[self.incident.reference]), _form(large_print="on"))
        self.assertTrue(DataSubject.objects.get().large_print)

    def test_the_import_knows_a_large_print_column(self) -> None:
        self.assertIn("large_print", [f.key for f in FIELDS])
