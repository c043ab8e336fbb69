"""Issue 20: the helpline log — a call, email, letter or visit found against the right person
(exact name, their reference, their letter's reference), follow-ups, the phone script from the
plan's public wording, and a person's contacts in both directions; history, audit CSV,
encryption, retention and the digest."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.core.exceptions import ValidationError
from django.test.utils import CaptureQueriesContext
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from incidents.casework import services
from incidents.casework.finder import find_person
from incidents.casework.models import Contact
from notifications import delivery
from notifications import services as notification_services
from notifications.models import LetterApproval, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import PLAN_WORDING, fill_plan, isolated_media, make_ready
from tests.test_hostile_input import history_rows


def _call(incident, actor, **fields):  # type: ignore[no-untyped-def]
    values = {"channel": "phone", "direction": "in", "happened_at": timezone.now() - timedelta(minutes=10),
              "question": "Is my address out there?", "told": "What happened, from the script."}
    values.update(fields)
    return services.contact_create(incident=incident, actor=actor, fields=values)


class FinderTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Caller", reference="CR-7")

    def test_by_exact_name_reference_or_letter_reference(self) -> None:
        letter = Notification.objects.create(incident=self.incident, subject=self.person)
        for text in ("Rhiannon Caller", "  rhiannon   CALLER ", "CR-7", "cr-7", letter.letter_reference,
                     letter.letter_reference.lower()):
            with self.subTest(text=text):
                self.assertEqual(find_person(self.incident, text), self.person)

    def test_nobody_another_incident_or_two_people_is_a_clear_refusal(self) -> None:
        other = make_incident(actor=self.handler)
        make_subject(other, actor=self.handler, full_name="Elsewhere Person")
        make_subject(self.incident, actor=self.handler, full_name="Same Name")
        make_subject(self.incident, actor=self.handler, full_name="Same Name")
        cases = [("Rhiannon", "Nobody on this incident's list"),  # a part of a name is not a match
                 ("Elsewhere Person", "Nobody on this incident's list"),
                 (f"{other.reference}-L1", f"another incident ({other.reference})"),
                 (f"{self.incident.reference}-L999999", "No letter of"),
                 ("Same Name", "More than one person"),
                 ("", "Give their name"), ("x" * 301, "longer than a name")]
        for text, message in cases:
            with self.subTest(text=text[:20]), self.assertRaisesMessage(ValidationError, message):
                find_person(self.incident, text)


class ContactServiceTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Caller")

    def test_a_call_with_a_follow_up_waits_until_done_with_who_in_the_history(self) -> None:
        contact = _call(self.incident, self.handler, subject=self.person, follow_up="Send her a copy of the letter.",
                        follow_up_due=timezone.localdate() + timedelta(days=2))
        self.assertEqual(contact.status, Contact.Status.FOLLOW_UP)
        self.assertEqual(contact.handled_by, self.handler)
        self.assertEqual(contact.history.latest().history_user, self.handler)
        self.assertEqual(contact.history.latest().history_change_reason, "Phone contact logged")
        done = services.contact_follow_up_done(contact=contact, actor=self.dpo, outcome="Posted a copy.")
        self.assertEqual((done.status, done.outcome), (Contact.Status.DONE, "Posted a copy."))
        self.assertEqual(done.history.latest().history_user, self.dpo)
        with self.assertRaisesMessage(ValidationError, "no follow-up waiting"):
            services.contact_follow_up_done(contact=done, actor=self.dpo, outcome="Again")

    def test_refused_another_incidents_person_the_future_or_a_date_without_a_follow_up(self) -> None:
        stranger = make_subject(make_incident(actor=self.handler), actor=self.handler, full_name="Elsewhere")
        cases = [({"subject": stranger}, "not one of this incident's affected people"),
                 ({"happened_at": timezone.now() + timedelta(hours=2)}, "cannot be logged in the future"),
                 ({"follow_up_due": timezone.localdate()}, "only for a contact that needs a follow-up")]
        for fields, message in cases:
            with self.subTest(fields=list(fields)), self.assertRaisesMessage(ValidationError, message):
                _call(self.incident, self.handler, **fields)
        self.assertFalse(Contact.objects.exists())

    def test_totals_and_the_digest_to_whoever_logged_it_without_what_was_said(self) -> None:
        self.handler.email = "handler@example.org"
        self.handler.save()
        today = timezone.localdate()
        _call(self.incident, self.handler, subject=self.person, question="My sister's address 9 Hidden Road",
              follow_up="Call her back", follow_up_due=today - timedelta(days=1))
        _call(self.incident, self.handler, caller="A journalist", direction="in")
        _call(self.incident, self.dpo, subject=self.person, direction="out")
        self.assertEqual(services.contact_totals(self.incident), {"total": 3, "incoming": 2, "follow_up": 1})
        self.assertEqual(delivery.digests_send(today=today), 1)
        body = mail.outbox[0].body
        self.assertEqual(mail.outbox[0].to, ["handler@example.org"])
        self.assertIn("Follow-ups from calls and messages:", body)
        self.assertIn(f"{self.incident.reference}: phone of", body)
        self.assertIn("follow up overdue since", body)
        self.assertNotIn("Hidden Road", body)
        self.assertNotIn("Rhiannon", body)


class ContactViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Caller", reference="CR-7")
        self.letter = Notification.objects.create(incident=self.incident, subject=self.person)
        self.url = reverse("contact_create", args=[self.incident.reference])

    def _post(self, **overrides: str) -> object:
        data = {"person": self.letter.letter_reference, "direction": "in", "channel": "phone",
                "happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "question": "<script>alert(1)</script> Is my <b>address</b> out?", "told": "The script's words.",
                "follow_up": "", "follow_up_due": "", "caller": ""}
        data.update(overrides)
        return self.client.post(self.url, data)

    def test_a_handler_logs_a_call_by_letter_reference_and_it_shows_escaped_on_the_person(self) -> None:
        self.login(self.handler)
        response = self._post(follow_up="Send a large-print copy")
        contact = Contact.objects.get()
        self.assertRedirects(response, reverse("contact_detail", args=[self.incident.reference, contact.pk]))
        self.assertEqual((contact.subject, contact.status), (self.person, Contact.Status.FOLLOW_UP))
        page = self.client.get(reverse("contact_detail", args=[self.incident.reference, contact.pk]))
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt; Is my &lt;b&gt;address&lt;/b&gt; out?")
        self.assertContains(page, "Phone contact logged")
        person = self.client.get(reverse("subject_detail", args=[self.incident.reference, self.person.pk]))
        self.assertContains(person, "follow-up needed")
        waiting = self.client.get(reverse("contact_list", args=[self.incident.reference]) + "?show=follow_up")
        self.assertContains(waiting, "Rhiannon Caller")
        done = self.client.post(reverse("contact_detail", args=[self.incident.reference, contact.pk]),
                                {"outcome": "Posted it."})
        self.assertEqual(done.status_code, 302)
        self.assertContains(self.client.get(reverse("contact_list", args=[self.incident.reference])
                                            + "?show=follow_up"), "No follow-ups waiting.")

    def test_from_the_persons_page_the_form_says_whose_it_is(self) -> None:
        self.login(self.handler)
        page = self.client.get(self.url + f"?person={self.person.pk}")
        self.assertContains(page, "For <a")
        self.assertContains(page, f'name="person_record" value="{self.person.pk}"')
        response = self._post(person="", person_record=str(self.person.pk))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Contact.objects.get().subject, self.person)
        for hostile in ("1e9", "-1", "²", "<b>", "9" * 40):  # a link's record is a plain number or nothing
            with self.subTest(hostile=hostile):
                self.assertEqual(self.client.get(self.url + f"?person={hostile}").status_code, 200)

    def test_bad_input_says_what_is_wrong_and_saves_nothing(self) -> None:
        self.login(self.handler)
        before = history_rows()
        cases = [({"person": "Rhiannon"}, "Nobody on this incident"),
                 ({"person": "", "caller": ""}, "Say who it was"),
                 ({"person_record": "999999"}, "not one of this incident&#x27;s affected people"),
                 ({"happened_at": "2026-13-45T99:00"}, "Enter a valid date/time."),
                 ({"happened_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
                  "cannot be logged in the future"),
                 ({"question": ""}, "This field is required."),
                 ({"question": "x" * 5001}, "at most 5000 characters"),
                 ({"follow_up_due": "2026-12-31"}, "only for a contact that needs a follow-up"),
                 ({"channel": "carrier pigeon"}, "Select a valid choice.")]
        for overrides, message in cases:
            with self.subTest(overrides=list(overrides)):
                response = self._post(**overrides)
                self.assertContains(response, message)
        self.assertFalse(Contact.objects.exists())
        self.assertEqual(history_rows(), before)

    def test_someone_not_on_the_list_is_logged_with_who_they_are(self) -> None:
        self.login(self.handler)
        response = self._post(person="", caller="=HYPERLINK(\"x\") her son, Mr Lee")
        self.assertEqual(response.status_code, 302)
        contact = Contact.objects.get()
        self.assertIsNone(contact.subject)
        listing = self.client.get(reverse("contact_list", args=[self.incident.reference]))
        self.assertContains(listing, "not on the list")

    def test_roles(self) -> None:
        contact = _call(self.incident, self.handler, subject=self.person, follow_up="Ring back")
        self.login(self.auditor)
        for name, args in (("contact_list", []), ("contact_detail", [contact.pk]), ("phone_script", []),
                           ("person_contacts", [self.person.pk])):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name, args=[self.incident.reference, *args])).status_code, 200)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self._post().status_code, 403)
        detail = reverse("contact_detail", args=[self.incident.reference, contact.pk])
        self.assertEqual(self.client.post(detail, {"outcome": "x"}).status_code, 403)
        self.assertEqual(Contact.objects.get().status, Contact.Status.FOLLOW_UP)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("contact_list", args=[self.incident.reference])).status_code, 302)
        self.login(self.outsider)
        self.assertEqual(self.client.get(reverse("contact_list", args=[self.incident.reference])).status_code, 403)

    def test_the_pages_cost_the_same_queries_for_two_contacts_or_sixty(self) -> None:
        self.login(self.dpo)
        pages = [reverse("contact_list", args=[self.incident.reference]),
                 reverse("contact_list", args=[self.incident.reference]) + "?show=follow_up",
                 reverse("person_contacts", args=[self.incident.reference, self.person.pk]),
                 reverse("subject_detail", args=[self.incident.reference, self.person.pk])]

        def counts() -> list[int]:
            found = []
            for page in pages:
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(page).status_code, 200)
                found.append(len(queries))
            return found

        for _ in range(2):
            _call(self.incident, self.handler, subject=self.person, follow_up="Ring back")
        self.client.get(pages[0])  # the session's first request writes it
        few = counts()
        for _ in range(58):
            _call(self.incident, self.handler, subject=self.person, follow_up="Ring back")
        for attempt in range(3):
            notification_services.contact_record(notification=self.letter, actor=self.handler,
                                                  expected_version=self.letter.version + attempt, channel="phone",
                                                  contacted_at=timezone.now(), outcome="no_answer")
        self.assertEqual(counts(), few)
        for page, expected in zip(pages, few, strict=True):
            with self.subTest(page=page), self.assertNumQueries(expected):
                self.client.get(page)


class PersonContactsTests(BaseTestCase):
    def test_both_directions_newest_first(self) -> None:
        incident = make_incident(actor=self.handler)
        person = make_subject(incident, actor=self.handler, full_name="Rhiannon Caller")
        letter = Notification.objects.create(incident=incident, subject=person)
        now = timezone.now()
        notification_services.contact_record(notification=letter, actor=self.handler, expected_version=letter.version,
                                              channel="phone", contacted_at=now - timedelta(days=3), outcome="told")
        _call(incident, self.handler, subject=person, happened_at=now - timedelta(days=1),
              question="Why was my address in it?")
        _call(incident, self.handler, subject=person, direction="out", happened_at=now - timedelta(hours=1),
              question="Rang back about the copy.")
        services.request_create(incident=incident, actor=self.handler, fields={
            "subject": person, "kind": "access", "received_on": timezone.localdate() - timedelta(days=2),
            "summary": "A copy", "owner": self.handler})
        self.login(self.auditor)
        page = self.client.get(reverse("person_contacts", args=[incident.reference, person.pk])).content.decode()
        order = [page.index(text) for text in ("Rang back about the copy.", "Why was my address in it?",
                                               "Subject access request received",
                                               "Spoke to the person and told them")]
        self.assertEqual(order, sorted(order))
        self.assertIn("Delivered / told", page)  # the letter's state from its history
        self.assertEqual(page.count("They contacted us"), 2)
        self.assertEqual(page.count("We contacted them"), 3)


class PhoneScriptTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        make_subject(self.incident, actor=self.dpo)
        self.url = reverse("phone_script", args=[self.incident.reference])
        self.login(self.handler)

    def test_missing_wording_is_shown_missing_never_made_up(self) -> None:
        fill_plan(self.incident, consequences="", support="")
        page = self.client.get(self.url)
        self.assertContains(page, "Not written yet:</strong> What it could mean for them, Who can help them.")
        self.assertContains(page, "Draft.")
        self.assertContains(page, PLAN_WORDING["public_description"])

    def test_the_approved_words_stay_until_new_ones_are_approved(self) -> None:
        make_ready(self.incident, self.dpo)
        self.assertTrue(LetterApproval.objects.filter(incident=self.incident).exists())
        fill_plan(self.incident, measures="We changed <b>everything</b>.")
        page = self.client.get(self.url)
        self.assertNotContains(page, "Draft.")
        self.assertContains(page, "The plan has changed since then")
        self.assertContains(page, PLAN_WORDING["measures"])
        self.assertNotContains(page, "We changed")
        self.assertNotContains(page, "Not written yet")


@isolated_media  # the key rotation also re-encrypts every stored file: only this test's
class ContactRecordTests(BaseTestCase):
    """What was said is personal data: encrypted at rest, rotated with the keys, kept out of
    the History tab and audit CSV, purged at the end of retention."""

    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Caller")
        self.contact = _call(self.incident, self.handler, subject=self.person,
                             question="My address 12 Secret Street", follow_up="Ring back")

    def test_history_tab_and_audit_csv_show_who_and_when_not_what(self) -> None:
        services.contact_follow_up_done(contact=self.contact, actor=self.dpo, outcome="Rang, 12 Secret Street")
        self.login(self.dpo)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "Call or message")
        self.assertContains(page, f"Affected person #{self.person.pk}")
        self.assertContains(page, "Follow-up done")
        self.assertNotContains(page, "Secret Street")
        audit = self.client.get(reverse("incident_audit_csv", args=[self.incident.reference]))
        body = b"".join(audit.streaming_content).decode() if audit.streaming else audit.content.decode()
        self.assertIn("Call or message", body)
        self.assertIn("Dana Okafor", body)
        self.assertNotIn("Secret Street", body)
        self.assertNotIn("Rhiannon", body)

    def test_encrypted_and_rotated_with_the_keys(self) -> None:
        from io import StringIO

        from cryptography.fernet import Fernet
        from django.core.management import call_command
        from django.test import override_settings

        from breachtracker import crypto

        with connection.cursor() as cursor:
            cursor.execute("SELECT question FROM incidents_contact")
            self.assertNotIn("Secret Street", cursor.fetchone()[0])
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_KEYS=[new, *crypto.settings.FIELD_KEYS]):
            call_command("rotate_field_keys", stdout=StringIO())
        with override_settings(FIELD_KEYS=[new]):
            fresh = Contact.objects.get(pk=self.contact.pk)
            self.assertEqual(fresh.question, "My address 12 Secret Street")
            self.assertEqual(fresh.history.earliest().question, "My address 12 Secret Street")

    def test_the_retention_purge_removes_what_was_said(self) -> None:
        from incidents.retention import incident_purge_people

        with transaction.atomic():
            incident_purge_people(incident=self.incident, actor=None, reason="Retention period over")
        fresh = Contact.objects.get(pk=self.contact.pk)
        self.assertNotIn("Secret Street", fresh.question)
        self.assertEqual(fresh.follow_up, "")
        self.assertFalse(any("Secret Street" in h.question for h in fresh.history.all()))
        self.assertEqual(services.contact_totals(self.incident)["total"], 1)
