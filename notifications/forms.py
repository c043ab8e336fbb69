from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from breachtracker.inputs import MAX_INTEGER
from incidents.register.forms import LocalDateInput

from .letters import TemplateRefused, compile_letter
from .models import ContactAttempt, LetterTemplate, NotificationPlan
from .readiness import RISK_WARNING, contradicts_risk


class PlanForm(forms.ModelForm):
    class Meta:
        model = NotificationPlan
        fields = ["target_date", "public_description", "consequences", "risk_reason", "measures", "advice", "support"]
        widgets = {
            # ISO value: the browser's date input shows nothing (and posts nothing) otherwise.
            "target_date": LocalDateInput(),
            **{name: forms.Textarea(attrs={"rows": 3}) for name in
               ("public_description", "consequences", "risk_reason", "measures", "advice", "support")},
        }
        help_texts = {"target_date": "The date by which everyone should have been told. Set when you decide to notify."}

    def __init__(self, *args: Any, incident: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (contradicts_risk(self.incident, cleaned.get("consequences", ""))
                and not (cleaned.get("risk_reason") or "").strip()):
            self.add_error("risk_reason", RISK_WARNING)
        return cleaned


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["email_subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "font-monospace"})}

    def _check(self, name: str) -> str:
        value = self.cleaned_data[name]
        try:
            compile_letter(value, new_version=True)
        except TemplateRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean_body(self) -> str:
        return self._check("body")

    def clean_email_subject(self) -> str:
        return self._check("email_subject")


MARK_CHOICES = [("sent", "Sent"), ("delivered", "Delivered / told"), ("returned", "Returned"),
                ("failed", "Failed"), ("undo", "Undo the last change")]


class MarkForm(forms.Form):
    action = forms.ChoiceField(choices=MARK_CHOICES)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)


class ContactForm(forms.Form):
    channel = forms.ChoiceField(choices=[("phone", "Phone call"), ("in_person", "In person"), ("email", "Email")])
    contacted_at = forms.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    outcome = forms.ChoiceField(choices=ContactAttempt.Outcome.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000,
                           help_text="No sensitive detail: what was agreed, any follow-up.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)

    def clean_contacted_at(self) -> Any:
        value = self.cleaned_data["contacted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("The contact cannot be in the future.")
        return value


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=MARK_CHOICES)


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(label="Tell them by", choices=[("letter", "Letter"), ("email", "Email")])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)
