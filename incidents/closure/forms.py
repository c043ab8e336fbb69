"""Forms of the closure review and of closing an incident."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import ClosureReview


class ClosureReviewForm(forms.ModelForm):
    class Meta:
        model = ClosureReview
        fields = ["summary", "lessons"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5}), "lessons": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"summary": {"required": "Say what happened."},
                          "lessons": {"required": "Say what lessons were learned."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["summary"].required = True
        self.fields["lessons"].required = True


class CloseForm(forms.Form):
    reason = forms.CharField(label="Why the incident can be closed", max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why the incident can be closed."})
    open_items_reason = forms.CharField(
        label="Why close it with items still open", max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only if actions, requests, claims or follow-ups are still open. This goes on the closure "
                  "review and in the incident's history.")
