from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident, normalise_postcode, validate_uk_postcode
from tests.base import BaseTestCase, local, make_incident


class RegulatorDeadlineTests(BaseTestCase):
    def test_it_is_72_hours_after_awareness(self) -> None:
        incident = make_incident(aware_at=local(2026, 6, 1, 9, 30), discovered_at=local(2026, 6, 1, 9))
        self.assertEqual(incident.regulator_deadline, local(2026, 6, 4, 9, 30))

    def test_it_counts_weekends_and_bank_holidays(self) -> None:
        # Friday before the late-May bank holiday: deadline is Monday, the holiday itself.
        incident = make_incident(aware_at=local(2026, 5, 22, 17, 0), discovered_at=local(2026, 5, 22, 16))
        self.assertEqual(incident.regulator_deadline, local(2026, 5, 25, 17, 0))

    def test_it_spans_73_wall_clock_hours_when_the_clocks_go_back(self) -> None:
        # Aware two days before BST ends (25 Oct 2026, 02:00 BST → 01:00 GMT).
        aware = local(2026, 10, 23, 10, 0)
        incident = make_incident(aware_at=aware, discovered_at=aware)
        deadline = timezone.localtime(incident.regulator_deadline)
        self.assertEqual((deadline.hour, deadline.day, deadline.tzname()), (9, 26, "GMT"))
        self.assertEqual(incident.regulator_deadline - aware, timedelta(hours=72))

    def test_it_spans_71_wall_clock_hours_when_the_clocks_go_forward(self) -> None:
        # Aware two days before BST starts (29 Mar 2026, 01:00 GMT → 02:00 BST).
        aware = local(2026, 3, 27, 10, 0)
        incident = make_incident(aware_at=aware, discovered_at=aware)
        deadline = timezone.localtime(incident.regulator_deadline)
        self.assertEqual((deadline.hour, deadline.day, deadline.tzname()), (11, 30, "BST"))

    def test_it_is_overdue_only_while_awaiting_a_decision(self) -> None:
        incident = make_incident(aware_at=local(2026, 6, 1, 9), discovered_at=local(2026, 6, 1, 8))
        after = local(2026, 6, 4, 9, 1)
        self.assertTrue(incident.is_overdue(after))
        self.assertFalse(incident.is_overdue(local(2026, 6, 4, 8, 59)))
        incident.status = Incident.Status.NOT_REPORTED
        self.assertFalse(incident.is_overdue(after))

    def test_time_left_is_negative_once_overdue(self) -> None:
        incident = make_incident(aware_at=local(2026, 6, 1, 9), discovered_at=local(2026, 6, 1, 8))
        self.assertEqual(incident.time_to_deadline(local(2026, 6, 4, 11)), timedelta(hours=-2))

    def test_every_regime_has_a_72_hour_clock_today(self) -> None:
        for regime in ("uk_gdpr", "dpa_part3", "pecr"):
            incident = make_incident(regime=regime)
            self.assertEqual(incident.regulator_deadline - incident.aware_at, timedelta(hours=72))


class ReferenceTests(BaseTestCase):
    @time_machine.travel(local(2026, 2, 1, 12), tick=False)
    def test_it_numbers_incidents_per_year(self) -> None:
        first = make_incident()
        second = make_incident()
        self.assertEqual((first.reference, second.reference), ("BR-2026-0001", "BR-2026-0002"))

    def test_it_restarts_numbering_in_a_new_year(self) -> None:
        with time_machine.travel(local(2026, 12, 31, 23, 30), tick=False):
            make_incident(aware_at=local(2026, 12, 31, 23), discovered_at=local(2026, 12, 31, 22))
        with time_machine.travel(local(2027, 1, 1, 0, 30), tick=False):
            incident = make_incident(aware_at=local(2027, 1, 1, 0), discovered_at=local(2026, 12, 31, 23))
        self.assertEqual(incident.reference, "BR-2027-0001")


class IncidentRulesTests(BaseTestCase):
    def _clean(self, **fields: object) -> ValidationError:
        incident = Incident(
            title="t", description="d", cause="other", regime="uk_gdpr", **fields  # type: ignore[arg-type]
        )
        with self.assertRaises(ValidationError) as caught:
            incident.full_clean()
        return caught.exception

    def test_it_refuses_awareness_before_discovery(self) -> None:
        error = self._clean(discovered_at=local(2026, 6, 2, 9), aware_at=local(2026, 6, 1, 9))
        self.assertIn("before “discovered at”", str(error.message_dict["aware_at"]))

    def test_it_refuses_a_reversed_occurred_range(self) -> None:
        error = self._clean(
            occurred_from=local(2026, 6, 2), occurred_to=local(2026, 6, 1),
            discovered_at=local(2026, 6, 3), aware_at=local(2026, 6, 3),
        )
        self.assertIn("reversed", str(error.message_dict["occurred_to"]))

    def test_it_refuses_dates_in_the_future(self) -> None:
        future = timezone.now() + timedelta(days=1)
        error = self._clean(discovered_at=future, aware_at=future)
        self.assertIn("cannot be in the future", str(error.message_dict["aware_at"]))

    def test_it_refuses_negative_counts(self) -> None:
        error = self._clean(discovered_at=local(2026, 6, 1), aware_at=local(2026, 6, 1), approx_subjects=-1)
        self.assertIn("approx_subjects", error.message_dict)


class PostcodeTests(BaseTestCase):
    def test_it_normalises_spacing_and_case(self) -> None:
        self.assertEqual(normalise_postcode(" sw1a1aa "), "SW1A 1AA")

    def test_it_accepts_real_formats(self) -> None:
        for value in ("SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "GIR 0AA"):
            validate_uk_postcode(value)

    def test_it_flags_what_is_not_a_uk_postcode(self) -> None:
        for value in ("12345", "SW1A", "QQ1 1QQ", "<b>SW1</b>"):
            with self.assertRaises(ValidationError, msg=value):
                validate_uk_postcode(value)
