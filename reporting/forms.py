"""The form for the report's own answers (what the ICO asks that no other record holds)."""

from __future__ import annotations

from django import forms

from incidents.register.forms import LocalDateInput

from .models import ReportDetails


class ReportDetailsForm(forms.ModelForm):
    class Meta:
        model = ReportDetails
        fields = [
            "ico_staff_contact", "cyber_answer", "consequences", "likelihood", "likelihood_reason", "systems_affected",
            "cyber_impact", "recovery_time", "staff_involved", "staff_trained", "training_details", "staff_instructions",
            "actions_taken", "measures_before", "prevent_recurrence", "prevent_recurrence_by", "told_answer",
            "told_answer_details", "other_organisations_told", "other_organisations", "delay_reasons", "reporter_name",
            "reporter_job_title", "reporter_email", "reporter_phone",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "consequences", "likelihood_reason", "staff_involved", "training_details", "actions_taken", "measures_before",
            "prevent_recurrence", "other_organisations", "delay_reasons", "staff_instructions", "told_answer_details")} | {
            "prevent_recurrence_by": LocalDateInput()}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("other_organisations_told") == ReportDetails.YesNo.YES and not str(
                data.get("other_organisations") or "").strip():
            self.add_error("other_organisations", "Say which organisations, and when.")
        if data.get("told_answer") and not str(data.get("told_answer_details") or "").strip():
            self.add_error("told_answer_details", "Say why (for example, how they already know).")
        return data
