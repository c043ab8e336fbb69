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

from ..vocab import DATA_CATEGORY_SEEDS, REGIMES

__all__ = [
    "AVAILABILITY",
    "AVAILABILITY_VALUES",
    "BANDS",
    "BAND_LABELS",
    "CATEGORY_DPC",
    "CB_KNOWN_RECIPIENTS",
    "CB_MALICIOUS",
    "CB_UNKNOWN_RECIPIENTS",
    "EXEMPTION_TEXT",
    "Effect",
    "FACT_LABELS",
    "FRAUD_CATEGORIES",
    "Facts",
    "HIGH_RISK",
    "ICO_LIKELIHOODS",
    "IDENTIFICATION",
    "INTEGRITY",
    "INTEGRITY_VALUES",
    "LARGE_SCALE",
    "LIKELIHOODS",
    "LIKELIHOOD_LABELS",
    "QUICK_RECOVERY_HOURS",
    "RISK",
    "RISK_LABELS",
    "RISK_MATRIX",
    "RISK_ORDER",
    "Recommendation",
    "SOURCES",
    "SPECIAL_CATEGORIES",
    "UNLIKELY",
    "WorkingLine",
    "contradictions",
    "ico_likelihood",
    "ico_likelihood_conflict",
    "recommend",
]


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
# Likelihood × severity band → risk outcome. ENISA's "medium" means significant inconvenience
# to people; where that harm is likely, the risk is high (EDPB 01/2021 case 05: contact data in
# an attacker's hands is told).
RISK_MATRIX: dict[str, dict[str, str]] = {
    "remote": {"low": UNLIKELY, "medium": UNLIKELY, "high": RISK, "very_high": RISK},
    "possible": {"low": UNLIKELY, "medium": RISK, "high": HIGH_RISK, "very_high": HIGH_RISK},
    "likely": {"low": RISK, "medium": HIGH_RISK, "high": HIGH_RISK, "very_high": HIGH_RISK},
}

# At or above this many people a breach is "large scale": the severity goes up one band
# (WP250 rev.01 IV.B "Number of affected individuals"). Fixed steps, so the same breach for
# more people never comes out lower.
LARGE_SCALE = 1000
# Access restored within this many hours (from a backup or otherwise) counts as quick recovery.
QUICK_RECOVERY_HOURS = 24

EXEMPTION_TEXT = {
    "a": "(a) the data was unintelligible to anyone who got it (e.g. strong encryption with "
         "the key kept safe)",
    "b": "(b) measures taken since mean the high risk is no longer likely to materialise",
    "c": "(c) telling each person would take disproportionate effort: make a public "
         "communication or an equally effective measure instead",
}

# The guidance each rule rests on, named in the reasons a DPO reads. See incidents/README.md
# ("Method and sources") for the full titles.
SOURCES: dict[str, str] = {
    "enisa": "ENISA, Recommendations for a methodology of the assessment of severity of personal "
             "data breaches (2013), sections 3–4",
    "risk_factors": "WP29 Guidelines on personal data breach notification (WP250 rev.01, adopted by "
                    "the EDPB), section IV.B: factors to consider when assessing risk",
    "unintelligible": "WP250 rev.01 section III.B and Art. 34(3)(a); EDPB Guidelines 01/2021 "
                      "cases 06 and 10 (hashed passwords, encrypted stolen device)",
    "trusted_recipient": "EDPB Guidelines 01/2021 case 09 (accidental transmission to a trusted "
                         "third party); WP250 rev.01 section III.B",
    "availability": "EDPB Guidelines 01/2021 cases 01–04 (ransomware with and without backup); "
                    "WP250 rev.01 Annex B examples iii, iv and viii",
    "attack": "EDPB Guidelines 01/2021 section 2 (ransomware: unless the logs show otherwise, "
              "assume an attacker who held the system may have seen the data)",
    "safety": "WP250 rev.01 section IV.B (severity of consequences: physical harm); ICO "
              "guidance on personal data breaches (high risk: e.g. a threat to physical safety)",
    "vulnerable": "WP250 rev.01 section IV.B (special characteristics of the individual: "
                  "children, vulnerable people); ENISA 2013 (DPC raised for vulnerable people)",
    "fraud": "WP250 rev.01 section IV.B (identity theft or fraud); EDPB Guidelines 01/2021 "
             "cases 05, 07, 11 and 17; ENISA 2013 (credentials take the level of what they unlock)",
    "scale": "WP250 rev.01 section IV.B (number of affected individuals)",
    "report_threshold": "UK GDPR Art. 33(1); DPA 2018 s.67(1); ICO guidance: report unless the "
                        "breach is unlikely to result in a risk to people's rights and freedoms",
    "tell_threshold": "UK GDPR Art. 34(1); DPA 2018 s.68(1); WP250 rev.01 section III.A",
    "pecr": "PECR reg. 5A (as amended by the Data (Use and Access) Act 2025); ICO guidance on "
            "security breaches under PECR",
    "exemptions": "UK GDPR Art. 34(3); DPA 2018 s.68(3); WP250 rev.01 section III.B",
}

# Fraud-enabling data: what it lets someone do (identity theft, account takeover, fraud).
FRAUD_CATEGORIES = frozenset({"official_documents", "identification", "financial"})
SPECIAL_CATEGORIES = frozenset(
    c.code for c in DATA_CATEGORY_SEEDS if c.is_special or c.is_criminal
)
CATEGORY_DPC: dict[str, int] = {c.code: c.dpc_level for c in DATA_CATEGORY_SEEDS}
INTEGRITY_VALUES = tuple(INTEGRITY)
AVAILABILITY_VALUES = tuple(AVAILABILITY)


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
    # The ICO category codes exposed (vocab.DATA_CATEGORY_SEEDS): what the data lets someone do.
    categories: frozenset[str] = frozenset()
    # Confidentiality: how the data got out. Known-recipients-only contradicts the other two.
    disclosed_known_recipients_only: bool = False
    published_or_unknown_recipients: bool = False
    exfiltrated: bool = False
    # Evidence (logs, forensics) that nobody saw or copied the data.
    nothing_taken: bool = False
    integrity: str = "none"
    availability: str = "none"
    # The loss of access itself harmed people or put them at risk (e.g. care delayed).
    harm_from_unavailability: bool = False
    malicious: bool = False
    unintelligible: bool = False
    backup_recovery_hours: int | None = None
    recipient_trusted_and_deleted: bool = False
    vulnerable_people: bool = False
    # The disclosure could expose someone to violence, intimidation or reprisal.
    physical_safety: bool = False
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
class Effect:
    """What one kind of loss (confidentiality, integrity, availability) contributes.

    likelihood is None where the loss did not happen or was neutralised (e.g. the data was
    unintelligible); risk is then UNLIKELY.
    """

    name: str
    likelihood: str | None
    risk: str
    why: str
    happened: bool = True


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
    effects: tuple[Effect, ...] = field(default=())
    # The one fact that decided the outcome, in plain words, and the guidance it rests on.
    deciding_factor: str = ""
    sources: tuple[str, ...] = field(default=())

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def likelihood_label(self) -> str:
        return LIKELIHOOD_LABELS[self.likelihood]

    @property
    def summary(self) -> str:
        """One paragraph for a decision record: what, why, and on what guidance."""
        report = "Report to the regulator" if self.report else "Do not report to the regulator"
        if self.tell:
            tell = "tell the people affected"
        elif self.public_communication:
            tell = "tell people by a public communication"
        else:
            tell = "no need to tell the people affected"
        return (f"{report}; {tell}. {RISK_LABELS[self.risk]}. Deciding factor: {self.deciding_factor} "
                f"Guidance: {'; '.join(self.sources)}.")


# The questions as the assessment form asks them, for messages that name both answers.
FACT_LABELS = {
    "disclosed_known_recipients_only": "Disclosed to known recipients only",
    "published_or_unknown_recipients": "Published, or reached unknown recipients",
    "exfiltrated": "Copied out by an attacker",
    "nothing_taken": "Evidence shows nobody saw or copied the data",
    "recipient_trusted_and_deleted": "The recipient is trusted and returned or deleted the data",
    "harm_from_unavailability": "The loss of access harmed people or put them at risk",
    "availability": "Made unavailable",
    "backup_recovery_hours": "Access restored within (hours)",
}


def _both(first: str, second: str) -> str:
    return f"“{FACT_LABELS[first]}” and “{FACT_LABELS[second]}” cannot both be true: change one of them."


def contradictions(facts: Facts) -> dict[str, str]:
    """Facts that cannot all be true at once, or unknown values, as {field: message}.

    Empty when consistent. Each message names both answers that clash.
    """
    problems: dict[str, str] = {}
    if facts.disclosed_known_recipients_only:
        for other in ("published_or_unknown_recipients", "exfiltrated"):
            if getattr(facts, other):
                problems.setdefault("disclosed_known_recipients_only", _both("disclosed_known_recipients_only", other))
    if facts.nothing_taken:
        for other in ("published_or_unknown_recipients", "exfiltrated", "disclosed_known_recipients_only"):
            if getattr(facts, other):
                problems.setdefault("nothing_taken", _both("nothing_taken", other))
    if facts.recipient_trusted_and_deleted:
        for other in ("published_or_unknown_recipients", "exfiltrated"):
            if getattr(facts, other):
                problems.setdefault("recipient_trusted_and_deleted", _both("recipient_trusted_and_deleted", other))
        if not facts.disclosed_known_recipients_only:
            problems.setdefault(
                "recipient_trusted_and_deleted",
                "A trusted recipient returning or deleting the data means the data went to known "
                f"recipients: tick “{FACT_LABELS['disclosed_known_recipients_only']}”.",
            )
    if facts.availability not in AVAILABILITY:
        problems["availability"] = "Choose whether the data was made unavailable."
    elif facts.harm_from_unavailability and facts.availability == "none":
        problems["harm_from_unavailability"] = (
            f"“{FACT_LABELS['harm_from_unavailability']}” needs “{FACT_LABELS['availability']}” to be "
            "temporarily or permanently."
        )
    if facts.integrity not in INTEGRITY:
        problems["integrity"] = "Choose whether the data was altered."
    if facts.backup_recovery_hours is not None and facts.backup_recovery_hours < 0:
        problems["backup_recovery_hours"] = "The recovery time cannot be negative."
    elif facts.backup_recovery_hours is not None and facts.availability == "permanent":
        problems["backup_recovery_hours"] = (
            f"“{FACT_LABELS['backup_recovery_hours']}” and “{FACT_LABELS['availability']}: permanently” "
            "cannot both be true: choose “temporarily” or clear the recovery time."
        )
    if facts.number_of_people is not None and facts.number_of_people < 0:
        problems["number_of_people"] = "The number of people cannot be negative."
    if not (facts.confidentiality or facts.integrity != "none" or facts.availability != "none"):
        problems["__all__"] = "Say how the data was affected: disclosed, altered or made unavailable."
    if facts.dpc_adjustment and not facts.dpc_adjustment_reason.strip():
        problems["dpc_adjustment_reason"] = "Give the reason for adjusting the data context."
    if not -3 <= facts.dpc_adjustment <= 3:
        problems["dpc_adjustment"] = "Adjust by at most three whole steps up or down."
    if not 1 <= facts.dpc_base <= 4:
        problems["dpc_base"] = "The data context from the categories is a level from 1 to 4."
    if facts.identification not in IDENTIFICATION:
        problems["identification"] = "Choose how easily people can be identified."
    unknown = sorted(set(facts.categories) - set(CATEGORY_DPC))
    if unknown:
        problems["categories"] = f"Unknown data category: {', '.join(unknown)}."
    if facts.regime not in REGIMES:
        problems["regime"] = f"Unknown regime “{facts.regime}”."
    return problems


def _band(score: Decimal) -> str:
    band = BANDS[0][0]
    for code, _label, lower in BANDS:
        if score >= lower:
            band = code
    return band


def _step(band: str, steps: int) -> str:
    codes = [code for code, _label, _lower in BANDS]
    return codes[min(len(codes) - 1, codes.index(band) + steps)]


def _confidentiality_lost(facts: Facts) -> bool:
    return facts.confidentiality and not facts.unintelligible and not facts.recipient_trusted_and_deleted


def _severity(facts: Facts) -> tuple[int, Decimal, Decimal, Decimal, str, list[WorkingLine]]:
    """ENISA's DPC × EI + CB, then the band, raised for scale and for physical safety."""
    from_categories = max((CATEGORY_DPC[c] for c in facts.categories), default=1)
    base = max(facts.dpc_base, from_categories)
    why = ""
    if base == 3 and FRAUD_CATEGORIES & facts.categories:  # level 3 means no special category is present
        why = " (identity documents, log-ins or financial data let someone commit fraud or steal an identity)"
    working = [WorkingLine("DPC", f"Highest category of data exposed: level {base}{why}", Decimal(base))]
    raw = base + facts.dpc_adjustment + (1 if facts.vulnerable_people else 0)
    dpc = min(4, max(1, raw))
    if facts.dpc_adjustment:
        working.append(WorkingLine(
            "DPC", f"Context adjustment {facts.dpc_adjustment:+d}: {facts.dpc_adjustment_reason.strip()}",
            Decimal(facts.dpc_adjustment)))
    if facts.vulnerable_people:
        working.append(WorkingLine("DPC", "Children or vulnerable people among those affected: one step up",
                                   Decimal(1)))
    if dpc != raw:
        working.append(WorkingLine("DPC", f"Kept within 1–4: {dpc}", Decimal(dpc - raw)))
    label, ei = IDENTIFICATION[facts.identification]
    working.append(WorkingLine("EI", f"Ease of identification: {label.lower()}", ei))
    cb = Decimal("0")
    if _confidentiality_lost(facts):
        if facts.published_or_unknown_recipients or facts.exfiltrated:
            how = "published or unknown recipients" if facts.published_or_unknown_recipients else "exfiltrated"
            points = CB_UNKNOWN_RECIPIENTS
        else:
            how, points = "known recipients only", CB_KNOWN_RECIPIENTS
        working.append(WorkingLine("CB", f"Confidentiality: {how}", points))
        cb += points
    elif facts.confidentiality:
        why = "data unintelligible" if facts.unintelligible else "trusted recipient returned or deleted it"
        working.append(WorkingLine("CB", f"Confidentiality: not lost ({why})", Decimal("0")))
    for part, table, value in (("Integrity", INTEGRITY, facts.integrity), ("Availability", AVAILABILITY, facts.availability)):
        text, points = table[value]
        if points:
            working.append(WorkingLine("CB", f"{part}: {text.lower()}", points))
            cb += points
    if facts.malicious:
        working.append(WorkingLine("CB", "Malicious intent", CB_MALICIOUS))
        cb += CB_MALICIOUS
    score = dpc * ei + cb
    band = _band(score)
    if facts.number_of_people is not None and facts.number_of_people >= LARGE_SCALE:
        band = _step(band, 1)
        working.append(WorkingLine(
            "Scale", f"{facts.number_of_people:,} people (at least {LARGE_SCALE:,}): severity one band up, "
                     f"to {BAND_LABELS[band].lower()}", Decimal(1)))
    if facts.physical_safety:
        band = "very_high"
        working.append(WorkingLine(
            "Safety", "The disclosure could expose someone to violence, intimidation or reprisal: "
                      "severity very high", Decimal(0)))
    return dpc, ei, cb, score, band, working


def _max_likelihood(*levels: str | None) -> str | None:
    present = [LIKELIHOODS.index(level) for level in levels if level is not None]
    return LIKELIHOODS[max(present)] if present else None


def _up(level: str) -> str:
    return LIKELIHOODS[min(2, LIKELIHOODS.index(level) + 1)]


def _confidentiality(facts: Facts, *, ignore_unintelligible: bool = False) -> tuple[str | None, str]:
    """How likely harm from the data being seen is, and why (None: confidentiality not lost)."""
    if facts.unintelligible and not ignore_unintelligible:
        return None, "the data was unintelligible to whoever got it, so its confidentiality was not lost"
    if facts.recipient_trusted_and_deleted:
        return None, "the only recipient is trusted and returned or deleted the data"
    if facts.published_or_unknown_recipients or facts.exfiltrated:
        level, why = "likely", ("the data was published, reached unknown recipients or was copied out "
                                "by an attacker")
    elif facts.disclosed_known_recipients_only:
        level, why = "possible", "the data reached people who should not have it"
    elif facts.malicious and not facts.nothing_taken:
        return "possible", ("an attacker held the systems and nothing shows they did not see or copy "
                            "the data")
    else:
        return None, "nobody saw or copied the data"
    if facts.malicious:
        level, why = _up(level), why + ", deliberately"
    return level, why


def _integrity(facts: Facts) -> tuple[str | None, str]:
    if facts.integrity == "none":
        return None, "the data was not altered"
    hours = facts.backup_recovery_hours
    if facts.integrity == "recoverable" and hours is not None and hours <= QUICK_RECOVERY_HOURS:
        # Ransomware "alters" data by encrypting it; a restore from backup puts it right.
        return None, f"the altered data was put right within {hours} hours"
    level = "possible" if facts.integrity == "not_recoverable" else "remote"
    why = ("the data was altered and cannot be put right" if facts.integrity == "not_recoverable"
           else "the data was altered but can be put right")
    if facts.malicious:
        level, why = _up(level), why + ", deliberately"
    return level, why


def _availability(facts: Facts) -> tuple[str | None, str, bool]:
    """(likelihood, why, capped): capped means a temporary loss that harmed nobody, which is
    reported but does not by itself call for telling people (EDPB 01/2021 case 02)."""
    if facts.availability == "none":
        return None, "the data stayed available", False
    if facts.harm_from_unavailability:
        return "likely", "the loss of access harmed people or put them at risk", False
    if facts.availability == "permanent":
        return "possible", "the data was lost for good", False
    hours = facts.backup_recovery_hours
    if hours is not None and hours <= QUICK_RECOVERY_HOURS:
        return None, f"access was restored within {hours} hours and nobody was harmed by the loss", True
    return "possible", "access was lost for more than a day, or has not been restored", True


def _at_least(risk: str, threshold: str) -> bool:
    return RISK_ORDER.index(risk) >= RISK_ORDER.index(threshold)


def _max_risk(*risks: str) -> str:
    return max(risks, key=RISK_ORDER.index)


def _effects(facts: Facts, band: str) -> list[Effect]:
    c_level, c_why = _confidentiality(facts)
    i_level, i_why = _integrity(facts)
    a_level, a_why, capped = _availability(facts)
    happened = (facts.confidentiality or facts.malicious, facts.integrity != "none", facts.availability != "none")
    effects = []
    for (name, level, why), did in zip((("Confidentiality", c_level, c_why), ("Integrity", i_level, i_why),
                                         ("Availability", a_level, a_why)), happened, strict=True):
        risk = RISK_MATRIX[level][band] if level else UNLIKELY
        if name == "Availability" and capped and risk == HIGH_RISK:
            risk = RISK
        effects.append(Effect(name, level, risk, why, did))
    return effects


def recommend(facts: Facts) -> Recommendation:
    """Score a breach and recommend whether to report it and tell the people, with reasons.

    Each kind of loss (confidentiality, integrity, availability) is judged on its own —
    likelihood of harm × the ENISA severity — and the highest risk decides. Raises ValueError
    if the facts contradict each other (see `contradictions`).
    """
    problems = contradictions(facts)
    if problems:
        raise ValueError("; ".join(problems.values()))
    regime = REGIMES[facts.regime]
    dpc, ei, cb, score, band, working = _severity(facts)
    reasons = [
        f"Severity {score.normalize():f} (DPC {dpc} × EI {ei.normalize():f} + CB {cb.normalize():f}): "
        f"{BAND_LABELS[_band(score)].lower()}"
        + (f", raised to {BAND_LABELS[band].lower()}." if band != _band(score) else ".")
    ]
    effects = _effects(facts, band)
    for effect in effects:
        if not effect.happened:
            continue
        if effect.likelihood is None:
            reasons.append(f"{effect.name}: no risk, because {effect.why}.")
        else:
            reasons.append(f"{effect.name}: harm is {effect.likelihood} because {effect.why}: "
                           f"{RISK_LABELS[effect.risk].lower()}.")
    risk = _max_risk(*(e.risk for e in effects))
    likelihood = _max_likelihood(*(e.likelihood for e in effects)) or "remote"
    deciding, sources = _deciding(facts, effects, risk, band)
    reasons.append(f"Overall: {RISK_LABELS[risk].lower()}.")

    if not regime.report_threshold:
        report = True
        reasons.append(f"Report to the regulator: under {regime.law} every personal data breach is reported.")
        sources.append(SOURCES["pecr"])
    elif _at_least(risk, regime.report_threshold):
        report = True
        reasons.append(
            f"Report to the regulator ({regime.report_article}): the breach is likely to result in a "
            "risk to people's rights and freedoms."
        )
    else:
        report = False
        reasons.append(
            f"No need to report to the regulator ({regime.report_article}): the breach is unlikely to "
            "result in a risk. Record the breach and this reasoning in the log."
        )

    tell, exemptions, public_communication = _tell(facts, effects, risk, band, reasons)
    if exemptions:
        sources.append(SOURCES["exemptions"])
    return Recommendation(
        dpc=dpc, ei=ei, cb=cb, score=score, band=band, likelihood=likelihood, risk=risk,
        report=report, tell=tell, public_communication=public_communication,
        exemptions=tuple(exemptions), reasons=tuple(reasons), working=tuple(working),
        effects=tuple(effects), deciding_factor=deciding, sources=tuple(dict.fromkeys(sources)),
    )


def _tell(facts: Facts, effects: list[Effect], risk: str, band: str,
          reasons: list[str]) -> tuple[bool, list[str], bool]:
    regime = REGIMES[facts.regime]
    what = "a high risk" if regime.tell_threshold == HIGH_RISK else "a risk"
    exemptions: list[str] = []
    # Art. 34(3)(a) speaks of confidentiality only: it applies where the data being
    # unintelligible is what keeps the breach below the threshold for telling people.
    if facts.unintelligible and facts.confidentiality and "a" in regime.tell_exemptions:
        level, _why = _confidentiality(facts, ignore_unintelligible=True)
        if level and _at_least(RISK_MATRIX[level][band], regime.tell_threshold) and not _at_least(
                risk, regime.tell_threshold):
            exemptions.append("a")
    if not _at_least(risk, regime.tell_threshold):
        if exemptions:
            reasons.append(f"Exemption {regime.tell_people_article} {EXEMPTION_TEXT['a']}: no need to tell "
                           "the people individually.")
        else:
            reasons.append(f"No need to tell the people ({regime.tell_people_article}): the breach is not "
                           f"likely to result in {what}.")
        return False, exemptions, False
    available = {"b": facts.measures_remove_high_risk, "c": facts.disproportionate_effort}
    exemptions += [code for code in ("b", "c") if code in regime.tell_exemptions and available[code]]
    for code in exemptions:
        reasons.append(f"Exemption {regime.tell_people_article} {EXEMPTION_TEXT[code]}.")
    if "b" in exemptions:
        reasons.append("No need to tell the people individually: an exemption applies.")
        return False, exemptions, False
    if "c" in exemptions:
        reasons.append("Do not write to each person: make a public communication instead.")
        return False, exemptions, True
    reasons.append(f"Tell the people without undue delay ({regime.tell_people_article}): the breach is "
                   f"likely to result in {what} to them.")
    if regime.restriction_grounds:
        reasons.append("Under this regime you may restrict telling a person where necessary and "
                       "proportionate (s.68(7)): record the ground and a review date.")
    return True, exemptions, False


def _deciding(facts: Facts, effects: list[Effect], risk: str, band: str) -> tuple[str, list[str]]:
    """The fact that decided the outcome, in plain words, and the guidance behind it."""
    if risk == UNLIKELY:
        if facts.confidentiality and not _confidentiality_lost(facts):
            key = "unintelligible" if facts.unintelligible else "trusted_recipient"
            what = ("The data was unintelligible to whoever got it, so nobody could read it."
                    if facts.unintelligible else
                    "The only person who got the data is trusted and returned or deleted it.")
            return what, [SOURCES[key], SOURCES["report_threshold"]]
        confidentiality = effects[0]
        if (facts.availability == "temporary" and facts.backup_recovery_hours is not None
                and confidentiality.likelihood is None):
            return (f"Access was restored within {facts.backup_recovery_hours} hours, nothing shows the data was "
                    "seen or taken, and nobody was harmed by the loss.",
                    [SOURCES["availability"], SOURCES["report_threshold"]])
        likeliest = _max_likelihood(*(e.likelihood for e in effects)) or "remote"
        return (f"Harm is at most {likeliest} and its severity {BAND_LABELS[band].lower()}: the breach is "
                "unlikely to result in a risk to people.", [SOURCES["enisa"], SOURCES["report_threshold"]])
    top = max(effects, key=lambda e: RISK_ORDER.index(e.risk))
    threshold = SOURCES["tell_threshold"] if risk == HIGH_RISK else SOURCES["report_threshold"]
    if risk == HIGH_RISK and facts.physical_safety and top.name != "Availability":
        return ("The data could put someone in danger of violence, intimidation or reprisal.",
                [SOURCES["safety"], threshold])
    if top.name == "Availability" and facts.harm_from_unavailability:
        return "Losing access to the data harmed people or put them at risk.", [SOURCES["availability"], threshold]
    if top.name == "Confidentiality" and facts.malicious and not facts.confidentiality:
        return ("An attacker held the systems and nothing shows the data was not seen or copied.",
                [SOURCES["attack"], threshold])
    sensitive = SPECIAL_CATEGORIES & facts.categories or facts.dpc_base == 4
    if top.name == "Confidentiality" and sensitive:
        return ("Sensitive data (special category or criminal offence data) reached people who should "
                "not have it.", [SOURCES["enisa"], SOURCES["risk_factors"], threshold])
    if top.name == "Confidentiality" and FRAUD_CATEGORIES & facts.categories:
        return ("The data (identity documents, log-ins or financial details) lets someone commit fraud or "
                "steal an identity.", [SOURCES["fraud"], threshold])
    if facts.vulnerable_people:
        return "Children or vulnerable people are among those affected.", [SOURCES["vulnerable"], threshold]
    if facts.number_of_people is not None and facts.number_of_people >= LARGE_SCALE:
        return (f"The breach affects {facts.number_of_people:,} people.", [SOURCES["scale"], threshold])
    return (f"{top.name}: {top.why}.".replace(": the", ": The", 1), [SOURCES["risk_factors"], threshold])


# The ICO report form's scale for "likelihood that data subjects will experience significant
# consequences", least likely first (ReportDetails.Likelihood's codes).
ICO_LIKELIHOODS = ("very_unlikely", "unlikely", "neutral", "likely", "very_likely")


def ico_likelihood(result: Recommendation) -> str:
    """The engine's answer to the ICO's likelihood question, where the DPO's answer starts."""
    if result.risk == HIGH_RISK:
        return "very_likely" if result.likelihood == "likely" else "likely"
    if result.risk == RISK:
        return "neutral"
    return "very_unlikely" if all(e.likelihood is None for e in result.effects) else "unlikely"


def ico_likelihood_conflict(result: Recommendation, answer: str) -> str:
    """How far a DPO's answer to the ICO's likelihood question departs from the engine.

    "refused": the answer says harm is unlikely where the engine finds a high risk (the report
    must never say so: reassess if the facts changed); "reason": two or more steps away from
    the engine's answer, allowed with a recorded reason; "": close enough, or no answer yet.
    """
    if not answer or answer not in ICO_LIKELIHOODS:
        return ""
    if result.risk == HIGH_RISK and ICO_LIKELIHOODS.index(answer) < ICO_LIKELIHOODS.index("neutral"):
        return "refused"
    if abs(ICO_LIKELIHOODS.index(answer) - ICO_LIKELIHOODS.index(ico_likelihood(result))) >= 2:
        return "reason"
    return ""
