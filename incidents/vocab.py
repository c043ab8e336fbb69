"""The fixed vocabularies of the domain, kept as data rather than `if` chains.

Regimes carry their own clock length and restriction grounds; subject roles carry the ICO
category of data subjects they map onto; data categories (seeded into the database by a
migration) carry the ICO's exact wording and the ENISA data-processing-context level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class ClockChange:
    """A change in law to the regulator's clock: before `since` it ran `hours_before` hours."""

    since: datetime
    hours_before: int
    source: str


@dataclass(frozen=True)
class Regime:
    code: str
    label: str
    law: str
    regulator_clock_hours: int
    report_article: str
    tell_people_article: str
    # Grounds on which telling a person may be restricted (DPA 2018 s.68(7)); empty where the
    # regime has none.
    restriction_grounds: tuple[tuple[str, str], ...] = ()
    # The lowest risk outcome (see incidents/assessment/rules.py) at which the regulator must be
    # told; "" means every breach is reported whatever the risk (PECR reg. 5A(2)).
    report_threshold: str = "risk"
    # The lowest risk outcome at which the people must be told: "high_risk" for Art. 34 and
    # s.68; PECR reg. 5A(3) asks for it when privacy is likely to be adversely affected.
    tell_threshold: str = "high_risk"
    # The exemptions from telling people this regime knows (Art. 34(3) / s.68(3) (a)–(c);
    # PECR reg. 5A(6) only the unintelligible-data one).
    tell_exemptions: tuple[str, ...] = ("a", "b", "c")
    # Where the unintelligible-data exemption needs the regulator's agreement (PECR reg. 5A(7)).
    exemption_needs_regulator: bool = False
    # Changes to the clock, oldest first; `regulator_clock_hours` is the clock in force now.
    clock_changes: tuple[ClockChange, ...] = ()

    def clock_hours(self, aware_at: datetime | None = None) -> int:
        """The regulator's clock for an incident whose controller became aware at `aware_at`:
        the law in force at that moment, whatever it says now."""
        if aware_at is not None:
            for change in self.clock_changes:
                if aware_at < change.since:
                    return change.hours_before
        return self.regulator_clock_hours


PART3_GROUNDS = (
    ("a", "(a) avoid obstructing an official or legal inquiry, investigation or procedure"),
    ("b", "(b) avoid prejudicing the prevention, detection, investigation or prosecution of "
          "criminal offences or the execution of criminal penalties"),
    ("c", "(c) protect public security"),
    ("d", "(d) protect national security"),
    ("e", "(e) protect the rights and freedoms of others"),
)

# PECR reg. 5A(2): "without undue delay and, where feasible, not later than 72 hours", in force
# from 20 August 2025 (was 24 hours under the Commission Regulation 611/2013 rule it replaced).
PECR_72_HOURS = ClockChange(
    since=datetime(2025, 8, 20, tzinfo=LONDON),
    hours_before=24,
    source="Data (Use and Access) Act 2025, s.111 (duty to notify the Commissioner of personal data "
           "breach: time periods), amending PECR reg. 5A; commenced 20 August 2025 by the Data (Use and "
           "Access) Act 2025 (Commencement No. 1) Regulations 2025 (SI 2025/904), reg. 2(p). ICO, Personal "
           "data breaches: a guide, update note of 20 August 2025",
)

REGIMES: dict[str, Regime] = {
    r.code: r
    for r in (
        Regime("uk_gdpr", "UK GDPR", "UK GDPR Articles 33 and 34", 72, "Art. 33", "Art. 34"),
        Regime(
            "dpa_part3",
            "DPA 2018 Part 3 (law enforcement)",
            "Data Protection Act 2018, Part 3, sections 67 and 68",
            72,
            "s.67",
            "s.68",
            PART3_GROUNDS,
        ),
        Regime("pecr", "PECR", "Privacy and Electronic Communications Regulations, reg. 5A", 72,
               "reg. 5A", "reg. 5A", report_threshold="", tell_threshold="risk",
               tell_exemptions=("a",), exemption_needs_regulator=True,
               clock_changes=(PECR_72_HOURS,)),
    )
}
REGIME_CHOICES = [(r.code, r.label) for r in REGIMES.values()]


class Cause:
    WRONG_RECIPIENT = "wrong_recipient"
    FOI_PUBLISHED = "foi_published"
    FAILURE_TO_REDACT = "failure_to_redact"
    HIDDEN_DATA = "hidden_data"
    LOSS_THEFT = "loss_theft"
    UNAUTHORISED_ACCESS = "unauthorised_access"
    CYBER_RANSOMWARE = "cyber_ransomware"
    CYBER_PHISHING = "cyber_phishing"
    CYBER_MISCONFIGURATION = "cyber_misconfiguration"
    CYBER_OTHER = "cyber_other"
    OTHER = "other"

    CHOICES = [
        (WRONG_RECIPIENT, "Personal data sent to the wrong recipient"),
        (FOI_PUBLISHED, "Disclosed in a FOI or published response"),
        (FAILURE_TO_REDACT, "Failure to redact"),
        (HIDDEN_DATA, "Hidden data in a released file"),
        (LOSS_THEFT, "Loss or theft of a device or paperwork"),
        (UNAUTHORISED_ACCESS, "Unauthorised access"),
        (CYBER_RANSOMWARE, "Cyber attack: ransomware"),
        (CYBER_PHISHING, "Cyber attack: phishing"),
        (CYBER_MISCONFIGURATION, "Cyber attack: misconfiguration"),
        (CYBER_OTHER, "Cyber attack: other"),
        (OTHER, "Other"),
    ]
    CYBER = frozenset({CYBER_RANSOMWARE, CYBER_PHISHING, CYBER_MISCONFIGURATION, CYBER_OTHER})


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    ico_category: str
    bit: int


# The ICO's categories of data subjects, in its wording and order.
ICO_SUBJECT_CATEGORIES = (
    "Employees",
    "Users",
    "Subscribers",
    "Students",
    "Customers or prospective customers",
    "Patients",
    "Children",
    "Vulnerable adults",
    "Not yet known",
    "Other",
)

# Bits are stored in the database: never renumber one, only add new ones.
ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("victim", "Victim", "Other", 0),
        Role("witness", "Witness", "Other", 1),
        Role("suspect", "Suspect", "Other", 2),
        Role("complainant", "Complainant", "Other", 3),
        Role("officer_staff", "Officer or staff member", "Employees", 4),
        Role("customer", "Customer", "Customers or prospective customers", 5),
        Role("patient", "Patient", "Patients", 6),
        Role("student", "Student", "Students", 7),
        Role("service_user", "Service user", "Users", 8),
        Role("other", "Other", "Other", 9),
        # A telephone or internet service's subscriber (the ICO form's "Subscribers"; PECR breaches).
        Role("subscriber", "Subscriber", "Subscribers", 10),
    )
}
ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]


def roles_to_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << ROLES[code].bit
    return mask


def mask_to_roles(mask: int) -> list[Role]:
    return [r for r in ROLES.values() if mask & (1 << r.bit)]


class Channel:
    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"
    CHOICES = [
        (LETTER, "Letter"),
        (EMAIL, "Email"),
        (PHONE, "Phone call"),
        (IN_PERSON, "In person"),
    ]


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: str
    bit: int
    dpc_level: int
    is_special: bool = False
    is_criminal: bool = False
    needs_detail: bool = False


# The ICO report form's categories of personal data, in its exact wording and order. The
# ENISA data-processing-context level (1 simple, 2 behavioural, 3 financial, 4 sensitive) is
# the starting point of the severity method; credentials take the level of what they unlock,
# which the assessment adjusts. Bits are stored in the database: never renumber one.
DATA_CATEGORY_SEEDS: tuple[CategorySeed, ...] = (
    CategorySeed("racial_ethnic", "Data revealing racial or ethnic origin", 0, 4, is_special=True),
    CategorySeed("political", "Political opinions", 1, 4, is_special=True),
    CategorySeed("religious", "Religious or philosophical beliefs", 2, 4, is_special=True),
    CategorySeed("trade_union", "Trade union membership", 3, 4, is_special=True),
    CategorySeed("sex_life", "Sex life data", 4, 4, is_special=True),
    CategorySeed("sexual_orientation", "Sexual orientation data", 5, 4, is_special=True),
    CategorySeed("gender_reassignment", "Gender reassignment data", 6, 4, is_special=True),
    CategorySeed("health", "Health data", 7, 4, is_special=True),
    CategorySeed("basic_identifiers", "Basic personal identifiers, eg name, contact details", 8, 1),
    # Log-ins and identity documents open accounts and identities: they weigh as financial data
    # (ENISA: credentials take the level of what they unlock; WP250 IV.B: identity theft, fraud).
    CategorySeed("identification", "Identification data, eg usernames, passwords", 9, 3),
    CategorySeed("financial", "Economic and financial data, eg credit card numbers, bank details", 10, 3),
    CategorySeed("official_documents", "Official documents, eg driving licences", 11, 3),
    CategorySeed("location", "Location data", 12, 2),
    CategorySeed("genetic_biometric", "Genetic or biometric data", 13, 4, is_special=True),
    CategorySeed("criminal", "Criminal convictions, offences", 14, 4, is_criminal=True),
    CategorySeed("not_yet_known", "Not yet known", 15, 1),
    CategorySeed("other", "Other (details)", 16, 1, needs_detail=True),
)


# The incident's regulator state, derived from decisions and submissions.
AWAITING_DECISION = "awaiting_decision"
AWAITING_SUBMISSION = "awaiting_submission"
REPORTED_ON_TIME = "reported_on_time"
REPORTED_LATE = "reported_late"
NOT_REPORTED = "not_reported"
REGULATOR_STATES = {
    AWAITING_DECISION: "Awaiting decision",
    AWAITING_SUBMISSION: "Decided to report: not yet submitted",
    REPORTED_ON_TIME: "Reported on time",
    REPORTED_LATE: "Reported late",
    NOT_REPORTED: "Decided not to report",
}


def regulator_state(*, deadline: datetime, initial_submitted_at: datetime | None, last_report_decision: bool | None) -> str:
    if initial_submitted_at is not None:
        return REPORTED_ON_TIME if initial_submitted_at <= deadline else REPORTED_LATE
    if last_report_decision is None:
        return AWAITING_DECISION
    return AWAITING_SUBMISSION if last_report_decision else NOT_REPORTED
