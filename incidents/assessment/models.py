"""Assessments, decisions, Part 3 restrictions, regulator submissions and sent reminders.

Imported at the end of `models.py`, so Django sees these as models of the `incidents` app.
Assessments and decisions are append-only: a change is a new row and the old one stays, so
the log shows what was known and decided at each moment (Art. 33(5), s.67(6)).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.records import AppendOnly

from ..vocab import PART3_GROUNDS, REGIMES
from . import rules

if TYPE_CHECKING:
    from ..people.models import DataSubject
    from ..register.models import Incident

# Free text is for sentences, not documents: a pasted spreadsheet is refused with a message.
TEXT_LIMIT = 10_000
# A TextField's max_length only reaches forms; the validator makes full_clean() enforce it too.
LIMITED = [MaxLengthValidator(TEXT_LIMIT)]
ICO_REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{0,39}$")


class Assessment(AppendOnly):
    """The facts of a breach as known at one moment, and what they led to (version 1, 2, …)."""

    append_only_message = "An assessment is never changed: record a new version."
    IDENTIFICATION_CHOICES = [(k, v[0]) for k, v in rules.IDENTIFICATION.items()]
    INTEGRITY_CHOICES = [(k, v[0]) for k, v in rules.INTEGRITY.items()]
    AVAILABILITY_CHOICES = [(k, v[0]) for k, v in rules.AVAILABILITY.items()]
    # The fields that are facts: a new version is made only when one of them changes.
    FACT_FIELDS = (
        "disclosed_known_recipients_only", "published_or_unknown_recipients", "exfiltrated",
        "integrity", "availability", "malicious", "unintelligible", "unintelligible_how",
        "backup_recovery_hours", "recipient_trusted_and_deleted", "vulnerable_people",
        "number_of_people", "identification", "dpc_base", "dpc_adjustment",
        "dpc_adjustment_reason", "measures_remove_high_risk", "measures_detail",
        "disproportionate_effort", "categories_text", "category_codes", "nothing_taken",
        "harm_from_unavailability", "physical_safety",
    )

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveIntegerField(editable=False)
    disclosed_known_recipients_only = models.BooleanField(
        "disclosed to known recipients only", default=False,
        help_text="E.g. an email to the wrong, identifiable person or organisation.",
    )
    published_or_unknown_recipients = models.BooleanField(
        "published, or reached unknown recipients", default=False,
        help_text="E.g. posted on a website, or a lost device whose finder is unknown.",
    )
    exfiltrated = models.BooleanField("copied out by an attacker", default=False)
    nothing_taken = models.BooleanField(
        "evidence shows nobody saw or copied the data", default=False,
        help_text="E.g. logs or forensics show no data left the system and nobody opened it. Leave "
        "unticked if you do not know: an attacker who held the systems may have seen the data.",
    )
    integrity = models.CharField("altered", max_length=20, choices=INTEGRITY_CHOICES, default="none")
    availability = models.CharField("made unavailable", max_length=20, choices=AVAILABILITY_CHOICES, default="none")
    harm_from_unavailability = models.BooleanField(
        "the loss of access harmed people or put them at risk", default=False,
        help_text="E.g. care or treatment delayed, payments or benefits missed, a service people rely on stopped.",
    )
    malicious = models.BooleanField("malicious (not accidental)", default=False)
    unintelligible = models.BooleanField(
        "data unintelligible to the recipient", default=False,
        help_text="Strong encryption with the key kept safe, or properly salted hashing.",
    )
    unintelligible_how = models.CharField("how it is unintelligible", max_length=300, blank=True)
    backup_recovery_hours = models.PositiveIntegerField(
        "access restored within (hours)", null=True, blank=True,
        help_text="From a backup or otherwise. Leave blank if access has not been restored.",
    )
    recipient_trusted_and_deleted = models.BooleanField(
        "recipient trusted and confirmed deletion or return", default=False
    )
    vulnerable_people = models.BooleanField("children or vulnerable people among those affected", default=False)
    # Null on versions recorded before the question was asked: those show "not answered".
    physical_safety = models.BooleanField(
        "could this put anyone in danger of violence, intimidation or reprisal", null=True, blank=True,
        help_text="For example victims, witnesses or informants, police officers and staff, or people "
        "living in a refuge or under protection, if the wrong person learns who or where they are.",
    )
    number_of_people = models.PositiveIntegerField("number of people affected", null=True, blank=True)
    identification = models.CharField(
        "ease of identification", max_length=20, choices=IDENTIFICATION_CHOICES, default="maximum",
        help_text="How easily the data leads to the people: names and addresses are “maximum”.",
    )
    dpc_base = models.PositiveSmallIntegerField(
        "data context from categories (1–4)", validators=[MinValueValidator(1), MaxValueValidator(4)],
        editable=False,
    )
    categories_text = models.TextField("categories exposed at the time", blank=True, editable=False)
    category_codes = models.CharField("category codes at the time", max_length=400, blank=True, editable=False)
    dpc_adjustment = models.SmallIntegerField(
        "context adjustment (whole steps)", default=0,
        validators=[MinValueValidator(-3), MaxValueValidator(3)],
        help_text="Up for volume per person, vulnerability, who the controller is (e.g. a list of "
        "undercover officers); down for data already public or inaccurate.",
    )
    dpc_adjustment_reason = models.CharField("reason for the adjustment", max_length=500, blank=True)
    measures_remove_high_risk = models.BooleanField(
        "measures taken mean a high risk is no longer likely", default=False,
        help_text="Art. 34(3)(b) / s.68(3)(b).",
    )
    measures_detail = models.CharField("which measures", max_length=500, blank=True)
    disproportionate_effort = models.BooleanField(
        "telling each person would take disproportionate effort", default=False,
        help_text="Art. 34(3)(c) / s.68(3)(c): a public communication is then needed instead.",
    )
    # What the facts led to when recorded (kept so the log shows what was recommended then).
    score = models.DecimalField(max_digits=5, decimal_places=2, editable=False)
    band = models.CharField(max_length=20, editable=False)
    likelihood = models.CharField(max_length=20, editable=False)
    risk = models.CharField(max_length=20, editable=False)
    recommend_report = models.BooleanField(editable=False)
    recommend_tell = models.BooleanField(editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "-version"]
        constraints = [models.UniqueConstraint(fields=["incident", "version"], name="one_assessment_version")]

    def __str__(self) -> str:
        return f"Assessment {self.version} of incident {self.incident_id}"

    def facts(self, regime: str | None = None) -> rules.Facts:
        return rules.Facts(
            regime=regime or self.incident.regime,
            dpc_base=self.dpc_base or 1,
            dpc_adjustment=self.dpc_adjustment or 0,
            dpc_adjustment_reason=self.dpc_adjustment_reason,
            identification=self.identification,
            categories=frozenset(c for c in self.category_codes.split(",") if c),
            nothing_taken=self.nothing_taken,
            harm_from_unavailability=self.harm_from_unavailability,
            physical_safety=bool(self.physical_safety),
            disclosed_known_recipients_only=self.disclosed_known_recipients_only,
            published_or_unknown_recipients=self.published_or_unknown_recipients,
            exfiltrated=self.exfiltrated,
            integrity=self.integrity,
            availability=self.availability,
            malicious=self.malicious,
            unintelligible=self.unintelligible,
            backup_recovery_hours=self.backup_recovery_hours,
            recipient_trusted_and_deleted=self.recipient_trusted_and_deleted,
            vulnerable_people=self.vulnerable_people,
            number_of_people=self.number_of_people,
            measures_remove_high_risk=self.measures_remove_high_risk,
            disproportionate_effort=self.disproportionate_effort,
        )

    def result(self) -> rules.Recommendation:
        return rules.recommend(self.facts())

    def clean(self) -> None:
        problems = dict(rules.contradictions(self.facts()))
        if self.unintelligible and not self.unintelligible_how.strip():
            problems.setdefault("unintelligible_how", "Say how the data is unintelligible (e.g. AES-256, key held separately).")
        if self.measures_remove_high_risk and not self.measures_detail.strip():
            problems.setdefault("measures_detail", "Say which measures remove the high risk.")
        problems.pop("regime", None)
        if self.physical_safety is None:
            problems.setdefault("physical_safety", "Answer this question: could this put anyone in danger?")
        if problems:
            raise ValidationError(problems)



class Decision(AppendOnly):
    """A DPO's decision on reporting or on telling people. Append-only: a change is a new row."""

    append_only_message = "A decision is never changed: record a new decision."

    class Kind(models.TextChoices):
        REPORT = "report", "Report to the regulator"
        TELL = "tell", "Tell the people affected"

    class Exemption(models.TextChoices):
        A = "a", "(a) data unintelligible to the recipient"
        B = "b", "(b) later measures mean the high risk is no longer likely"
        C = "c", "(c) disproportionate effort: public communication instead"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome = models.BooleanField(help_text="Yes: report / tell. No: do not.")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    recommended = models.BooleanField(null=True, editable=False, help_text="What the assessment recommended.")
    recommendation_text = models.TextField(
        "the recommendation and its reasons", blank=True, editable=False,
        help_text="What the assessment recommended when the decision was made, its deciding factor and guidance.",
    )
    justification = models.TextField(blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    exemption = models.CharField(max_length=1, choices=Exemption.choices, blank=True)
    public_communication = models.TextField(
        blank=True, help_text="For exemption (c): the public communication made, where and when.",
        max_length=TEXT_LIMIT, validators=LIMITED,
    )
    regulator_advice = models.TextField("advice from the regulator", blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    # PECR reg. 5A(6)-(7): not telling subscribers because the data was unintelligible needs the
    # ICO's agreement, not only the provider's view.
    ico_agreement_date = models.DateField(
        "date the ICO agreed", null=True, blank=True,
        help_text="PECR only: the ICO must agree that the data was unintelligible before subscribers go untold.",
    )
    ico_agreement_reference = models.CharField("ICO reference for that agreement", max_length=40, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'yes' if self.outcome else 'no'}"

    @property
    def departs(self) -> bool:
        """True when the decision differs from what the assessment recommended (or there was none)."""
        return self.recommended is None or self.recommended != self.outcome

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.departs and not self.justification.strip():
            errors["justification"] = (
                "Give a justification: this decision departs from the recommendation."
                if self.recommended is not None
                else "Give a justification: there is no assessment to base this decision on."
            )
        if self.exemption:
            if self.kind != self.Kind.TELL or self.outcome:
                errors["exemption"] = "An exemption applies only to a decision not to tell people."
            elif self.exemption not in REGIMES[self.incident.regime].tell_exemptions:
                errors["exemption"] = f"{self.incident.get_regime_display()} has no exemption ({self.exemption})."
            elif self.exemption == self.Exemption.C and not self.public_communication.strip():
                errors["public_communication"] = (
                    "Exemption (c) needs the public communication made instead: say what, where and when."
                )
            elif self.exemption == self.Exemption.A and REGIMES[self.incident.regime].exemption_needs_regulator:
                if not self.ico_agreement_date:
                    errors["ico_agreement_date"] = (
                        "Under PECR the ICO must agree that the data was unintelligible: give the date it agreed."
                    )
                if not ICO_REFERENCE_RE.match(self.ico_agreement_reference or ""):
                    errors["ico_agreement_reference"] = "Give the ICO's reference for that agreement (letters, digits, / and -)."
        if (self.ico_agreement_date or self.ico_agreement_reference) and self.exemption != self.Exemption.A:
            errors.setdefault("ico_agreement_date", "The ICO's agreement goes with exemption (a) only.")
        if self.ico_agreement_date and self.ico_agreement_date > timezone.localdate():
            errors.setdefault("ico_agreement_date", "The ICO cannot have agreed in the future.")
        if self.public_communication.strip() and self.exemption != self.Exemption.C:
            errors.setdefault("public_communication", "A public communication goes with exemption (c) only.")
        if self.decided_at and self.decided_at > timezone.now() + timedelta(minutes=5):
            errors["decided_at"] = "A decision cannot be dated in the future."
        if errors:
            raise ValidationError(errors)



class RestrictionQuerySet(models.QuerySet["Restriction"]):
    def active(self, today: date | None = None) -> RestrictionQuerySet:
        today = today or timezone.localdate()
        return self.filter(lifted_at__isnull=True, start_date__lte=today)

    def due_for_review(self, today: date | None = None) -> RestrictionQuerySet:
        today = today or timezone.localdate()
        return self.active(today).filter(review_date__lte=today)

    def applying_to(self, subject: DataSubject) -> RestrictionQuerySet:
        """Restrictions covering this person: the incident-wide ones and their own."""
        return self.filter(incident_id=subject.incident_id).filter(Q(subject__isnull=True) | Q(subject_id=subject.pk))


class Restriction(models.Model):
    """A DPA 2018 Part 3 restriction on telling people (s.68(7)), whole or partial."""

    class Extent(models.TextChoices):
        WHOLE = "whole", "Whole: do not tell at all"
        PARTIAL = "partial", "Partial: tell, but withhold some information"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="restrictions")
    subject = models.ForeignKey(
        "incidents.DataSubject", null=True, blank=True, on_delete=models.CASCADE, related_name="restrictions",
        help_text="Leave blank to restrict telling everyone in the incident.",
    )
    extent = models.CharField(max_length=10, choices=Extent.choices, default=Extent.WHOLE)
    withheld = models.TextField(
        "information withheld", blank=True, help_text="For a partial restriction.",
        max_length=TEXT_LIMIT, validators=LIMITED,
    )
    grounds = models.CharField(max_length=20, help_text="Letters of the s.68(7) grounds, e.g. “a,b”.")
    rationale = models.TextField("why it is necessary and proportionate", max_length=TEXT_LIMIT, validators=LIMITED)
    start_date = models.DateField(default=timezone.localdate)
    review_date = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_review_note = models.TextField(blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True, max_length=TEXT_LIMIT, validators=LIMITED)

    history = HistoricalRecords()
    objects = RestrictionQuerySet.as_manager()

    class Meta:
        ordering = ["review_date", "pk"]

    def __str__(self) -> str:
        who = self.subject.full_name if self.subject_id and self.subject else "everyone in the incident"
        return f"Restriction on telling {who}"

    @property
    def ground_codes(self) -> list[str]:
        return [c for c in self.grounds.split(",") if c]

    @property
    def ground_labels(self) -> list[str]:
        labels = dict(PART3_GROUNDS)
        return [labels.get(c, c) for c in self.ground_codes]

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and self.start_date <= timezone.localdate()

    @property
    def is_due_for_review(self) -> bool:
        return self.is_active and self.review_date <= timezone.localdate()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        allowed = dict(REGIMES[self.incident.regime].restriction_grounds)
        if not allowed:
            raise ValidationError(
                f"Restrictions on telling people exist under DPA 2018 Part 3 only; this incident is "
                f"{self.incident.get_regime_display()}."
            )
        codes = self.ground_codes
        if not codes:
            errors["grounds"] = "Choose at least one ground (a)–(e)."
        elif any(c not in allowed for c in codes) or len(set(codes)) != len(codes):
            errors["grounds"] = "Grounds must be among (a)–(e), each once."
        if not self.rationale.strip():
            errors["rationale"] = "Explain why the restriction is necessary and proportionate."
        if not self.review_date:
            errors["review_date"] = "Set a review date: a restriction lasts only as long as it is necessary."
        elif self.lifted_at is None and self.review_date < timezone.localdate():
            errors["review_date"] = "The review date is in the past."
        elif self.start_date and self.review_date < self.start_date:
            errors["review_date"] = "The review date is before the start date."
        if self.extent == self.Extent.PARTIAL and not self.withheld.strip():
            errors["withheld"] = "Say what information is withheld under this partial restriction."
        if self.subject_id and self.subject and self.subject.incident_id != self.incident_id:
            errors["subject"] = "This person is not part of this incident."
        if errors:
            raise ValidationError(errors)


class RegulatorSubmission(models.Model):
    """A report made to the regulator: the initial one, then follow-ups."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial report"
        # PECR only: the ICO's PECR form asks for a second notification with further detail
        # within three days of the initial one, when the initial one could not say everything.
        SECOND = "second", "Second notification (PECR)"
        FOLLOW_UP = "follow_up", "Follow-up report"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    submitted_at = models.DateTimeField()
    ico_reference = models.CharField("regulator's case reference", max_length=40, blank=True)
    what_changed = models.TextField("what was reported or what changed", blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    delay_reasons = models.TextField("reasons for the delay", blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident"], condition=Q(kind="initial"), name="one_initial_submission")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ico_reference}".strip()

    @property
    def is_late(self) -> bool:
        return self.submitted_at > self.incident.regulator_deadline

    def clean(self) -> None:
        errors: dict[str, str] = {}
        incident: Incident = self.incident
        initial = incident.submissions.filter(kind=self.Kind.INITIAL).exclude(pk=self.pk).first()
        if self.submitted_at:
            if self.submitted_at > timezone.now() + timedelta(minutes=5):
                errors["submitted_at"] = "A submission cannot be dated in the future."
            elif self.submitted_at < incident.aware_at:
                errors["submitted_at"] = "A submission cannot be before you became aware of the breach."
        if self.ico_reference and not ICO_REFERENCE_RE.match(self.ico_reference):
            errors["ico_reference"] = "A case reference is letters, digits, “-” and “/” only (e.g. IC-123456-A1B2)."
        if self.kind == self.Kind.INITIAL:
            if initial is not None:
                errors["kind"] = "The initial report is already recorded: record a follow-up."
            elif self.submitted_at and self.is_late and not self.delay_reasons.strip():
                errors["delay_reasons"] = (
                    "This report was made after the deadline: give the reasons for the delay "
                    "(Art. 33(1), s.67(2))."
                )
        elif self.kind == self.Kind.SECOND:
            if incident.regime != "pecr":
                errors["kind"] = "A second notification is for PECR breaches only: record a follow-up report."
            elif initial is None:
                errors["kind"] = "Record the initial notification before the second one."
            elif incident.submissions.filter(kind=self.Kind.SECOND).exclude(pk=self.pk).exists():
                errors["kind"] = "The second notification is already recorded: record a follow-up."
            elif self.submitted_at and self.submitted_at < initial.submitted_at:
                errors["submitted_at"] = "The second notification cannot be before the initial one."
            if not self.what_changed.strip():
                errors["what_changed"] = "Say what further detail this notification gives."
        else:
            if initial is None:
                errors["kind"] = "Record the initial report before a follow-up."
            elif self.submitted_at and self.submitted_at < initial.submitted_at:
                errors["submitted_at"] = "A follow-up cannot be before the initial report."
            if not self.ico_reference:
                errors.setdefault("ico_reference", "A follow-up needs the regulator's case reference.")
            if not self.what_changed.strip():
                errors["what_changed"] = "Say what changed since the last report."
        if errors:
            raise ValidationError(errors)


# The ICO's PECR form: "If not, you must send a second notification form within three days"
# (of the initial notification; reporting/ico_forms/pecr.py). Counted in absolute hours.
PECR_SECOND_NOTIFICATION = timedelta(days=3)


class ReminderSent(models.Model):
    """A reminder claimed (and then sent) once: the unique constraints make a second claim fail.

    A sweep inserts the row before sending, so two workers or a retried task can never both
    send it. `sent_at` is set once the email has gone.
    """

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="reminders")
    restriction = models.ForeignKey(Restriction, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)
    recipients = models.TextField(blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"], condition=Q(restriction__isnull=True), name="one_reminder_per_incident_kind"
            ),
            models.UniqueConstraint(
                fields=["restriction", "kind"], condition=Q(restriction__isnull=False),
                name="one_reminder_per_restriction_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for incident {self.incident_id}"


def score_text(value: Decimal) -> str:
    return f"{value.normalize():f}"
