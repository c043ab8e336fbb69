"""Forms for the regulator's case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from ..models import Incident
from ..casework.forms import owner_choices
from ..register.forms import LocalDateInput
from .models import RegulatorCase, RegulatorCorrespondence, RegulatorRequest
from .services import max_file_bytes, too_large_message

class CaseForm(forms.ModelForm):
    class Meta:
        model = RegulatorCase
        fields = ["opened_on", "own_reference", "case_officer", "outcome", "outcome_on", "penalty_amount",
                  "outcome_summary"]
        widgets = {"opened_on": LocalDateInput(), "outcome_on": LocalDateInput(),
                   "case_officer": forms.Textarea(attrs={"rows": 2}),
                   "outcome_summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"penalty_amount": "For a penalty only. Pounds, for example 750000.00."}

    def __init__(self, *args: Any, reported_reference: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reported_reference:  # recorded with a report: shown from there, never typed again
            del self.fields["own_reference"]
        outcome: Any = self.fields["outcome"]
        outcome.choices = [("", "None yet: the case is open"), *RegulatorCase.Outcome.choices]
        self.fields["penalty_amount"].widget.attrs["inputmode"] = "decimal"


class CorrespondenceForm(forms.ModelForm):
    upload = forms.FileField(label="File (optional)", required=False)

    class Meta:
        model = RegulatorCorrespondence
        fields = ["direction", "sent_on", "summary", "request"]
        widgets = {"sent_on": LocalDateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form's own model checks compare the chosen request's incident with this one.
        self.instance.incident = incident
        self.fields["upload"].help_text = (f"The letter or email as sent or received, up to "
                                           f"{settings.BREACHTRACKER_MAX_UPLOAD_MB} MB. It is kept encrypted.")
        request_field: Any = self.fields["request"]
        request_field.queryset = RegulatorRequest.objects.filter(incident=incident).order_by("received_on", "pk")
        request_field.label_from_instance = (
            lambda r: f"Request received {r.received_on:%d %b %Y}, reply by {r.due_on:%d %b %Y}")
        request_field.empty_label = "None"

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload is not None and (upload.size or 0) > max_file_bytes():
            raise forms.ValidationError(too_large_message())
        return upload


class RegulatorRequestForm(forms.ModelForm):
    class Meta:
        model = RegulatorRequest
        fields = ["received_on", "asked", "due_on", "owner"]
        widgets = {"received_on": LocalDateInput(), "due_on": LocalDateInput(), "asked": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_choices(self.fields["owner"])


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label="Answered on", widget=LocalDateInput())
    reply = forms.CharField(label="What we replied", max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))


class LinkForm(forms.Form):
    other = forms.CharField(label="Reference of the other incident", max_length=40,
                            help_text="As shown in the register, for example BR-2026-0002.")
    reason = forms.CharField(label="Why they are linked", max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_other(self) -> Incident:
        reference = str(self.cleaned_data.get("other") or "").strip()
        found = Incident.objects.filter(reference=reference).first() if reference else None
        if found is None:
            raise forms.ValidationError("No incident in the register has that reference.")
        return found


class UnlinkForm(forms.Form):
    reason = forms.CharField(label="Why the link is removed", max_length=5000)
