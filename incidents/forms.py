from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import roles
from .models import DataCategory, DataSubject, Incident, Organisation, normalise_postcode
from .vocab import REGIME_CHOICES, ROLE_CHOICES, ROLES, roles_to_mask


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


class SubjectForm(forms.ModelForm):
    role_codes = forms.MultipleChoiceField(
        label="Role", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="Tick every role this person had.",
    )
    category_ids = forms.ModelMultipleChoiceField(
        label="Data of theirs that was exposed",
        queryset=DataCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DataSubject
        fields = [
            "reference",
            "full_name",
            "date_of_birth",
            "role_codes",
            "is_child",
            "is_vulnerable",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "email",
            "phone",
            "preferred_channel",
            "do_not_write",
            "language",
            "large_print",
            "category_ids",
            "notes",
            "representative_relationship",
            "representative_name",
            "representative_address",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "representative_address": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"is_child": "Set by hand when the date of birth is not known; a date of birth under 18 "
                                  "makes the person a child anyway. A child's letter goes to their parent or guardian."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].required = False
        if self.instance.pk:
            self.fields["role_codes"].initial = [r.code for r in self.instance.role_list]
            self.fields["category_ids"].initial = [
                c.pk for c in DataCategory.objects.all() if self.instance.categories_mask & c.mask
            ]

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or "en"  # not given: English

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if value and value.year < 1900:
            raise forms.ValidationError("The date of birth cannot be before 1900: check the year.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channel = cleaned.get("preferred_channel")
        if channel == "email" and not cleaned.get("email"):
            self.add_error("email", "Email is the preferred channel, so give an email address.")
        if channel == "phone" and not cleaned.get("phone"):
            self.add_error("phone", "Phone is the preferred channel, so give a phone number.")
        if channel == "letter" and cleaned.get("do_not_write"):
            self.add_error(
                "preferred_channel",
                "This person must not be written to at their address: choose another channel.",
            )
        representative = [cleaned.get(name) for name in
                          ("representative_relationship", "representative_name", "representative_address")]
        if any(value and str(value).strip() for value in representative):
            for name, value in zip(("representative_relationship", "representative_name", "representative_address"),
                                   representative, strict=True):
                if not (value and str(value).strip()):
                    self.add_error(name, "A representative needs a role, a name and a postal address: "
                                         "letters are addressed to them.")
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("role_codes", "category_ids")}
        data["roles"] = roles_to_mask(self.cleaned_data["role_codes"])
        mask = 0
        for category in self.cleaned_data.get("category_ids") or []:
            mask |= category.mask
        data["categories_mask"] = mask
        return data


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


class SubjectFilterForm(forms.Form):
    q = forms.CharField(label="Name or reference", required=False, max_length=200)
    role = forms.ChoiceField(choices=[("", "Any role")] + ROLE_CHOICES, required=False)
    category = forms.ChoiceField(label="Data exposed", required=False)

    def __init__(self, *args: Any, categories: list[DataCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built from the list the view already loaded: no query of its own.
        self.by_code = {c.code: c for c in categories}
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "Any category")] + [
            (c.code, c.name) for c in categories]

    def role_code(self) -> str | None:
        code = self.cleaned_data.get("role") if self.is_valid() else None
        return code if code in ROLES else None

    def selected_category(self) -> DataCategory | None:
        code = self.cleaned_data.get("category") if self.is_valid() else None
        return self.by_code.get(code or "")
