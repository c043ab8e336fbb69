"""Forms of the register: an incident's facts, its exposed categories, the organisation, and
the register's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.contrib.auth import get_user_model
from django.utils import timezone

from breachtracker.inputs import MAX_INTEGER

from .. import roles
from ..vocab import REGIME_CHOICES
from .models import DataCategory, Incident, Organisation
from .services import locked_fields


class LocalDateInput(forms.DateInput):
    """A browser date picker. It shows its value only in ISO form: a default in the UK format
    would leave the box empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


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
            "data_role",
            "breach_confidentiality",
            "breach_integrity",
            "breach_availability",
            "occurred_from",
            "occurred_to",
            "occurred_estimated",
            "discovered_at",
            "aware_at",
            "contained_at",
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
            "data_role": forms.RadioSelect,
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
        # The status follows from decisions and reports (and closing is an action of its own);
        # after the initial report, the clock's fields change only through the DPO's correction.
        self.locked = locked_fields(self.instance)
        for name in self.locked:
            self.fields.pop(name, None)
        if self.instance.pk is None:
            self.fields["aware_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        # Asked of every incident (issue 19): no answer is chosen for the user.
        data_role = cast(forms.ChoiceField, self.fields["data_role"])
        data_role.required = True
        data_role.choices = list(Incident.DataRole.choices)
        data_role.error_messages["required"] = "Say whether you act as controller or processor for this data."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(
            cleaned.get(f) for f in ("breach_confidentiality", "breach_integrity", "breach_availability")
        ):
            self.add_error(
                None,
                "Tick at least one kind of breach: confidentiality, integrity or availability.",
            )
        # A crafted POST may still send them: refuse it whole, saying why, rather than ignore them.
        sent = sorted(name for name in self.locked if name in self.data)
        if sent:
            if sent == ["status"]:
                why = ("The status cannot be set here: it follows from the decisions and the report to "
                       "the regulator, and a DPO closes or reopens an incident with a reason.")
            else:
                why = ("After the report to the regulator is recorded, when you became aware and the regime "
                       "(and so the deadline) cannot be changed here: a DPO corrects them with a reason "
                       "(“Correct the clock”). The status follows from the decisions and reports.")
            raise forms.ValidationError(f"Nothing was saved. {why}", code="locked")
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        # The model's checks may name a field this form no longer offers (a reported incident's
        # aware_at): show that message above the form rather than fail.
        if hasattr(errors, "error_dict"):
            missing = [name for name in errors.error_dict if name != NON_FIELD_ERRORS and name not in self.fields]
            for name in missing:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(errors.error_dict.pop(name))
        super()._update_errors(errors)  # type: ignore[misc]  # (ModelForm has it; the stubs do not)


class ClockCorrectionForm(forms.Form):
    """The DPO's correction of when the organisation became aware, or of the regime, after
    the initial report to the regulator was recorded."""

    aware_at = forms.DateTimeField(
        label="Became aware at", widget=LocalDateTimeInput(),
        help_text="Europe/London time. The regulator's deadline is this time plus the regime's clock.")
    regime = forms.ChoiceField(choices=REGIME_CHOICES)
    reason = forms.CharField(
        label="Why the recorded value was wrong", max_length=5000,
        error_messages={"required": "Say why the time or the regime was wrong."}, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="This goes in the incident's history and in the follow-up section of the regulator report.")

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"aware_at": timezone.localtime(incident.aware_at).replace(tzinfo=None),
                                      "regime": incident.regime})
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError("Say why the time or the regime was wrong.")
        return reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("aware_at") == self.incident.aware_at and cleaned.get("regime") == self.incident.regime):
            raise forms.ValidationError("Nothing changed: give a different time or regime.")
        return cleaned


class ReasonForm(forms.Form):
    """A reason, for closing or reopening an incident."""

    reason = forms.CharField(label="Reason", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give a reason."})

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


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
                label=f"Approximate records: {category.name}", required=False, min_value=0,
                max_value=MAX_INTEGER
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
