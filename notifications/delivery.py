"""Getting letters out: print packs for the post room, email, the handlers' daily digest."""

from __future__ import annotations

import csv
import hashlib
import io
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from breachtracker import files
from breachtracker.csvsafe import neutralise
from breachtracker.pdf import StreamingPdfMerger
from breachtracker.records import attribute_to, attribute_to_system
from incidents.casework import services as casework_services
from incidents.models import DataCategory, Organisation, PersonRequest, Restriction
from incidents.register.services import incident_event_record
from incidents.vocab import Channel

from . import progress
from .letters import addressee, compile_letter, letter_context, render_email
from .models import DigestSent, Notification, NotificationPlan, PrintPack, letter_reference
from .generation import Status, _claim, _finish
from .withholding import withhold_reason

def csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(v) for v in values])
    return buffer.getvalue()


# --- print packs ----------------------------------------------------------------------------

MANIFEST_HEADER = ["sequence", "first page", "pages", "notification", "reference", "name",
                   "address line 1", "address line 2", "town", "postcode", "letter reference"]


def pack_letters(pack: PrintPack, chunk: int = 500) -> Iterator[Any]:
    """The pack's letters in postcode order, then name.

    Postcodes and names are encrypted at rest, so the database cannot sort by them: the keys
    are read and sorted here, then the letters fetched in chunks in that order.
    """
    letters = (pack.batch.notifications.filter(channel=Channel.LETTER, status__in=[Status.GENERATED, Status.SENT])
               .exclude(pdf=""))
    keys = sorted(letters.values_list("subject__postcode", "subject__full_name", "pk").iterator(chunk_size=2000),
                  key=lambda k: (k[0].replace(" ", "").upper(), k[1].casefold(), k[2]))
    order = [k[2] for k in keys]
    del keys
    for start in range(0, len(order), chunk):
        ids = order[start:start + chunk]
        found = letters.select_related("subject").in_bulk(ids)
        yield from (found[i] for i in ids if i in found)


def _envelope(subject: Any) -> list[str]:
    """Name and four address columns as on the letter's window: the person, a child's parent or
    guardian, or a representative (whose address is free text: its last line is the postcode)."""
    to = addressee(subject)
    if to["kind"] == "self":
        return [subject.full_name, subject.address_line_1, subject.address_line_2, subject.town, subject.postcode]
    name = f"The parent or guardian of {to['name']}" if to["kind"] == "parent" else to["name"]
    if to["kind"] == "parent":
        return [name, subject.address_line_1, subject.address_line_2, subject.town, subject.postcode]
    lines = list(to["address_lines"])
    postcode = lines.pop() if len(lines) > 1 else ""
    lines = lines[:2] + [", ".join(lines[2:])] if len(lines) > 3 else (lines + ["", "", ""])[:3]
    return [name, *lines, postcode]


def print_pack_build(*, pack_id: int) -> PrintPack:
    """Merge a batch's letters into one PDF in postcode order, with a manifest CSV.

    Streamed: rows come from the database in chunks, each letter is read from storage (one
    letter in memory at a time), copied into the output file and forgotten (StreamingPdfMerger
    keeps only object offsets); the output is then stored encrypted a chunk at a time.
    """
    pack = PrintPack.objects.select_related("batch__incident").get(pk=pack_id)
    reference = pack.batch.incident.reference
    base = f"packs/{reference}/batch-{pack.batch_id}-pack-{pack.pk}"
    letters = pages = skipped = 0
    included: list[int] = []
    # Built in a private temporary folder (the merger needs a seekable file), then stored
    # encrypted, streamed a chunk at a time; the folder goes whatever happens.
    with files.private_folder(prefix="breachtracker-pack-") as folder:
        pdf_path, csv_path = folder / "pack.pdf", folder / "manifest.csv"
        with (open(csv_path, "w", newline="", encoding="utf-8") as manifest, open(pdf_path, "wb") as out):
            rows = csv.writer(manifest)
            rows.writerow(MANIFEST_HEADER)
            merger = StreamingPdfMerger(out)
            for notification in pack_letters(pack):
                if withhold_reason(notification.subject, Channel.LETTER):
                    # Restricted, or marked "do not write", since the letter was generated.
                    skipped += 1
                    continue
                first = pages + 1
                pages += merger.append(io.BytesIO(files.read(notification.pdf.name)))
                letters += 1
                s = notification.subject
                included.append(notification.pk)
                rows.writerow([neutralise(v) for v in (letters, first, pages - first + 1, notification.pk, s.reference,
                                                      *_envelope(s), letter_reference(reference, notification.pk))])
            merger.close()
        digest = hashlib.sha256()
        with open(pdf_path, "rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
            files.write(f"{base}.pdf", done)
        with open(csv_path, "rb") as done:
            files.write(f"{base}.csv", done)
    pack.pdf.name = f"{base}.pdf"
    pack.manifest.name = f"{base}.csv"
    pack.pdf_sha256 = digest.hexdigest()
    pack.letters, pack.pages, pack.status = letters, pages, PrintPack.Status.READY
    pack.notification_ids = included
    pack.last_error = f"{skipped} letter(s) left out: the person may no longer be written to." if skipped else ""
    attribute_to(pack, pack.created_by, "Print pack built by the worker")
    with transaction.atomic():
        pack.save()
        incident_event_record(incident=pack.batch.incident, actor=pack.created_by, kind="pack_built",
                              detail=f"Print pack {pack.pk} of batch {pack.batch_id}: {letters} letters, {pages} pages.")
    return pack


# --- email ----------------------------------------------------------------------------------

class TransientEmailError(Exception):
    """The mail server may accept it later: retry with backoff."""


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                            TimeoutError, OSError))


def notification_send_email(*, notification_id: int) -> str:
    """Send one generated email notification with its PDF attached.

    At most once: a row claimed for sending by a worker that then died stays `sending` for a
    person to check, because the mail may have left before the crash.
    """
    token = _claim(notification_id, from_status=Status.GENERATED, to_status=Status.SENDING,
                   allow_stale=False, channel=Channel.EMAIL)
    if token is None:
        return "skipped"
    n = Notification.objects.select_related("subject", "incident", "template", "batch__approval").get(pk=notification_id)
    withheld = withhold_reason(n.subject, Channel.EMAIL)
    if withheld:  # restricted, or the address removed, since the letter was generated
        _finish(notification_id, token, f"Withheld: {withheld[1]}", status=Status.WITHHELD,
                withheld_code=withheld[0], withheld_reason=withheld[1])
        return "withheld"
    approval = n.batch.approval if n.batch is not None else None
    if n.template is None:  # a generated letter always has its template; never send without one
        _finish(notification_id, token, "No letter template: not sent.", status=Status.FAILED)
        return "failed"
    context = letter_context(subject=n.subject, incident=n.incident,
                             plan=approval.plan() if approval else NotificationPlan.objects.filter(incident=n.incident).first(),
                             organisation=Organisation.current(), categories=list(DataCategory.objects.all()),
                             incident_categories=[row.category for row in
                                                  n.incident.exposed_categories.select_related("category")])
    subject, text, html = render_email(letter=n.template, context=context, compiled=compile_letter(n.template.body))
    message = EmailMultiAlternatives(subject, text, to=[n.subject.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"{n.incident.reference}-letter.pdf", files.read(n.pdf.name), "application/pdf")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - classified below; anything unknown is permanent
        error = f"{type(exc).__name__}: {exc}"[:500]
        if _is_transient(exc):
            _finish(notification_id, token, "Email: temporary failure", status=Status.GENERATED, last_error=error)
            raise TransientEmailError(error) from exc
        _finish(notification_id, token, "Email: permanent failure", status=Status.FAILED, last_error=error)
        return "failed"
    _finish(notification_id, token, "Email sent", status=Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def notification_email_give_up(*, notification_id: int, error: str) -> None:
    """Retries used up on a temporary failure: record it as failed (with history)."""
    with transaction.atomic():
        row = (Notification.objects.select_for_update()
               .filter(pk=notification_id, status=Status.GENERATED, channel=Channel.EMAIL).first())
        if row is None:
            return
        before = progress.of_row(row, progress.roles_of([row.pk])[row.pk])
        row.status = Status.FAILED
        progress.moved([(before, progress.after(before, status=Status.FAILED))])
        row.last_error = f"Gave up after retries: {error}"[:500]
        row.version += 1
        attribute_to_system(row, "Email: gave up after retries")
        row.save()


def print_pack_fail(*, pack_id: int, error: str) -> None:
    pack = PrintPack.objects.get(pk=pack_id)
    pack.status, pack.last_error = PrintPack.Status.FAILED, error[:500]
    attribute_to(pack, pack.created_by, "Print pack could not be built (worker)")
    pack.save()


# --- the daily digest -----------------------------------------------------------------------

# More sections for the digest: each takes the handler and returns lines (e.g. "restrictions
# due for review", from the assessment work). Empty lists are left out.
def _restrictions_due(user: Any, today: date) -> list[str]:
    """Restrictions on telling people, in the handler's incidents, whose review date has come."""
    due = (Restriction.objects.due_for_review(today).filter(incident__handler=user)
           .select_related("incident").order_by("review_date", "pk"))
    return [f"{r.incident.reference}: restriction {r.pk}, review due {r.review_date:%d %b %Y}" for r in due]


def _requests_due(user: Any, today: date) -> list[str]:
    """Requests and claims the user owns that are overdue or due within three days."""
    soon = today + timedelta(days=3)
    rows = (PersonRequest.objects.filter(owner=user, status__in=PersonRequest.OPEN_STATUSES)
            .filter(Q(extended_to__lte=soon) | Q(extended_to__isnull=True, due_on__lte=soon))
            .select_related("incident").order_by("due_on", "pk"))
    return [f"{r.incident.reference}: {r.get_kind_display().lower()} from record {r.subject_id}, "
            f"{'overdue since' if r.deadline and r.deadline < today else 'due'} {r.deadline:%d %b %Y}" for r in rows]


def _actions_overdue(user: Any, today: date) -> list[str]:
    """Actions the user owns that are past their due date."""
    return [f"{a.incident.reference}: {a.description[:80]} (due {a.due_on:%d %b %Y})"
            for a in casework_services.actions_overdue(today).filter(owner=user).order_by("due_on", "pk")]


DIGEST_SECTIONS: list[tuple[str, Callable[[Any, date], list[str]]]] = [
    ("Restrictions due for review", _restrictions_due),
    ("Requests and claims due", _requests_due),
    ("Actions overdue", _actions_overdue),
]


def _owners_with_work(today: date) -> set[int]:
    """Users who own an overdue action or a request due within three days (they get a digest
    even with no overdue notification)."""
    soon = today + timedelta(days=3)
    requests = PersonRequest.objects.filter(status__in=PersonRequest.OPEN_STATUSES).filter(
        Q(extended_to__lte=soon) | Q(extended_to__isnull=True, due_on__lte=soon)).values_list("owner_id", flat=True)
    actions = casework_services.actions_overdue(today).values_list("owner_id", flat=True)
    return set(requests) | set(actions)


def _overdue_by_handler(today: date) -> dict[int, list[tuple[str, str, int]]]:
    rows = (Notification.objects.overdue(today).filter(incident__handler__isnull=False)
            .values("incident__handler", "incident__reference", "incident__title")
            .annotate(n=Count("id")).order_by("incident__reference"))
    found: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for row in rows:
        found[row["incident__handler"]].append((row["incident__reference"], row["incident__title"], row["n"]))
    return found


def digests_send(*, today: date | None = None) -> int:
    """Email each handler with overdue notifications once today. Returns how many were sent."""
    today = today or timezone.localdate()
    overdue = _overdue_by_handler(today)
    sent = 0
    for user in get_user_model().objects.filter(pk__in=set(overdue) | _owners_with_work(today)).exclude(email=""):
        extra = [(title, lines) for title, section in DIGEST_SECTIONS if (lines := section(user, today))]
        if not overdue.get(user.pk) and not extra:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(user=user, day=today, overdue=sum(n for *_, n in overdue[user.pk]))
                context = {"user": user, "today": today, "incidents": overdue.get(user.pk, []), "extra": extra,
                           "site": settings.BREACHTRACKER_BASE_URL.rstrip("/")}
                send_mail(render_to_string("emails/digest-subject.txt", context).strip(),
                          render_to_string("emails/digest-body.txt", context), None, [user.email],
                          html_message=render_to_string("emails/digest-body.html", context))
        except IntegrityError:
            continue  # already sent today (another beat, a retry)
        sent += 1
    return sent


def outstanding_rows(incident: Any) -> Iterator[str]:
    """The outstanding people of an incident as CSV lines, for the phone team."""
    yield csv_line(["name", "reference", "roles", "phone", "email", "channel", "status", "reason",
                    "attempts", "last outcome", "target date"])
    plan = NotificationPlan.objects.filter(incident=incident).first()
    target = plan.target_date.isoformat() if plan and plan.target_date else ""
    # In the order people were recorded: names are encrypted, the database cannot sort them.
    rows = (Notification.objects.outstanding().filter(incident=incident).select_related("subject")
            .order_by("subject_id", "pk"))
    for n in rows.iterator(chunk_size=500):
        s = n.subject
        yield csv_line([s.full_name, s.reference, ", ".join(r.label for r in s.role_list), s.phone, s.email,
                        n.get_channel_display(), n.get_status_display(), n.withheld_reason or n.last_error,
                        n.attempts, n.outcome, target])
