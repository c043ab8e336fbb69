"""Forms for a person's requests and claims."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from breachtracker.inputs import MAX_INTEGER

from .. import roles
from ..models import DataSubject, Incident
from ..register.forms import LocalDateInput, LocalDateTimeInput
from .finder import MAX_FINDER_TEXT, find_person
from .models import Contact, IncidentAction, PersonRequest

def owner_choices(field: Any) -> None:
    """An owner is someone who can work the case (a DPO or a case handler), shown by name."""
    field.queryset = get_user_model().objects.filter(
        is_active=True, groups__name__in=[roles.DPO, roles.HANDLER]).distinct().order_by("username")
    field.label_from_instance = lambda u: u.get_full_name() or u.username


class FindsPerson(forms.ModelForm):
    """A form about one of the incident's people: reached from their page (their record comes
    with the link, and the form says whose it is), or found by what the caller gives: their
    exact name, their reference or the reference on their letter."""

    person = forms.CharField(label="Who it is", max_length=MAX_FINDER_TEXT, required=False,
                             help_text="Their full name exactly as on the list, their reference, or the reference "
                                       "on their letter (like FO-2026-0001-L42).")
    person_record = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_INTEGER)
    person_required = True

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        record = str((self.data.get("person_record") if self.is_bound else self.initial.get("person_record")) or "")
        # Whose page the form came from, to say so above the form (not a field to type into).
        self.preset = (DataSubject.objects.filter(incident=incident, pk=int(record)).first()
                       if record.isascii() and record.isdigit() and len(record) < 13 else None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        record, text = data.get("person_record"), (data.get("person") or "").strip()
        subject = None
        if record:
            subject = (self.preset if self.preset is not None and self.preset.pk == record  # read in __init__
                       else DataSubject.objects.filter(incident=self.incident, pk=record).first())
            if subject is None:
                self.add_error("person", "That person is not one of this incident's affected people.")
        elif text:
            try:
                subject = find_person(self.incident, text)
            except ValidationError as error:
                self.add_error("person", error)
        elif self.person_required:
            self.add_error("person", "Give their name, their reference or the reference on their letter.")
        data["subject"] = subject
        return data

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("person", "person_record")}


class PersonRequestForm(FindsPerson):
    class Meta:
        model = PersonRequest
        fields = ["kind", "received_on", "due_on", "summary", "owner", "amount_claimed"]
        widgets = {"received_on": LocalDateInput(),
                   "due_on": LocalDateInput(),
                   "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"amount_claimed": "Compensation claims only. Pounds, e.g. 1250.00."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_choices(self.fields["owner"])
        self.order_fields(["person", "person_record", "kind", "received_on", "due_on", "summary", "owner",
                           "amount_claimed"])


class ContactForm(FindsPerson):
    """A call, email, letter or visit: from one of the incident's people, or from someone not
    on the list (a relative, a journalist), said in "Who it was"."""

    person_required = False

    class Meta:
        model = Contact
        fields = ["direction", "channel", "happened_at", "caller", "question", "told", "follow_up",
                  "follow_up_due"]
        widgets = {"happened_at": LocalDateTimeInput(), "follow_up_due": LocalDateInput(),
                   "direction": forms.RadioSelect, "caller": forms.TextInput(),
                   "question": forms.Textarea(attrs={"rows": 3}), "told": forms.Textarea(attrs={"rows": 3}),
                   "follow_up": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"caller": "Only if they are not on the list, or not found: e.g. \"Her son, Mr Lee\".",
                      "follow_up": "Leave empty if nothing more is needed.",
                      "told": "What you said: the phone script has the approved wording."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].label = "Who it was, if they are on the list"
        self.fields["caller"].label = "If they are not on the list: who they are"
        self.fields["direction"].label = "Who got in touch"
        self.fields["channel"].label = "How"
        for name, limit in (("caller", MAX_FINDER_TEXT), ("question", 5000), ("told", 5000), ("follow_up", 5000),
                            ("outcome", 5000)):
            if name in self.fields:
                self.fields[name].validators.append(MaxLengthValidator(limit))
                self.fields[name].widget.attrs["maxlength"] = str(limit)
        self.order_fields(["person", "person_record", "caller", "direction", "channel", "happened_at", "question",
                           "told", "follow_up", "follow_up_due"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("subject") is None and not (data.get("caller") or "").strip() and not self.has_error("person"):
            self.add_error("caller", "Say who it was: find them on the list, or write who they are.")
        # Whether it needs a follow-up is what the handler wrote, not a separate tick to forget
        # (the service decides it so; set here too for the model's own checks of the form).
        self.instance.status = (Contact.Status.FOLLOW_UP if (data.get("follow_up") or "").strip()
                                else Contact.Status.DONE)
        return data


class FollowUpDoneForm(forms.Form):
    outcome = forms.CharField(label="What was done", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(forms.Form):
    reason = forms.CharField(label="Why more time is needed", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label="Answered on", widget=LocalDateInput())
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
                   "due_on": LocalDateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_choices(self.fields["owner"])


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label="Done on", widget=LocalDateInput())
    evidence = forms.CharField(label="What shows it was done", max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 2}))
