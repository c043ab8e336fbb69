"""Letter templates in a sandboxed Django template engine, and the letters they make.

A DPO edits letter templates in the app. They are Django templates, but compiled by a
separate engine with no tag libraries, checked node by node against a fixed list of tags,
filters and placeholders, and rendered with a context of plain strings and lists built for one
person: no model instance, no settings, no loaders, so a template cannot reach files, settings
or anyone else's data. Autoescaping is on: a person's name with markup prints as text.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, ForNode, IfNode
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from breachtracker.pdf import Page, render_pages, render_pdf, render_pdf_parts, stylesheet
from incidents.controllers.services import on_behalf_of, writing_as
from incidents.models import DataCategory, DataSubject, Incident, Organisation
from incidents.vocab import Cause

from .models import LetterTemplate, NotificationPlan

# The placeholders a template may use, documented on the template editing page.
PLACEHOLDERS: dict[str, str] = {
    "person.full_name": "the person's full name (the person the letter is about)",
    "person.address_lines": "their postal address, as a list of lines",
    "addressee.kind": "who the letter is to: self, parent (a child's parent or guardian) or representative",
    "addressee.name": "the name the letter is addressed to",
    "addressee.relationship": "a representative's relationship to the person (attorney, deputy, carer...)",
    "addressee.address_lines": "the postal address the letter goes to, as a list of lines",
    "addressee.your": "“your”, “your child's” or “Sam Smith's”: whose information, said to the reader",
    "person.reference": "their reference in the source system (may be empty)",
    "person.roles": "their roles in the incident, as a list (e.g. Victim, Witness)",
    "person.categories": "the kinds of THEIR OWN data that were exposed, in plain words, as a list",
    "incident.reference": "the incident reference, e.g. BR-2026-0001",
    "incident.cause": "the kind of breach, for the opening line: error, attack, theft_or_loss or other",
    "incident.what_happened": "what happened: the plan's public description (never the internal record)",
    "incident.occurred": "when it happened (date or range), or empty",
    "incident.discovered": "the date it was discovered",
    "plan.what_happened": "what happened, in the public words of the notification plan",
    "plan.consequences": "likely consequences (from the notification plan)",
    "plan.measures": "what we have done (from the notification plan)",
    "plan.advice": "what the person can do (from the notification plan)",
    "plan.support": "who can support them (from the notification plan)",
    "organisation.name": "the controller's name",
    "organisation.address_lines": "the controller's registered address, as a list of lines",
    "organisation.writing_as": "who is writing: our name, and “also on behalf of” the partner controllers the "
                               "agreement says we write for (just our name when there are none)",
    "organisation.on_behalf_of": "the partner controllers we also write for, as a list (empty when none)",
    "dpo.name": "the DPO's name",
    "dpo.email": "the DPO's email address",
    "dpo.phone": "the DPO's phone number",
    "dpo.address_lines": "the DPO's postal address, as a list of lines",
    "today": "today's date, e.g. 24 November 2026",
}
# Placeholders that are lists, so may follow `{% for x in ... %}`.
LIST_PLACEHOLDERS = {name for name in PLACEHOLDERS if name.endswith(("_lines", "roles", "categories"))}
# `default` stays readable in old versions but a new version may not use it: a letter never
# states a stand-in as a fact (the batch is refused until the plan is complete instead).
ALLOWED_FILTERS = {"linebreaksbr", "linebreaks", "upper", "lower", "title", "capfirst", "default",
                   "join", "length", "pluralize", "yesno", "first", "last"}
REFUSED_IN_NEW_VERSIONS = {"default"}

# The opening line of a letter fits what happened (incidents.vocab.Cause).
CAUSE_KIND: dict[str, str] = {
    Cause.WRONG_RECIPIENT: "error", Cause.FOI_PUBLISHED: "error", Cause.FAILURE_TO_REDACT: "error",
    Cause.HIDDEN_DATA: "error", Cause.LOSS_THEFT: "theft_or_loss", Cause.UNAUTHORISED_ACCESS: "attack",
    Cause.CYBER_RANSOMWARE: "attack", Cause.CYBER_PHISHING: "attack", Cause.CYBER_MISCONFIGURATION: "attack",
    Cause.CYBER_OTHER: "attack", Cause.OTHER: "other",
}

# Each ICO category of personal data (incidents.vocab.DATA_CATEGORY_SEEDS) in words for a letter.
PLAIN_CATEGORY: dict[str, str] = {
    "racial_ethnic": "your ethnic background",
    "political": "your political views",
    "religious": "your religion or beliefs",
    "trade_union": "whether you are in a trade union",
    "sex_life": "details about your sex life",
    "sexual_orientation": "your sexual orientation",
    "gender_reassignment": "details about a change of gender",
    "health": "details about your health",
    "basic_identifiers": "your name and contact details",
    "identification": "your user names or passwords",
    "financial": "your bank or card details",
    "official_documents": "details from official papers, like a driving licence",
    "location": "details of where you were",
    "genetic_biometric": "details about your body, like fingerprints or DNA",
    "criminal": "details about crimes or offences",
    "not_yet_known": "other details we are still checking",
    "other": "other details",
}
FORLOOP_NAMES = {"forloop.counter", "forloop.counter0", "forloop.first", "forloop.last"}

# No tag libraries: {% load %} of anything fails. The builtins still define tags such as
# {% include %}, {% url %} and {% debug %}; the node check below refuses them.
ENGINE = Engine(debug=True, autoescape=True, libraries={}, loaders=[], string_if_invalid="",
                app_dirs=False, dirs=[])


class TemplateRefused(ValueError):
    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"Line {line}: {reason}" if line else reason)


@dataclass
class _Scope:
    loop_names: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()


def compile_letter(source: str, *, new_version: bool = False) -> Template:
    """Compile a letter template, or raise TemplateRefused naming the line and the reason.

    `new_version`: a template about to be saved, where stand-in text (`default`) is refused."""
    if len(source) > 100_000:
        raise TemplateRefused(None, "the template is longer than 100,000 characters")
    try:
        template = Template(source, engine=ENGINE)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        raise TemplateRefused(debug.get("line"), f"invalid template syntax: {exc}") from None
    _check_nodes(template.nodelist, _Scope(refused=frozenset(REFUSED_IN_NEW_VERSIONS if new_version else ())))
    return template


def _line(node: Node) -> int | None:
    token = getattr(node, "token", None)
    return getattr(token, "lineno", None)


def _check_nodes(nodes: Any, scope: _Scope) -> None:
    for node in nodes:
        line = _line(node)
        if isinstance(node, (TextNode, CommentNode)):
            continue
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression, scope, line)
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                if condition is not None:
                    _check_condition(condition, scope, line)
                _check_nodes(nodelist, scope)
        elif isinstance(node, ForNode):
            _check_expression(cast(FilterExpression, node.sequence), scope, line, want_list=True)
            inner = _Scope(scope.loop_names | frozenset(node.loopvars), scope.refused)
            _check_nodes(node.nodelist_loop, inner)
            _check_nodes(node.nodelist_empty, scope)
        else:
            name = type(node).__name__.removesuffix("Node").lower() or "this"
            raise TemplateRefused(line, f"the {{% {name} %}} tag is not allowed in letters "
                                        "(allowed tags: if, for, comment)")


def _check_condition(condition: Any, scope: _Scope, line: int | None) -> None:
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        _check_expression(value, scope, line)
    for part in ("first", "second"):
        child = getattr(condition, part, None)
        if child is not None:
            _check_condition(child, scope, line)


def _check_expression(expression: FilterExpression, scope: _Scope, line: int | None,
                      want_list: bool = False) -> None:
    _check_variable(expression.var, scope, line, want_list)
    for func, args in expression.filters:
        name = getattr(func, "_filter_name", func.__name__)
        if name in scope.refused:
            raise TemplateRefused(line, f"the filter “{name}” is not allowed in a new version: a letter must "
                                        "not state a stand-in as a fact (leave the placeholder on its own)")
        if name not in ALLOWED_FILTERS:
            raise TemplateRefused(line, f"the filter “{name}” is not allowed (allowed: "
                                        f"{', '.join(sorted(ALLOWED_FILTERS))})")
        for is_variable, arg in args:
            if is_variable:
                _check_variable(arg, scope, line, False)


def _check_variable(var: Any, scope: _Scope, line: int | None, want_list: bool) -> None:
    if not isinstance(var, Variable) or var.lookups is None:
        return  # a literal: "text" or a number
    name = ".".join(var.lookups)
    if var.lookups[0] in scope.loop_names and len(var.lookups) == 1:
        return
    if name in FORLOOP_NAMES and scope.loop_names:
        return
    if name not in PLACEHOLDERS:
        raise TemplateRefused(line, f"unknown placeholder “{name}” (see the list of placeholders)")
    if want_list and name not in LIST_PLACEHOLDERS:
        raise TemplateRefused(line, f"“{name}” is not a list, so it cannot be looped over")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _date(value: Any) -> str:
    if not value:
        return ""
    return timezone.localtime(value).strftime("%-d %B %Y")


def plain_categories(subject: DataSubject, categories: list[DataCategory],
                     incident_categories: list[DataCategory] | None = None) -> list[str]:
    """The person's own exposed data in plain words: their recorded categories, or else the
    incident's (which apply to everyone whose own are not recorded)."""
    chosen = subject.exposed_list(categories, list(incident_categories or []))
    return [PLAIN_CATEGORY.get(c.code, c.name) for c in chosen]


def addressee(subject: DataSubject, on: date | None = None) -> dict[str, Any]:
    """Who the letter is to, by the person's age on the letter date: a child's parent or guardian
    (at the child's address), an adult's representative (at theirs), or the person."""
    on = on or timezone.localdate()
    if subject.is_child_on(on):
        return {"kind": "parent", "name": subject.full_name, "relationship": "parent or guardian",
                "address_lines": list(subject.address_lines), "your": "your child's"}
    if subject.has_representative:
        return {"kind": "representative", "name": subject.representative_name,
                "relationship": subject.get_representative_relationship_display(),
                "address_lines": subject.representative_lines, "your": f"{subject.full_name}'s"}
    return {"kind": "self", "name": subject.full_name, "relationship": "",
            "address_lines": list(subject.address_lines), "your": "your"}


def letter_context(*, subject: DataSubject, incident: Incident, plan: NotificationPlan | None,
                   organisation: Organisation, categories: list[DataCategory],
                   incident_categories: list[DataCategory] | None = None) -> dict[str, Any]:
    """The whole world a template can see: plain strings and lists about ONE person.

    What happened comes from the plan's public description only: the incident's internal
    description never reaches a letter.
    """
    occurred = ""
    if incident.occurred_from:
        occurred = _date(incident.occurred_from)
        if incident.occurred_to and _date(incident.occurred_to) != occurred:
            occurred = f"between {occurred} and {_date(incident.occurred_to)}"
    public = plan.public_description if plan else ""
    on_behalf = on_behalf_of(incident)
    return {
        "person": {
            "full_name": subject.full_name,
            "address_lines": list(subject.address_lines),
            "reference": subject.reference,
            "roles": [role.label for role in subject.role_list],
            "categories": plain_categories(subject, categories, incident_categories),
            "large_print": subject.large_print,
            "language": subject.language,
        },
        "addressee": addressee(subject, timezone.localdate()),
        "incident": {
            "reference": incident.reference,
            "cause": CAUSE_KIND.get(incident.cause, "other"),
            "what_happened": public,
            "occurred": occurred,
            "discovered": _date(incident.discovered_at),
        },
        "plan": {
            "what_happened": public,
            "consequences": plan.consequences if plan else "",
            "measures": plan.measures if plan else "",
            "advice": plan.advice if plan else "",
            "support": plan.support if plan else "",
        },
        # Which controller is writing (issue 19): ours, and the partners we write for.
        "organisation": {"name": organisation.controller_name,
                         "address_lines": _lines(organisation.registered_address),
                         "writing_as": writing_as(incident, organisation.controller_name, partners=on_behalf),
                         "on_behalf_of": on_behalf},
        "dpo": {"name": organisation.dpo_name, "email": organisation.dpo_email,
                "phone": organisation.dpo_phone, "address_lines": _lines(organisation.dpo_address)},
        "today": timezone.localdate().strftime("%-d %B %Y"),
    }


def render_body(template: Template, context: dict[str, Any]) -> str:
    return template.render(Context(context, autoescape=True))


def render_letter_html(*, letter: LetterTemplate, context: dict[str, Any], compiled: Template | None = None) -> str:
    """The full HTML document of one letter: letterhead, window address block, body."""
    body = render_body(compiled or compile_letter(letter.body), context)
    return render_to_string("pdf/letter.html", {"c": context, "body": mark_safe(body)})  # noqa: S308 (autoescaped above)


@dataclass(frozen=True)
class LetterPart:
    """One person's letter, ready to be laid out with others: its markup (letterhead, window
    address, body) and what its document as a whole says (language, title, large print)."""

    html: SafeString
    language: str
    title: str
    reference: str  # the incident's, at the top of every page
    large_print: bool
    # A template carrying its own <style> or <link> is laid out alone, as letter.html, so its
    # rules reach no other person's letter and cascade as they always have; so is one with
    # page breaks of its own (a chunk's letter keeps no margin at the top of a page).
    alone: bool
    document: str  # the whole letter.html, for a letter laid out alone


_LAID_OUT_ALONE = re.compile(r"<\s*(style|link)\b|break-(before|after)|page-break", re.IGNORECASE)


def letter_part(*, letter: LetterTemplate, context: dict[str, Any], compiled: Template | None = None) -> LetterPart:
    """Render one person's letter to markup (a template that fails for this person raises here)."""
    body = mark_safe(render_body(compiled or compile_letter(letter.body), context))  # noqa: S308 (autoescaped)
    alone = bool(_LAID_OUT_ALONE.search(body))
    values = {"c": context, "body": body}
    return LetterPart(
        html=mark_safe(render_to_string("pdf/_letter.html", values)),  # noqa: S308 (autoescaped)
        language="cy" if context["person"]["language"] == "cy" else "en-GB", title=context["incident"]["reference"],
        reference=context["incident"]["reference"], large_print=bool(context["person"]["large_print"]), alone=alone,
        document=render_to_string("pdf/letter.html", values) if alone else "")


def letters_pdf(parts: list[LetterPart]) -> list[bytes | Exception]:
    """One PDF per letter, in order (or the exception that letter's layout raised).

    Letters sharing a language, title and reference are laid out as ONE WeasyPrint document
    and split one PDF per person, which is far cheaper than a document per letter; each
    letter's page numbers and reference are drawn over its pages from `letter_margins`. If a
    document fails, its letters are laid out again one by one, so only the letter at fault
    fails.
    """
    results: list[bytes | Exception | None] = [None] * len(parts)
    groups: dict[tuple[str, str, str], list[int]] = {}
    for index, part in enumerate(parts):
        if part.alone:
            results[index] = _alone(part)
        else:
            groups.setdefault((part.language, part.title, part.reference), []).append(index)
    for indexes in groups.values():
        try:
            pdfs: list[bytes | Exception] = list(_together([parts[i] for i in indexes]))
        except Exception:
            pdfs = [_one(parts[i]) for i in indexes]
        for i, data in zip(indexes, pdfs, strict=True):
            results[i] = data
    return [r if r is not None else ValueError("not rendered") for r in results]


def _together(parts: list[LetterPart]) -> list[bytes]:
    """Letters of one language, title and reference: one document, one PDF per letter."""
    first = parts[0]
    html = render_to_string("pdf/letters.html", {"parts": parts, "lang": first.language, "title": first.title})
    return render_pdf_parts(html, anchors=[f"bt-letter-{i}" for i in range(len(parts))],
                            stylesheets=("css/letter.css",),
                            overlay=lambda pages: letter_margins(first.reference, pages))


_margins: dict[tuple[str, int, object], list[Page]] = {}


def letter_margins(reference: str, pages: int) -> list[Page]:
    """What the margins of a letter of `pages` pages say, a page for each of its pages: the
    reference at the top right, "Page X of Y" at the bottom (letter.css's own @page rules,
    as on a letter laid out alone). Laid out once per process for each reference and length
    (a few pages each; again if the stylesheet changes)."""
    sheet = stylesheet("css/letter.css")
    key = (reference, pages, sheet)
    if key not in _margins:
        if len(_margins) >= 64:
            _margins.clear()
        html = render_to_string("pdf/letter_margins.html", {"reference": reference, "pages": range(1, pages + 1)})
        _margins[key] = render_pages(html, stylesheets=("css/letter.css",))
    return _margins[key]


def _one(part: LetterPart) -> bytes | Exception:
    try:
        return _together([part])[0]
    except Exception as exc:
        return exc


def _alone(part: LetterPart) -> bytes | Exception:
    try:
        return render_pdf(part.document)
    except Exception as exc:
        return exc


def render_email(*, letter: LetterTemplate, context: dict[str, Any], compiled: Template | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the email version of a letter."""
    body = render_body(compiled or compile_letter(letter.body), context)
    subject_template = compile_letter(letter.email_subject.replace("\n", " "))
    subject = " ".join(strip_tags(render_body(subject_template, context)).split())[:200]
    html = render_to_string("emails/notification-body.html", {"c": context, "body": mark_safe(body)})  # noqa: S308
    text = render_to_string("emails/notification-body.txt", {"c": context, "body": _html_to_text(body)})
    return subject, text, html


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>", "\n", html)
    text = re.sub(r"(?i)</(p|h[1-6]|div)>", "\n\n", text)
    text = re.sub(r"(?i)<li[^>]*>", "\n- ", text)
    text = html_lib.unescape(strip_tags(text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()
