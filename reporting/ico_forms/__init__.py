"""The ICO's breach report forms, question by question, as data (issue 19).

Two forms: the personal data breach report for UK GDPR and DPA 2018 Part 3 incidents
(`uk_gdpr.FORM`: the online form in six parts, with the Word form's wording where it was read)
and the PECR security breach notification (`pecr.FORM`: initial, second and follow-up
notifications and the monthly log, plus `pecr.LOG_COLUMNS`).

Every question says where its wording was read (`source`, `read_on`) and whether it was read
at all: `confirmed=False` means the ICO's own wording (or, with `options_confirmed=False`, its
answer options) was not found in any stored copy of its pages, and `note` says what the text
stands on instead. Nothing here is to be shown to a DPO as the ICO's wording unless confirmed.

`ours` names the model fields breachtracker answers each question from today and `status`
says how well: "exact" (answers it as asked), "different" (`status_note` says how) or
"missing" (nothing answers it). SOURCES.md lists every page read and every gap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

READ_ON = "2026-12-03"

# How a question is answered on the ICO's form. "datetime" is a date and a time box side by side
# (the Word form's "Date: … Time: …"); "contact" a name with an email and a phone number;
# "unknown" only for a question whose form was not read (confirmed=False).
ANSWER_TYPES = frozenset({
    "text", "number", "date", "datetime", "choice", "multi_choice", "yes_no_dont_know", "file", "contact",
    "unknown",
})
CHOICE_TYPES = frozenset({"choice", "multi_choice", "yes_no_dont_know"})
STATUSES = ("exact", "different", "missing")


@dataclass(frozen=True)
class Question:
    key: str
    # The online form's wording where it was read; else the Word form's (in_word=True, from the
    # copy named in `source`); else, with confirmed=False, the nearest wording found.
    text: str
    answer_type: str
    source: str
    confirmed: bool
    ours: tuple[str, ...]
    status: str
    options: tuple[str, ...] = ()
    options_confirmed: bool = True
    # True/False where the form marks it (the online form's "*", "(optional)"); None: not read.
    mandatory: bool | None = None
    help_text: str = ""
    char_limit: int | None = None
    # A free-text box for the details of an "Other" answer.
    other_details: bool = False
    # The Word form's wording where both versions were read and they differ (none yet: past its
    # first question the online form could not be read); in_online / in_word: whether the
    # question was read on that version (None: not read, not that it is absent).
    word: str | None = None
    in_online: bool | None = None
    in_word: bool | None = None
    note: str = ""
    status_note: str = ""
    read_on: str = READ_ON


@dataclass(frozen=True)
class Part:
    number: int
    title: str
    title_confirmed: bool
    source: str
    questions: tuple[Question, ...] = ()
    help_text: str = ""
    # What could not be read of this part (its questions, its title).
    gap: str = ""


@dataclass(frozen=True)
class Form:
    key: str
    title: str
    url: str
    parts: tuple[Part, ...]
    help_text: str = ""
    sources: tuple[str, ...] = field(default=())

    def questions(self) -> Iterator[Question]:
        for part in self.parts:
            yield from part.questions


def status_counts(form: Form) -> dict[str, int]:
    counted = Counter(q.status for q in form.questions())
    return {status: counted.get(status, 0) for status in STATUSES}


def summary(form: Form) -> str:
    """One line per part and a total, for test messages and the report: how many questions, how
    many read in the ICO's own wording, and how breachtracker covers them."""
    lines = [f"{form.title}:"]
    for part in form.parts:
        confirmed = sum(q.confirmed for q in part.questions)
        lines.append(f"  part {part.number} {part.title!r}: {len(part.questions)} questions, {confirmed} confirmed")
    questions = list(form.questions())
    counts = status_counts(form)
    lines.append(f"  total {len(questions)} questions, {sum(q.confirmed for q in questions)} confirmed; "
                 + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines)
