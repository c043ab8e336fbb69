"""The people affected by an incident.

`PersonMixin` holds what a person's record says about how to write to them: their age on a
date (a child's letter goes to their parent or guardian), a representative, the data of theirs
exposed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedTextField,
    blind_index,
    blind_key,
)

from ..register.models import DataCategory, Incident
from ..vocab import ROLES, Channel, Role, mask_to_roles

# UK postcode shape (the Royal Mail format, incl. GIR 0AA and the BFPO-free forms). Checked
# on the normalised value: upper case, one space before the inward code.
UK_POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ][0-9][0-9]? [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][0-9]? [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW] [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY] [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_uk_postcode(value: str) -> None:
    if value and not UK_POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError(
            "“%(value)s” is not a UK postcode (the format is like SW1A 1AA or M1 1AE).",
            params={"value": value},
            code="postcode",
        )


REPRESENTATIVE_CHOICES = [
    ("attorney", "Attorney (lasting power of attorney)"),
    ("deputy", "Deputy (Court of Protection)"),
    ("appointee", "Appointee"),
    ("carer", "Carer"),
    ("other", "Other representative"),
]


def age_on(born: date | None, day: date) -> int | None:
    """Age in whole years on `day` of someone born on `born` (None when not known)."""
    if not born:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


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
        return age_on(self.date_of_birth, day)

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


# ---------------------------------------------------------------------------------------
# Who is the same person: the keys the import de-duplicates and matches people by

_PUNCT_RE = re.compile(r"[^\w\s]|_")

KEY_REASONS = {"d": "same name and date of birth", "p": "same name and postcode", "e": "same name and email"}


def normalise_name(name: str) -> str:
    """Casefolded, accents and punctuation stripped, whitespace collapsed: “O'Brien, Siân” → “o brien sian”."""
    if not name.isascii():  # plain ASCII has no accents to strip (most names: a fast path)
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCT_RE.sub(" ", name.casefold()).split())


def person_keys(full_name: str, date_of_birth: date | None, postcode: str, email: str) -> list[str]:
    """The keys under which two records are the same person, strongest first."""
    name = normalise_name(full_name)
    if not name:
        return []
    keys = []
    if date_of_birth:
        # A date, or the ISO text a form or a fixture may still hold before it is saved.
        day = date_of_birth.isoformat() if isinstance(date_of_birth, date) else str(date_of_birth)
        keys.append(f"d\x1f{name}\x1f{day}")
    if postcode:
        keys.append(f"p\x1f{name}\x1f{normalise_postcode(postcode).replace(' ', '')}")
    if email:
        keys.append(f"e\x1f{name}\x1f{email.strip().casefold()}")
    return keys


def match_keys(full_name: str, date_of_birth: date | None, postcode: str, email: str) -> list[str]:
    """`person_keys` as keyed HMACs, each after its kind's letter (KEY_REASONS): what a person
    row stores (`DataSubject.match_keys`) and the import compares, so finding the people an
    incident already has never decrypts them, and no key holds a name in plain."""
    return [key[0] + blind_key(key) for key in person_keys(full_name, date_of_birth, postcode, email)]


class DataSubjectQuerySet(models.QuerySet["DataSubject"]):
    def with_role(self, code: str) -> DataSubjectQuerySet:
        bit = 1 << ROLES[code].bit
        return self.alias(_role_hit=F("roles").bitand(bit)).filter(_role_hit__gt=0)

    def with_category(self, category: DataCategory) -> DataSubjectQuerySet:
        return self.alias(_cat_hit=F("categories_mask").bitand(category.mask)).filter(_cat_hit__gt=0)

    def search(self, text: str) -> DataSubjectQuerySet:
        text = text.strip()
        if not text:
            return self
        # Names are encrypted: a name matches exactly (case and spacing aside) through its
        # blind index; a reference is not personal data and matches as typed.
        return self.filter(Q(name_index=blind_index(text)) | Q(reference__iexact=text))

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[DataSubject]:
        objs = list(objs)
        for subject in objs:
            subject.refresh_indexes()
        return super().bulk_create(objs, *args, **kwargs)

    def children_and_vulnerable(self, on: date) -> tuple[int, int]:
        """(children, vulnerable adults) on `on`: children by flag or by date of birth; vulnerable
        adults by flag or because someone represents them. Dates of birth are encrypted, so the
        rows that may count are read and decided here."""
        children = vulnerable = 0
        rows = self.filter(Q(is_child=True) | Q(is_vulnerable=True) | Q(date_of_birth__isnull=False)
                           | ~Q(representative_relationship=""))
        fields = ("is_child", "is_vulnerable", "date_of_birth", "representative_relationship", "representative_name")
        for values in rows.values_list(*fields).iterator(chunk_size=2000):
            subject = DataSubject(**dict(zip(fields, values, strict=True)))
            if subject.is_child_on(on):
                children += 1
            elif subject.is_vulnerable or subject.has_representative:
                vulnerable += 1
        return children, vulnerable

    def summary(self, categories: list[DataCategory], ico_masks: dict[str, int] | None = None) -> dict[str, int]:
        """Totals by role, category and flag in a single query, whatever the number of rows;
        with `ico_masks`, people per ICO category of data subjects (`ico_<name>`: any of its
        roles, each person once; `ico_`: no role yet).

        `SUM(mask & bit) / bit` counts the rows with that bit set.
        """
        sums: dict[str, Any] = {"total": Count("id"), "children": Count("id", filter=Q(is_child=True)),
                "vulnerable": Count("id", filter=Q(is_vulnerable=True)),
                "do_not_write": Count("id", filter=Q(do_not_write=True))}
        for role in ROLES.values():
            sums[f"role_{role.code}"] = Coalesce(Sum(F("roles").bitand(1 << role.bit)), 0)
        for category in categories:
            sums[f"cat_{category.code}"] = Coalesce(Sum(F("categories_mask").bitand(category.mask)), 0)
        rows, ico_names = self, list(ico_masks or {})
        for index, name in enumerate(ico_names):  # names have spaces: aliases are numbered
            rows = rows.alias(**{f"_ico{index}": F("roles").bitand((ico_masks or {})[name])})
            sums[f"ico{index}"] = Count("id", filter=Q(**{f"_ico{index}__gt": 0}))
        if ico_masks is not None:
            sums["ico_none"] = Count("id", filter=Q(roles=0))
        row = rows.aggregate(**sums)
        for index, name in enumerate(ico_names):
            row[f"ico_{name}"] = row.pop(f"ico{index}")
        if ico_masks is not None:
            row["ico_"] = row.pop("ico_none")
        for role in ROLES.values():
            row[f"role_{role.code}"] //= 1 << role.bit
        for category in categories:
            row[f"cat_{category.code}"] //= category.mask
        return row


class DataSubject(PersonMixin, models.Model):
    """A person affected by an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="subjects")
    reference = models.CharField(
        max_length=60, blank=True, help_text="The person's reference in the source system, if any."
    )
    full_name = EncryptedCharField(max_length=300)
    # Keyed HMAC of the normalised name (breachtracker/crypto.py): exact-match search.
    name_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # The person's matching keys (`match_keys`), space-separated: the import finds the people
    # an incident already has by these, without decrypting anyone.
    match_keys = models.CharField(max_length=120, blank=True, editable=False, default="")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    # Roles and categories are bitmasks: a person may be victim and witness at once, and the
    # per-role and per-category counts of 100,000 people stay one aggregate query.
    roles = models.PositiveIntegerField(default=0)
    categories_mask = models.PositiveBigIntegerField("data categories exposed", default=0)
    is_child = models.BooleanField("child", default=False)
    is_vulnerable = models.BooleanField("vulnerable adult", default=False)
    address_line_1 = EncryptedCharField(max_length=200, blank=True)
    address_line_2 = EncryptedCharField(max_length=200, blank=True)
    town = EncryptedCharField("town or city", max_length=100, blank=True)
    postcode = EncryptedCharField(max_length=10, blank=True, validators=[validate_uk_postcode])
    email = EncryptedEmailField(blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    # What an import could not read for this person (issue 15), with the raw values: the
    # person is kept and a handler checks these. Encrypted like the rest of their data.
    to_check = EncryptedTextField("to check", blank=True, help_text="What an import could not read for this person.")
    preferred_channel = models.CharField(
        "preferred safe channel", max_length=20, choices=Channel.CHOICES, default=Channel.LETTER
    )
    do_not_write = models.BooleanField(
        "do not write to this address",
        default=False,
        help_text="It may not be safe for this person to receive a letter at home.",
    )
    notes = EncryptedTextField(blank=True)
    language = models.CharField(
        "language of letters", max_length=5, choices=[("en", "English"), ("cy", "Welsh (bilingual letter)")],
        default="en")
    large_print = models.BooleanField("large print", default=False,
                                      help_text="Letters to this person are printed in large type.")
    # Someone who acts for an adult (issue 13): letters go to them, at their address.
    representative_relationship = models.CharField(
        "representative's role", max_length=20, blank=True, choices=REPRESENTATIVE_CHOICES,
        help_text="Someone who deals with this person's affairs: letters are addressed to them.")
    representative_name = EncryptedCharField("representative's name", max_length=200, blank=True)
    representative_address = EncryptedTextField("representative's postal address", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = DataSubjectQuerySet.as_manager()

    class Meta:
        # Names are encrypted, so the database cannot sort by them: people are listed in the
        # order they were recorded.
        ordering = ["pk"]
        # The people list's order within an incident, and its filters' starting point.
        indexes = [models.Index(fields=["incident", "id"], name="subject_list_order")]

    def __str__(self) -> str:
        return self.full_name

    MATCHED_FIELDS = frozenset({"full_name", "date_of_birth", "postcode", "email"})

    def refresh_indexes(self) -> None:
        """The blind indexes from the person's current fields: the name's, and the matching keys."""
        self.name_index = blind_index(self.full_name)
        self.match_keys = " ".join(match_keys(self.full_name, self.date_of_birth, self.postcode, self.email))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_indexes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.MATCHED_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_index", "match_keys"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("subject_detail", args=[self.incident.reference, self.pk])

    @property
    def role_list(self) -> list[Role]:
        return mask_to_roles(self.roles)

    @property
    def regime(self) -> str:
        """A subject is under the regime of the incident they are part of."""
        return self.incident.regime

    def category_list(self, categories: list[DataCategory]) -> list[DataCategory]:
        return [c for c in categories if self.categories_mask & c.mask]

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line_1, self.address_line_2, self.town, self.postcode) if line]


class PeopleTally(models.Model):
    """How many people an incident has, by role, category and flag, kept up to date by every
    write to its people (`tally.py`), so the register, the dashboard and the incident page read
    one row instead of counting 100,000 people on every load.

    Children and vulnerable adults depend on the day (a child turns 18): they are right for
    `ages_on`, and worked out again (one pass over the people) the first time they are read on
    a later day. Derived figures, not a record of anyone's: no history of their own.
    """

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, primary_key=True, related_name="people_tally")
    total = models.PositiveIntegerField(default=0)
    do_not_write = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    vulnerable = models.PositiveIntegerField(default=0)
    by_role = models.JSONField(default=dict)  # role code → people with that role
    by_category = models.JSONField(default=dict)  # category code → people with that category exposed
    ages_on = models.DateField(null=True)  # the day `children` and `vulnerable` are right for; NULL: never worked out
    # For the regulator's report: as on the day the incident became known (`known_on`; a
    # corrected clock makes it another day, and the tally is counted again).
    known_children = models.PositiveIntegerField(default=0)
    known_vulnerable = models.PositiveIntegerField(default=0)
    by_ico = models.JSONField(default=dict)  # ICO category of data subjects → people ("": no role yet)
    known_on = models.DateField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.total} people in {self.incident_id}"
