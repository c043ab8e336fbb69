"""One record of every kind a page can be about, for tests that visit every page."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.casework import services as casework_services
from incidents.controllers import services as party_services
from incidents.disclosure.evidence import evidence_attach
from incidents.models import SubjectImport
from incidents.regulator import services as regulator_services
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.controllers import make_processor_incident
from tests.notifications.helpers import isolated_media, make_generated_letter


@isolated_media
class EveryKindOfRecordTestCase(BaseTestCase):
    """An incident with a person, an import and a generated letter (batch, print pack), and a
    DPA 2018 Part 3 incident with a restriction (restrictions exist under Part 3 only), a
    partner controller on the first, and an incident where we act as processor, complete
    enough for its notice to the controller (issue 19)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        cls.subject = make_subject(cls.incident, actor=cls.dpo)
        cls.part3 = make_incident(actor=cls.dpo, regime="dpa_part3")
        cls.restriction = assessment_services.restriction_create(
            incident=cls.part3, actor=cls.dpo,
            fields={"grounds": "b", "rationale": "Live investigation.", "review_date": date.today() + timedelta(days=30)},
        )
        cls.subject_import = SubjectImport.objects.create(
            incident=cls.incident, created_by=cls.dpo, file_name="people.csv", file_sha256="0" * 64,
            file_kind="csv", headers=["Full name", "Role"], mapping=["full_name", "roles"],
            status=SubjectImport.Status.VALIDATED)
        cls.notification, cls.batch, cls.pack = make_generated_letter(cls.incident, cls.subject, actor=cls.dpo)
        cls.evidence = evidence_attach(incident=cls.incident, actor=cls.dpo, data=b"name,role\n", file_name="out.csv",
                                       verdict="pass")
        cls.person_request = casework_services.request_create(incident=cls.incident, actor=cls.dpo, fields={
            "subject": cls.subject, "kind": "access", "received_on": timezone.localdate(), "summary": "A copy.",
            "owner": cls.dpo})
        cls.partner = party_services.party_create(incident=cls.incident, actor=cls.dpo, kind="partner", fields={
            "name": "Southshire Police", "reports_to_ico": "us", "tells_people": "both"})
        cls.processor_incident = make_processor_incident(cls.dpo)
        cls.contact = casework_services.contact_create(incident=cls.incident, actor=cls.dpo, fields={
            "subject": cls.subject, "channel": "phone", "direction": "in", "happened_at": timezone.now(),
            "question": "Is my address out there?", "follow_up": "Ring back with the letter's date."})
        cls.regulator_request = regulator_services.regulator_request_add(incident=cls.incident, actor=cls.dpo, fields={
            "received_on": timezone.localdate(), "due_on": timezone.localdate() + timedelta(days=14),
            "asked": "Your release procedure.", "owner": cls.dpo})
        cls.regulator_letter = regulator_services.correspondence_add(
            incident=cls.incident, actor=cls.dpo, fields={"direction": "in", "sent_on": timezone.localdate(),
                                                          "summary": "The ICO's letter."},
            upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", "application/pdf"))
        cls.incident_link = regulator_services.link_add(incident=cls.incident, actor=cls.dpo, other=cls.part3,
                                                        reason="Investigated together.")
