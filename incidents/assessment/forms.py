"""Forms for the assessment, decisions, restrictions and regulator submissions.

Each ModelForm is built around an unsaved instance that already carries its incident (and,
for decisions, what was recommended), so the model's own `clean()` rules show as form errors.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone

from ..register.forms import LocalDateInput, LocalDateTimeInput
from .models import Assessment, Decision, RegulatorSubmission, Restriction

YES_NO = [("yes", "Yes"), ("no", "No")]


class AssessmentForm(forms.ModelForm):
    # Asked in plain words and never defaulted: a missing answer blocks the assessment.
    physical_safety = forms.TypedChoiceField(
        label="Could this put anyone in danger of violence, intimidation or reprisal?",
        choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect, empty_value=None,
        help_text=Assessment._meta.get_field("physical_safety").help_text,
        error_messages={"required": "Answer this question: could this put anyone in danger?"},
    )

    class Meta:
        model = Assessment
        fields = [
            "physical_safety",
            "disclosed_known_recipients_only",
            "published_or_unknown_recipients",
            "exfiltrated",
            "nothing_taken",
            "integrity",
            "availability",
            "harm_from_unavailability",
            "malicious",
            "unintelligible",
            "unintelligible_how",
            "backup_recovery_hours",
            "recipient_trusted_and_deleted",
            "vulnerable_people",
            "number_of_people",
            "identification",
            "dpc_adjustment",
            "dpc_adjustment_reason",
            "measures_remove_high_risk",
            "measures_detail",
            "disproportionate_effort",
        ]


class DecisionForm(forms.ModelForm):
    outcome = forms.TypedChoiceField(
        label="Decision", coerce=lambda v: v == "yes", choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Decision
        fields = ["outcome", "justification", "exemption", "public_communication", "ico_agreement_date",
                  "ico_agreement_reference", "regulator_advice"]
        widgets = {
            "ico_agreement_date": LocalDateInput(),
            "justification": forms.Textarea(attrs={"rows": 3}),
            "public_communication": forms.Textarea(attrs={"rows": 2}),
            "regulator_advice": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decision: Decision = self.instance
        verb = "Report to the regulator?" if decision.kind == Decision.Kind.REPORT else "Tell the people affected?"
        self.fields["outcome"].label = verb
        self.fields["justification"].help_text = "Required when your decision departs from the recommendation."
        if decision.kind == Decision.Kind.REPORT or not decision.incident.regime_info.exemption_needs_regulator:
            del self.fields["ico_agreement_date"]
            del self.fields["ico_agreement_reference"]
        if decision.kind == Decision.Kind.REPORT:
            del self.fields["exemption"]
            del self.fields["public_communication"]
        else:
            # Telling people has no fixed hour count: the organisation sets its own target and
            # is judged on it (notifications track progress against this date).
            self.fields["target_date"] = forms.DateField(
                label="Target date for telling everyone", required=False,
                widget=LocalDateInput(),
                help_text="Required when you decide to tell people.",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "target_date" in self.fields and cleaned.get("outcome") is True:
            target = cleaned.get("target_date")
            if target is None:
                self.add_error("target_date", "Set a target date for telling everyone.")
            elif target < timezone.localdate():
                self.add_error("target_date", "The target date cannot be in the past.")
        return cleaned


class RestrictionForm(forms.ModelForm):
    grounds = forms.MultipleChoiceField(
        label="Grounds (DPA 2018 s.68(7))", widget=forms.CheckboxSelectMultiple, choices=[]
    )

    class Meta:
        model = Restriction
        fields = ["subject", "extent", "withheld", "grounds", "rationale", "start_date", "review_date"]
        widgets = {
            "start_date": LocalDateInput(),
            "review_date": LocalDateInput(),
            "rationale": forms.Textarea(attrs={"rows": 3}),
            "withheld": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        incident = self.instance.incident
        cast(forms.ChoiceField, self.fields["grounds"]).choices = list(incident.regime_info.restriction_grounds)
        cast(forms.ModelChoiceField, self.fields["subject"]).queryset = incident.subjects.order_by("pk")
        self.fields["subject"].label = "Person (leave blank for everyone in the incident)"
        self.fields["review_date"].error_messages["required"] = (
            "Set a review date: a restriction lasts only as long as it is necessary."
        )

    def clean_grounds(self) -> str:
        return ",".join(sorted(self.cleaned_data.get("grounds") or []))


class RestrictionReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("keep", "Keep it, with a new review date"), ("lift", "Lift it")], widget=forms.RadioSelect
    )
    review_date = forms.DateField(
        label="Next review date", required=False, widget=LocalDateInput()
    )
    note = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "keep" and not cleaned.get("review_date"):
            self.add_error("review_date", "Set the next review date.")
        review: date | None = cleaned.get("review_date")
        if review and cleaned.get("action") == "keep" and review < timezone.localdate():
            self.add_error("review_date", "The review date is in the past.")
        return cleaned


class SubmissionForm(forms.ModelForm):
    class Meta:
        model = RegulatorSubmission
        fields = ["kind", "submitted_at", "ico_reference", "what_changed", "delay_reasons"]
        widgets = {
            "submitted_at": LocalDateTimeInput(),
            "what_changed": forms.Textarea(attrs={"rows": 3}),
            "delay_reasons": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"submitted_at": "Europe/London time."}
