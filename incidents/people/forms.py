"""Forms for one affected person and the people list's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from breachtracker.inputs import IdMultipleChoiceField

from ..register.forms import LocalDateInput
from ..register.models import DataCategory
from ..vocab import ROLE_CHOICES, ROLES, roles_to_mask
from .models import DataSubject, normalise_postcode


class SubjectForm(forms.ModelForm):
    role_codes = forms.MultipleChoiceField(
        label="Role", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="Tick every role this person had.",
    )
    category_ids = IdMultipleChoiceField(
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
            "date_of_birth": LocalDateInput(),
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
