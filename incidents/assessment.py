"""The risk assessment: ENISA severity, likelihood × severity, and what to recommend.

`recommend(facts)` is pure: plain values in (`Facts`), plain values out (`Recommendation`),
no database, no clock. The models store facts and call it; an API can do the same. The rules
are described in incidents/README.md ("Risk assessment"); regime differences (report
threshold, tell threshold, exemptions) are data on `vocab.REGIMES`, not `if` chains here.

A score supports the DPO's decision; it never replaces it. Decisions that depart from the
recommendation are recorded with a justification (see `Decision`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .vocab import REGIMES

# Ease of identification (ENISA EI).
IDENTIFICATION: dict[str, tuple[str, Decimal]] = {
    "negligible": ("Negligible", Decimal("0.25")),
    "limited": ("Limited", Decimal("0.5")),
    "significant": ("Significant", Decimal("0.75")),
    "maximum": ("Maximum", Decimal("1")),
}

# Circumstances of the breach (ENISA CB), added to DPC × EI.
INTEGRITY: dict[str, tuple[str, Decimal]] = {
    "none": ("Not altered", Decimal("0")),
    "recoverable": ("Altered, recoverable", Decimal("0.25")),
    "not_recoverable": ("Altered, not recoverable", Decimal("0.5")),
}
AVAILABILITY: dict[str, tuple[str, Decimal]] = {
    "none": ("Not lost", Decimal("0")),
    "temporary": ("Unavailable temporarily", Decimal("0.25")),
    "permanent": ("Unavailable permanently (lost or destroyed)", Decimal("0.5")),
}
CB_KNOWN_RECIPIENTS = Decimal("0.25")
CB_UNKNOWN_RECIPIENTS = Decimal("0.5")
CB_MALICIOUS = Decimal("0.5")

# Severity bands, lowest first: (band, label, lower bound inclusive).
BANDS: tuple[tuple[str, str, Decimal], ...] = (
    ("low", "Low", Decimal("-1")),
    ("medium", "Medium", Decimal("2")),
    ("high", "High", Decimal("3")),
    ("very_high", "Very high", Decimal("4")),
)
BAND_LABELS = {code: label for code, label, _ in BANDS}

LIKELIHOODS = ("remote", "possible", "likely")
LIKELIHOOD_LABELS = {"remote": "Remote", "possible": "Possible", "likely": "Likely"}

UNLIKELY, RISK, HIGH_RISK = "unlikely", "risk", "high_risk"
RISK_ORDER = (UNLIKELY, RISK, HIGH_RISK)
RISK_LABELS = {
    UNLIKELY: "Unlikely to result in a risk",
    RISK: "Risk",
    HIGH_RISK: "High risk",
}
# Likelihood × severity band → risk outcome.
RISK_MATRIX: dict[str, dict[str, str]] = {
    "remote": {"low": UNLIKELY, "medium": UNLIKELY, "high": RISK, "very_high": RISK},
    "possible": {"low": UNLIKELY, "medium": RISK, "high": HIGH_RISK, "very_high": HIGH_RISK},
    "likely": {"low": RISK, "medium": RISK, "high": HIGH_RISK, "very_high": HIGH_RISK},
}

# At or above this many people a breach is "large scale" and harm to someone more likely.
LARGE_SCALE = 1000
# A backup restored within this many hours counts as quick recovery.
QUICK_RECOVERY_HOURS = 24

EXEMPTION_TEXT = {
    "a": "(a) the data was unintelligible to anyone who got it (e.g. strong encryption with "
         "the key kept safe)",
    "b": "(b) measures taken since mean the high risk is no longer likely to materialise",
    "c": "(c) telling each person would take disproportionate effort: make a public "
         "communication or an equally effective measure instead",
}


@dataclass(frozen=True)
class Facts:
    """What is known about a breach, as plain values.

    dpc_base: the highest ENISA data-processing-context level (1–4) of the exposed categories
    (`DataCategory.dpc_level`); 1 when none are recorded yet.
    dpc_adjustment: whole steps up or down for context (−3…+3), with dpc_adjustment_reason.
    """

    regime: str = "uk_gdpr"
    dpc_base: int = 1
    dpc_adjustment: int = 0
    dpc_adjustment_reason: str = ""
    identification: str = "maximum"
    # Confidentiality: how the data got out. Known-recipients-only contradicts the other two.
    disclosed_known_recipients_only: bool = False
    published_or_unknown_recipients: bool = False
    exfiltrated: bool = False
    integrity: str = "none"
    availability: str = "none"
    malicious: bool = False
    unintelligible: bool = False
    backup_recovery_hours: int | None = None
    recipient_trusted_and_deleted: bool = False
    vulnerable_people: bool = False
    number_of_people: int | None = None
    measures_remove_high_risk: bool = False
    disproportionate_effort: bool = False

    @property
    def confidentiality(self) -> bool:
        return self.disclosed_known_recipients_only or self.published_or_unknown_recipients or self.exfiltrated


@dataclass(frozen=True)
class WorkingLine:
    """One line of the severity working: which input gave which part of the score."""

    part: str
    input: str
    value: Decimal


@dataclass(frozen=True)
class Recommendation:
    dpc: int
    ei: Decimal
    cb: Decimal
    score: Decimal
    band: str
    likelihood: str
    risk: str
    report: bool
    tell: bool
    public_communication: bool
    exemptions: tuple[str, ...]
    reasons: tuple[str, ...]
    working: tuple[WorkingLine, ...] = field(default=())

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def likelihood_label(self) -> str:
        return LIKELIHOOD_LABELS[self.likelihood]


def contradictions(facts: Facts) -> dict[str, str]:
    """Facts that cannot all be true at once, as {field: message}. Empty when consistent."""
    problems: dict[str, str] = {}
    if facts.disclosed_known_recipients_only and facts.published_or_unknown_recipients:
        problems["disclosed_known_recipients_only"] = (
            "The data cannot have gone to known recipients only and also been published or "
            "reached unknown recipients: untick one."
        )
    elif facts.disclosed_known_recipients_only and facts.exfiltrated:
        problems["disclosed_known_recipients_only"] = (
            "Exfiltrated data has not gone to known recipients only: untick one."
        )
    if facts.recipient_trusted_and_deleted and (facts.published_or_unknown_recipients or facts.exfiltrated):
        problems["recipient_trusted_and_deleted"] = (
            "A trusted recipient cannot have confirmed deletion when the data was published, "
            "reached unknown recipients or was exfiltrated."
        )
    if facts.recipient_trusted_and_deleted and not facts.disclosed_known_recipients_only:
        problems.setdefault(
            "recipient_trusted_and_deleted",
            "A trusted recipient confirming deletion means the data went to known recipients: "
            "tick “known recipients only”.",
        )
    if facts.backup_recovery_hours is not None and facts.availability == "permanent":
        problems["backup_recovery_hours"] = (
            "Data restored from a backup was not lost permanently: choose “temporarily” or "
            "clear the recovery time."
        )
    if facts.backup_recovery_hours is not None and facts.backup_recovery_hours < 0:
        problems["backup_recovery_hours"] = "The recovery time cannot be negative."
    if not (facts.confidentiality or facts.integrity != "none" or facts.availability != "none"):
        problems["__all__"] = (
            "Say how the data was affected: disclosed, altered or made unavailable."
        )
    if facts.dpc_adjustment and not facts.dpc_adjustment_reason.strip():
        problems["dpc_adjustment_reason"] = "Give the reason for adjusting the data context."
    if not -3 <= facts.dpc_adjustment <= 3:
        problems["dpc_adjustment"] = "Adjust by at most three whole steps up or down."
    if facts.identification not in IDENTIFICATION:
        problems["identification"] = "Choose how easily people can be identified."
    if facts.regime not in REGIMES:
        problems["regime"] = "Unknown regime."
    return problems


def _band(score: Decimal) -> str:
    band = BANDS[0][0]
    for code, _label, lower in BANDS:
        if score >= lower:
            band = code
    return band


def _severity(facts: Facts) -> tuple[int, Decimal, Decimal, list[WorkingLine]]:
    dpc = min(4, max(1, facts.dpc_base + facts.dpc_adjustment))
    working = [WorkingLine("DPC", f"Highest category of data exposed: level {facts.dpc_base}", Decimal(facts.dpc_base))]
    if facts.dpc_adjustment:
        working.append(
            WorkingLine(
                "DPC",
                f"Context adjustment {facts.dpc_adjustment:+d}: {facts.dpc_adjustment_reason.strip()}"
                + (f" (kept within 1–4: {dpc})" if dpc != facts.dpc_base + facts.dpc_adjustment else ""),
                Decimal(dpc - facts.dpc_base),
            )
        )
    label, ei = IDENTIFICATION[facts.identification]
    working.append(WorkingLine("EI", f"Ease of identification: {label.lower()}", ei))
    cb = Decimal("0")
    if facts.published_or_unknown_recipients or facts.exfiltrated:
        how = "published or unknown recipients" if facts.published_or_unknown_recipients else "exfiltrated"
        working.append(WorkingLine("CB", f"Confidentiality: {how}", CB_UNKNOWN_RECIPIENTS))
        cb += CB_UNKNOWN_RECIPIENTS
    elif facts.disclosed_known_recipients_only:
        working.append(WorkingLine("CB", "Confidentiality: known recipients only", CB_KNOWN_RECIPIENTS))
        cb += CB_KNOWN_RECIPIENTS
    for part, table, value in (("Integrity", INTEGRITY, facts.integrity), ("Availability", AVAILABILITY, facts.availability)):
        text, points = table[value]
        if points:
            working.append(WorkingLine("CB", f"{part}: {text.lower()}", points))
            cb += points
    if facts.malicious:
        working.append(WorkingLine("CB", "Malicious intent", CB_MALICIOUS))
        cb += CB_MALICIOUS
    return dpc, ei, cb, working


def _likelihood(facts: Facts, reasons: list[str]) -> str:
    level = 1
    if facts.published_or_unknown_recipients or facts.exfiltrated or facts.malicious:
        level += 1
        reasons.append(
            "Harm is more likely: the data was published, reached unknown recipients, was "
            "exfiltrated or taken maliciously."
        )
    if facts.vulnerable_people:
        level += 1
        reasons.append("Harm is more likely: children or vulnerable people are among those affected.")
    elif facts.number_of_people is not None and facts.number_of_people >= LARGE_SCALE:
        level += 1
        reasons.append(f"Harm is more likely: {facts.number_of_people:,} people are affected (large scale).")
    if facts.unintelligible:
        level -= 1
        reasons.append("Harm is less likely: the data was unintelligible to whoever got it.")
    if facts.recipient_trusted_and_deleted:
        level -= 1
        reasons.append("Harm is less likely: a trusted recipient confirmed deletion or return.")
    if (
        facts.backup_recovery_hours is not None
        and facts.backup_recovery_hours <= QUICK_RECOVERY_HOURS
        and not facts.confidentiality
    ):
        level -= 1
        reasons.append(
            f"Harm is less likely: the data was restored from backup within {facts.backup_recovery_hours} "
            "hours and nobody saw it."
        )
    return LIKELIHOODS[min(2, max(0, level))]


def _at_least(risk: str, threshold: str) -> bool:
    return RISK_ORDER.index(risk) >= RISK_ORDER.index(threshold)


def recommend(facts: Facts) -> Recommendation:
    """Score a breach and recommend whether to report it and tell the people, with reasons.

    Raises ValueError if the facts contradict each other (see `contradictions`).
    """
    problems = contradictions(facts)
    if problems:
        raise ValueError("; ".join(problems.values()))
    regime = REGIMES[facts.regime]
    dpc, ei, cb, working = _severity(facts)
    score = dpc * ei + cb
    band = _band(score)
    reasons = [
        f"Severity {score.normalize():f} (DPC {dpc} × EI {ei.normalize():f} + CB {cb.normalize():f}): "
        f"{BAND_LABELS[band].lower()}."
    ]
    likelihood = _likelihood(facts, reasons)
    risk = RISK_MATRIX[likelihood][band]
    reasons.append(
        f"Likelihood {LIKELIHOOD_LABELS[likelihood].lower()} × severity {BAND_LABELS[band].lower()}: "
        f"{RISK_LABELS[risk].lower()}."
    )

    if not regime.report_threshold:
        report = True
        reasons.append(f"Report to the regulator: under {regime.law} every personal data breach is reported.")
    elif _at_least(risk, regime.report_threshold):
        report = True
        reasons.append(
            f"Report to the regulator ({regime.report_article}): the breach is likely to result in a "
            "risk to people's rights and freedoms. Report within "
            f"{regime.regulator_clock_hours} hours of becoming aware."
        )
    else:
        report = False
        reasons.append(
            f"No need to report to the regulator ({regime.report_article}): the breach is unlikely to "
            "result in a risk. Record the breach and this reasoning in the log."
        )

    tell = _at_least(risk, regime.tell_threshold)
    exemptions: list[str] = []
    public_communication = False
    if not tell:
        what = "a high risk" if regime.tell_threshold == HIGH_RISK else "a risk"
        reasons.append(
            f"No need to tell the people ({regime.tell_people_article}): the breach is not likely to "
            f"result in {what}."
        )
    else:
        available = {
            "a": facts.unintelligible,
            "b": facts.measures_remove_high_risk,
            "c": facts.disproportionate_effort,
        }
        exemptions = [code for code in regime.tell_exemptions if available[code]]
        for code in exemptions:
            reasons.append(f"Exemption {regime.tell_people_article} {EXEMPTION_TEXT[code]}.")
        if "a" in exemptions or "b" in exemptions:
            tell = False
            reasons.append("No need to tell the people individually: an exemption applies.")
        elif "c" in exemptions:
            tell = False
            public_communication = True
            reasons.append("Do not write to each person: make a public communication instead.")
        else:
            reasons.append(
                f"Tell the people without undue delay ({regime.tell_people_article}): the breach is "
                f"likely to result in {'a high risk' if regime.tell_threshold == HIGH_RISK else 'a risk'} to them."
            )
            if regime.restriction_grounds:
                reasons.append(
                    "Under this regime you may restrict telling a person where necessary and "
                    "proportionate (s.68(7)): record the ground and a review date."
                )
    return Recommendation(
        dpc=dpc,
        ei=ei,
        cb=cb,
        score=score,
        band=band,
        likelihood=likelihood,
        risk=risk,
        report=report,
        tell=tell,
        public_communication=public_communication,
        exemptions=tuple(exemptions),
        reasons=tuple(reasons),
        working=tuple(working),
    )
