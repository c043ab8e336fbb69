"""What a person's record says about how to write to them: their age on a date (a child's
letter goes to their parent or guardian), a representative, the data of theirs exposed.

A mixin of DataSubject (no fields of its own), kept apart to keep models.py small.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

REPRESENTATIVE_CHOICES = [
    ("attorney", "Attorney (lasting power of attorney)"),
    ("deputy", "Deputy (Court of Protection)"),
    ("appointee", "Appointee"),
    ("carer", "Carer"),
    ("other", "Other representative"),
]


class PersonMixin:
    date_of_birth: Any
    is_child: bool
    representative_relationship: str
    representative_name: str
    representative_address: str
    categories_mask: int

    def category_list(self, categories: list[Any]) -> list[Any]:  # defined on DataSubject
        raise NotImplementedError

    def exposed_list(self, categories: list[Any], incident_categories: list[Any]) -> list[Any]:
        """This person's exposed data: their own categories when recorded, else the incident's
        (which apply to everyone whose own are not recorded)."""
        return self.category_list(categories) or list(incident_categories)

    def age_on(self, day: date) -> int | None:
        """Age in whole years on `day`, from the date of birth (None when not recorded)."""
        born = self.date_of_birth
        if not born:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_child_on(self, day: date) -> bool:
        """Under 18 on `day` by the date of birth, or marked a child by hand."""
        age = self.age_on(day)
        return self.is_child or (age is not None and age < 18)

    @property
    def is_child_today(self) -> bool:
        return self.is_child_on(timezone.localdate())

    @property
    def has_representative(self) -> bool:
        return bool(self.representative_relationship and self.representative_name.strip())

    @property
    def representative_lines(self) -> list[str]:
        return [line.strip() for line in self.representative_address.splitlines() if line.strip()]
