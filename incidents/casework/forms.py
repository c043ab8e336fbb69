"""Forms for a person's requests and claims."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from breachtracker.inputs import whole_number

from .. import roles
from ..models import DataSubject, Incident
from .models import IncidentAction, PersonRequest

DATE = {"type": "date"}


def _owners(field: Any) -> None:
    """An owner is someone who can work the case (a DPO or a case handler), shown by name."""
    field.queryset = get_user_model().objects.filter(
        is_active=True, groups__name__in=[roles.DPO, roles.HANDLER]).distinct().order_by("username")
    field.label_from_instance = lambda u: u.get_full_name() or u.username


class PersonRequestForm(forms.ModelForm):
    person = forms.CharField(label="Person's record number", max_length=20,
                             help_text="The number on the person's page in this incident.")

    class Meta:
        model = PersonRequest
        fields = ["kind", "received_on", "due_on", "summary", "owner", "amount_claimed"]
        widgets = {"received_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                   "due_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                   "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"amount_claimed": "Compensation claims only. Pounds, e.g. 1250.00."}

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        _owners(self.fields["owner"])
        self.fields["person"].widget.attrs["inputmode"] = "numeric"
        self.order_fields(["person", "kind", "received_on", "due_on", "summary", "owner", "amount_claimed"])

    def clean_person(self) -> DataSubject:
        number = whole_number(str(self.cleaned_data.get("person") or "").strip())
        subject = DataSubject.objects.filter(incident=self.incident, pk=number).first() if number else None
        if subject is None:
            raise forms.ValidationError("No affected person of this incident has that record number.")
        return subject


class ExtendForm(forms.Form):
    reason = forms.CharField(label="Why more time is needed", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label="Answered on", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    outcome = forms.CharField(label="What the response was", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    amount_offered = forms.DecimalField(label="Amount offered (£)", required=False, min_value=0, max_digits=12,
                                        decimal_places=2)
    amount_settled = forms.DecimalField(label="Amount settled (£)", required=False, min_value=0, max_digits=12,
                                        decimal_places=2)


class CloseForm(forms.Form):
    reason = forms.CharField(label="Why it is closed", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.ModelForm):
    class Meta:
        model = IncidentAction
        fields = ["kind", "description", "owner", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "due_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owners(self.fields["owner"])


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label="Done on", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    evidence = forms.CharField(label="What shows it was done", max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 2}))
