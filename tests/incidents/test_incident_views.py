from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentCategory
from tests.base import BaseTestCase, category, make_incident


def _form(**overrides: str) -> dict[str, str]:
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "title": "FOI response carried a hidden tab",
        "description": "Names of victims on a hidden sheet.",
        "discovery": "A requester told us.",
        "cause": "hidden_data",
        "regime": "dpa_part3",
        "data_role": "controller",
        "breach_confidentiality": "on",
        "discovered_at": (now - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
        "aware_at": (now - timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "approx_subjects": "1230",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class IncidentCreateTests(BaseTestCase):
    def test_it_logs_an_incident_and_starts_the_clock(self) -> None:
        self.login(self.handler)
        response = self.client.post(reverse("incident_create"), _form())
        incident = Incident.objects.get()
        self.assertRedirects(response, incident.get_absolute_url())
        self.assertRegex(incident.reference, r"^BR-\d{4}-0001$")
        page = self.client.get(incident.get_absolute_url())
        self.assertContains(page, "left")
        self.assertContains(page, "Regulator deadline")

    def test_it_records_who_created_it_in_the_history(self) -> None:
        self.login(self.handler)
        self.client.post(reverse("incident_create"), _form())
        record = Incident.history.get()
        self.assertEqual(record.history_user, self.handler)
        self.assertEqual(record.history_type, "+")

    def test_it_refuses_awareness_before_discovery_and_saves_nothing(self) -> None:
        self.login(self.dpo)
        response = self.client.post(
            reverse("incident_create"),
            _form(discovered_at="2026-01-02T10:00", aware_at="2026-01-01T10:00"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "before “discovered at”")
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_reversed_occurred_range(self) -> None:
        self.login(self.dpo)
        response = self.client.post(
            reverse("incident_create"),
            _form(occurred_from="2026-01-05T10:00", occurred_to="2026-01-01T10:00"),
        )
        self.assertContains(response, "the range is reversed")
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_times_in_the_future(self) -> None:
        self.login(self.dpo)
        tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(reverse("incident_create"), _form(aware_at=tomorrow, discovered_at=tomorrow))
        self.assertContains(response, "cannot be in the future")
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_negative_counts(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("incident_create"), _form(approx_subjects="-5"))
        self.assertContains(response, "greater than or equal to 0")
        self.assertFalse(Incident.objects.exists())

    def test_it_needs_at_least_one_kind_of_breach(self) -> None:
        self.login(self.dpo)
        data = _form()
        del data["breach_confidentiality"]
        response = self.client.post(reverse("incident_create"), data)
        self.assertContains(response, "Tick at least one kind of breach")
        self.assertFalse(Incident.objects.exists())

    def test_it_stores_hostile_text_and_shows_it_escaped(self) -> None:
        self.login(self.dpo)
        hostile = '<script>alert("x")</script>=HYPERLINK("http://evil")' + "ű" * 50
        self.client.post(reverse("incident_create"), _form(title=hostile[:200], description=hostile * 100))
        incident = Incident.objects.get()
        self.assertEqual(incident.title, hostile[:200])
        page = self.client.get(incident.get_absolute_url())
        self.assertNotContains(page, "<script>alert")
        self.assertContains(page, "&lt;script&gt;alert")

    def test_it_refuses_a_title_that_is_too_long(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("incident_create"), _form(title="x" * 201))
        self.assertContains(response, "at most 200 characters")
        self.assertFalse(Incident.objects.exists())


class IncidentEditTests(BaseTestCase):
    def test_it_records_each_change_with_who_and_old_and_new(self) -> None:
        incident = make_incident(actor=self.dpo, title="Old title")
        self.login(self.handler)
        data = _form(title="New title", regime="uk_gdpr")
        self.client.post(reverse("incident_edit", args=[incident.reference]), data)
        page = self.client.get(reverse("incident_history", args=[incident.reference]))
        self.assertContains(page, "Old title")
        self.assertContains(page, "New title")
        self.assertContains(page, "Harri Lewis")
        self.assertEqual(incident.history.latest().history_user, self.handler)

    def test_the_history_names_people_not_ids(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.dpo)
        self.client.post(reverse("incident_edit", args=[incident.reference]),
                         _form(title=incident.title, handler=str(self.handler.pk)))
        page = self.client.get(reverse("incident_history", args=[incident.reference]))
        self.assertContains(page, "<td class=\"history-change break-anywhere\">Harri Lewis</td>", html=False)

    def test_an_invalid_edit_changes_nothing(self) -> None:
        incident = make_incident(actor=self.dpo, title="Kept")
        self.login(self.dpo)
        self.client.post(
            reverse("incident_edit", args=[incident.reference]),
            _form(title="Lost", discovered_at="2026-01-02T10:00", aware_at="2026-01-01T10:00"),
        )
        incident.refresh_from_db()
        self.assertEqual(incident.title, "Kept")
        self.assertEqual(incident.history.count(), 1)


class IncidentCategoriesTests(BaseTestCase):
    def test_it_records_exposed_categories_with_counts(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.handler)
        self.client.post(
            reverse("incident_categories", args=[incident.reference]),
            {"exposed_basic_identifiers": "on", "records_basic_identifiers": "1230", "exposed_criminal": "on"},
        )
        rows = {r.category.code: r.approx_records for r in IncidentCategory.objects.filter(incident=incident)}
        self.assertEqual(rows, {"basic_identifiers": 1230, "criminal": None})
        page = self.client.get(incident.get_absolute_url())
        self.assertContains(page, "Basic personal identifiers, eg name, contact details")
        self.assertContains(page, "criminal offence")

    def test_it_removes_unticked_categories_and_keeps_the_history(self) -> None:
        incident = make_incident(actor=self.dpo)
        IncidentCategory.objects.create(incident=incident, category=category("health"))
        self.login(self.dpo)
        self.client.post(reverse("incident_categories", args=[incident.reference]), {})
        self.assertFalse(IncidentCategory.objects.filter(incident=incident).exists())
        self.assertEqual(IncidentCategory.history.filter(incident_id=incident.pk, history_type="-").count(), 1)

    def test_it_refuses_a_count_for_an_unticked_category(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.dpo)
        response = self.client.post(
            reverse("incident_categories", args=[incident.reference]), {"records_health": "5"}
        )
        self.assertContains(response, "did not tick it as exposed")
        self.assertFalse(IncidentCategory.objects.exists())

    def test_other_needs_details(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.dpo)
        response = self.client.post(reverse("incident_categories", args=[incident.reference]), {"exposed_other": "on"})
        self.assertContains(response, "Say what the other data was")


class RegisterTests(BaseTestCase):
    def test_it_filters_by_status_regime_and_searches(self) -> None:
        make_incident(actor=self.dpo, title="Laptop stolen", regime="uk_gdpr")
        police = make_incident(actor=self.dpo, title="FOI hidden tab", regime="dpa_part3")
        self.login(self.auditor)
        page = self.client.get(reverse("incident_list"), {"regime": "dpa_part3"})
        self.assertContains(page, "FOI hidden tab")
        self.assertNotContains(page, "Laptop stolen")
        page = self.client.post(reverse("incident_list"), {"q": police.reference}, follow=True)
        self.assertContains(page, "FOI hidden tab")
        page = self.client.post(reverse("incident_list"), {"q": "laptop"}, follow=True)
        self.assertNotContains(page, "FOI hidden tab")

    def test_it_paginates(self) -> None:
        for n in range(30):
            make_incident(actor=self.dpo, title=f"Incident number {n}")
        self.login(self.auditor)
        self.assertContains(self.client.get(reverse("incident_list")), "Page 1 of 2")

    def test_a_bad_filter_value_is_ignored_not_an_error(self) -> None:
        self.login(self.auditor)
        self.assertEqual(self.client.get(reverse("incident_list"), {"year": "abc"}).status_code, 200)

    def test_a_page_that_is_not_a_number_is_a_400_with_a_message(self) -> None:
        self.login(self.auditor)
        response = self.client.get(reverse("incident_list"), {"page": "zz"})
        self.assertContains(response, "That page number is not valid", status_code=400)


class DashboardTests(BaseTestCase):
    def test_it_lists_open_incidents_most_urgent_first(self) -> None:
        now = timezone.now()
        later = make_incident(actor=self.dpo, title="Aware recently", aware_at=now - timedelta(hours=1),
                              discovered_at=now - timedelta(hours=2))
        sooner = make_incident(actor=self.dpo, title="Aware long ago", aware_at=now - timedelta(hours=70),
                               discovered_at=now - timedelta(hours=71))
        make_incident(actor=self.dpo, title="Closed one", status=Incident.Status.CLOSED)
        self.login(self.auditor)
        page = self.client.get(reverse("dashboard")).content.decode()
        self.assertLess(page.index(sooner.title), page.index(later.title))
        self.assertNotIn("Closed one", page)

    def test_it_says_overdue_in_words_not_only_colour(self) -> None:
        now = timezone.now()
        make_incident(actor=self.dpo, aware_at=now - timedelta(hours=80), discovered_at=now - timedelta(hours=81))
        self.login(self.dpo)
        page = self.client.get(reverse("dashboard"))
        self.assertContains(page, "Overdue by 8 hours")
        self.assertContains(page, "1 past the regulator deadline")
