"""The import writes all of its rows or none of them."""

from __future__ import annotations

from django.db import connection

from incidents.models import DataSubject, IncidentCategory, SubjectImport
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import confirm, csv_bytes, person, snapshot, upload

# A database trigger refusing the import's LAST write (the incident's exposed categories, after
# every person was inserted or merged and their history written): a real failure, no mock.
CREATE = {
    "sqlite": ("CREATE TRIGGER refuse_last BEFORE INSERT ON incidents_incidentcategory "
               "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END",),
    "postgresql": (
        "CREATE FUNCTION refuse_last() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_last BEFORE INSERT ON incidents_incidentcategory "
        "FOR EACH ROW EXECUTE FUNCTION refuse_last()",
    ),
}


class AllOrNothingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        make_subject(cls.incident, actor=cls.dpo, full_name="Alex Example", postcode="SW1A 1AA")

    def test_a_failure_at_the_last_write_leaves_the_incident_exactly_as_it_was(self) -> None:
        rows = [person(f"Person {n}", dob=f"19{n + 10}-01-01", categories="Health data") for n in range(60)]
        rows.append(person(role="Witness"))  # merges into the existing person: an update
        subject_import = upload(self.incident, self.handler, csv_bytes(rows))
        before = snapshot(self.incident)
        with connection.cursor() as cursor:
            for statement in CREATE[connection.vendor]:
                cursor.execute(statement)
        result = confirm(subject_import, self.handler)
        self.assertEqual(result.status, SubjectImport.Status.FAILED)
        self.assertIn("rolled back and nothing was saved", result.message)
        self.assertEqual(snapshot(self.incident), before)
        self.assertEqual(DataSubject.objects.count(), 1)
        self.assertFalse(IncidentCategory.objects.exists())
        self.assertEqual(result.tmp_name, "")
