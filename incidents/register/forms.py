"""Forms of the register: an incident's facts, its exposed categories, the organisation, and
the register's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .. import roles
from ..vocab import REGIME_CHOICES
from .models import DataCategory, Incident, Organisation


class LocalDateTimeInput(forms.DateTimeInput):
    """A browser date-time picker showing Europe/London wall-clock time."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "discovery",
            "cause",
            "regime",
            "breach_confidentiality",
            "breach_integrity",
            "breach_availability",
            "occurred_from",
            "occurred_to",
            "occurred_estimated",
            "discovered_at",
            "aware_at",
            "contained_at",
            "status",
            "handler",
            "approx_subjects",
            "approx_records",
        ]
        widgets = {
            name: LocalDateTimeInput()
            for name in ("occurred_from", "occurred_to", "discovered_at", "aware_at", "contained_at")
        } | {
            "description": forms.Textarea(attrs={"rows": 4}),
            "discovery": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "occurred_from": "Europe/London time. Leave blank if unknown.",
            "discovered_at": "Europe/London time.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        handler = cast(forms.ModelChoiceField, self.fields["handler"])
        handler.queryset = user_model.objects.filter(
            is_active=True, groups__name__in=[roles.DPO, roles.HANDLER]
        ).distinct().order_by("username")
        handler.label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[assignment,method-assign]
        # "Reported" and "decided not to report" follow from recorded decisions and reports
        # (assessment.services.decision_record, submission_record), never from a hand-edited status.
        by_records = {Incident.Status.REPORTED, Incident.Status.NOT_REPORTED} - {self.instance.status}
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            c for c in Incident.Status.choices if c[0] not in by_records]
        if self.instance.pk is None:
            self.fields["status"].initial = Incident.Status.OPEN
            self.fields["aware_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(
            cleaned.get(f) for f in ("breach_confidentiality", "breach_integrity", "breach_availability")
        ):
            self.add_error(
                None,
                "Tick at least one kind of breach: confidentiality, integrity or availability.",
            )
        return cleaned


class CategoriesForm(forms.Form):
    """Which categories of personal data were exposed, each with an approximate record count."""

    def __init__(self, *args: Any, categories: list[DataCategory], incident: Incident, **kwargs: Any) -> None:
        current = {row.category_id: row for row in incident.exposed_categories.all()}
        initial: dict[str, Any] = {}
        for category in categories:
            row = current.get(category.pk)
            if row is not None:
                initial[f"exposed_{category.code}"] = True
                initial[f"records_{category.code}"] = row.approx_records
                initial[f"detail_{category.code}"] = row.detail
        super().__init__(*args, initial=initial, **kwargs)  # type: ignore[misc]
        self.categories = categories
        self.rows: list[Any] = []
        for category in categories:
            self.fields[f"exposed_{category.code}"] = forms.BooleanField(label=category.name, required=False)
            self.fields[f"records_{category.code}"] = forms.IntegerField(
                label=f"Approximate records: {category.name}", required=False, min_value=0
            )
            if category.needs_detail:
                self.fields[f"detail_{category.code}"] = forms.CharField(
                    label=f"Details: {category.name}", required=False, max_length=200
                )

    def row_fields(self) -> list[tuple[DataCategory, Any, Any, Any]]:
        return [
            (
                c,
                self[f"exposed_{c.code}"],
                self[f"records_{c.code}"],
                self[f"detail_{c.code}"] if c.needs_detail else None,
            )
            for c in self.categories
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for category in self.categories:
            exposed = cleaned.get(f"exposed_{category.code}")
            if not exposed and cleaned.get(f"records_{category.code}") is not None:
                self.add_error(
                    f"exposed_{category.code}",
                    f"You gave a record count for “{category.name}” but did not tick it as exposed.",
                )
            if exposed and category.needs_detail and not cleaned.get(f"detail_{category.code}"):
                self.add_error(f"detail_{category.code}", "Say what the other data was.")
        return cleaned

    def exposed(self) -> dict[DataCategory, dict[str, Any]]:
        result = {}
        for category in self.categories:
            if self.cleaned_data.get(f"exposed_{category.code}"):
                result[category] = {
                    "approx_records": self.cleaned_data.get(f"records_{category.code}"),
                    "detail": self.cleaned_data.get(f"detail_{category.code}", "") or "",
                }
        return result


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "controller_name",
            "registered_address",
            "ico_registration_number",
            "dpo_name",
            "dpo_email",
            "dpo_phone",
            "dpo_address",
        ]
        widgets = {
            "registered_address": forms.Textarea(attrs={"rows": 3}),
            "dpo_address": forms.Textarea(attrs={"rows": 3}),
        }


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label="Reference or title", required=False, max_length=200)
    status = forms.ChoiceField(
        choices=[("", "Any status")] + list(Incident.Status.choices), required=False
    )
    regime = forms.ChoiceField(choices=[("", "Any regime")] + REGIME_CHOICES, required=False)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
