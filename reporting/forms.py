"""The form for the report's own answers (what the ICO asks that no other record holds)."""

from __future__ import annotations

from django import forms

from .models import ReportDetails


class ReportDetailsForm(forms.ModelForm):
    class Meta:
        model = ReportDetails
        fields = [
            "cyber_answer", "consequences", "likelihood", "likelihood_reason", "cyber_impact", "recovery_time", "staff_involved",
            "staff_trained", "training_details", "actions_taken", "measures_before", "prevent_recurrence",
            "other_organisations", "delay_reasons", "reporter_name", "reporter_job_title", "reporter_email",
            "reporter_phone",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "consequences", "likelihood_reason", "staff_involved", "training_details", "actions_taken", "measures_before",
            "prevent_recurrence", "other_organisations", "delay_reasons")}
