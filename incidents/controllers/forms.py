"""Forms for the organisations named on an incident: one field set per kind."""

from __future__ import annotations

from typing import Any

from django import forms

from ..register.forms import LocalDateTimeInput
from .models import IncidentParty

FIELDS = {
    IncidentParty.Kind.CONTROLLER: ["name", "contact", "told_at", "told_how", "told_by", "asked_us_to_report",
                                    "asked_us_to_tell"],
    IncidentParty.Kind.PROCESSOR: ["name", "contact", "notified_us_at"],
    IncidentParty.Kind.PARTNER: ["name", "contact", "reports_to_ico", "tells_people", "on_behalf"],
}


class PartyForm(forms.ModelForm):
    class Meta:
        model = IncidentParty
        fields = sorted({name for names in FIELDS.values() for name in names})
        widgets = {
            "told_at": LocalDateTimeInput(),
            "notified_us_at": LocalDateTimeInput(),
            "contact": forms.Textarea(attrs={"rows": 3}),
            "reports_to_ico": forms.RadioSelect,
            "tells_people": forms.RadioSelect,
        }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in FIELDS[IncidentParty.Kind(kind)]:
                del self.fields[name]
        self.order_fields(FIELDS[IncidentParty.Kind(kind)])
        for name in ("reports_to_ico", "tells_people"):
            if name in self.fields:
                self.fields[name].required = True
                self.fields[name].choices = list(IncidentParty.Who.choices)  # type: ignore[attr-defined]
        if "notified_us_at" in self.fields:
            self.fields["notified_us_at"].required = True
        self.instance.kind = kind


class RemoveForm(forms.Form):
    reason = forms.CharField(label="Why remove it", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why it is removed."})

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError("Say why it is removed.")
        return reason
