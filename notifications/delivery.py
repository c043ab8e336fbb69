"""Getting letters out: print packs for the post room, email, the handlers' daily digest."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import smtplib
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
import pikepdf

from breachtracker import files
from breachtracker.csvsafe import neutralise
from breachtracker.records import attribute_to, attribute_to_system
from incidents.casework import services as casework_services
from incidents.models import DataCategory, Organisation, Restriction
from incidents.register.services import incident_event_record
from incidents.regulator import services as regulator_services
from incidents.vocab import Channel

from . import packorder, progress
from .letters import addressee, compile_letter, letter_context, render_email
from .models import DigestSent, Notification, NotificationPlan, PrintPack, PrintPackLetter, letter_reference
from .generation import Status, _claim, _finish
from . import withholding
from .packpdf import PackJoiner, PartWriter
from .withholding import withhold_reason

log = logging.getLogger(__name__)

def csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(v) for v in values])
    return buffer.getvalue()


# --- print packs ----------------------------------------------------------------------------

MANIFEST_HEADER = ["sequence", "first page", "pages", "notification", "reference", "name",
                   "address line 1", "address line 2", "town", "postcode", "letter reference"]


def pack_order(pack: PrintPack) -> array[int]:
    """The ids of the pack's letters in postcode order, then name.

    Postcodes and names are encrypted at rest, so the database cannot sort by them: the keys
    are read and sorted here, in bounded memory (`packorder`); ids only are kept.
    """
    rows = _pack_rows(pack).values_list("subject__postcode", "subject__full_name", "pk").iterator(chunk_size=2000)
    return packorder.sorted_ids(rows)


def _pack_rows(pack: PrintPack) -> Any:
    return (pack.batch.notifications.filter(channel=Channel.LETTER, status__in=[Status.GENERATED, Status.SENT])
            .exclude(pdf=""))


def pack_letters(pack: PrintPack, chunk: int = 500, order: Sequence[int] | None = None) -> Iterator[Any]:
    """The pack's letters (or those of `order`, in that order), fetched in chunks."""
    order = pack_order(pack) if order is None else order
    letters = _pack_rows(pack)
    for start in range(0, len(order), chunk):
        ids = list(order[start:start + chunk])
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


def _withheld_from_letters(incident: Any) -> Callable[[Any], bool]:
    """`withhold_reason(subject, Channel.LETTER)` for the people of one incident, with what
    holds for the whole incident (its restrictions, the decision to tell) loaded once
    (`withholding.WithholdFacts`): two queries for a part instead of two for every letter."""
    facts = withholding.WithholdFacts.load([incident.pk])

    def withheld(subject: Any) -> bool:
        return withholding.withhold_reason(subject, Channel.LETTER, facts=facts) is not None

    return withheld


class PackError(ValueError):
    """A letter or part could not go into the pack: the pack fails with this message."""


def pack_part_size() -> int:
    return max(1, int(getattr(settings, "NOTIFICATIONS_PACK_PART_SIZE", 2000)))


def _pack_base(pack: PrintPack) -> str:
    return f"packs/{pack.batch.incident.reference}/batch-{pack.batch_id}-pack-{pack.pk}"


def _part_name(pack: PrintPack, attempt: int, index: int, ext: str) -> str:
    return f"{_pack_base(pack)}-attempt-{attempt}-part-{index:05d}.{ext}"


def _delete_part(pack: PrintPack, attempt: int, index: int) -> None:
    """Best effort (a part file is encrypted like every stored file)."""
    store = files.storage()
    for ext in ("pdf", "csv"):
        try:
            store.delete(_part_name(pack, attempt, index, ext))
        except OSError:
            log.warning("print pack %s: could not delete part %s of attempt %s", pack.pk, index, attempt)


def _delete_parts(pack: PrintPack, attempt: int, parts: int) -> None:
    for index in range(parts):
        _delete_part(pack, attempt, index)


class PackParts:
    """A pack's letter ids in print order, cut into parts of `size`; a part is made a list only
    when asked for, so the plan of a large pack holds 8 bytes a letter. No letters: one empty
    part (the join then makes an empty pack)."""

    def __init__(self, order: array[int], size: int) -> None:
        self.order, self.size = order, size

    def __len__(self) -> int:
        return max(1, -(-len(self.order) // self.size))

    def __getitem__(self, index: int) -> list[int]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.order[index * self.size:(index + 1) * self.size].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        return (self[index] for index in range(len(self)))


def print_pack_start(*, pack_id: int) -> tuple[int, PackParts] | None:
    """Start a new attempt at building a pack: its letters in print order, cut into parts of
    `NOTIFICATIONS_PACK_PART_SIZE`. Returns (attempt, parts), or None when the pack is no
    longer being built. A part or join of an earlier attempt is ignored from now on."""
    pack = PrintPack.objects.select_related("batch__incident").get(pk=pack_id)
    parts = PackParts(pack_order(pack), pack_part_size())
    with transaction.atomic():
        row = PrintPack.objects.select_for_update().get(pk=pack_id)
        if row.status != PrintPack.Status.BUILDING:
            return None
        earlier, earlier_parts = row.attempt, row.parts
        attempt = earlier + 1
        PrintPack.objects.filter(pk=pack_id).update(attempt=attempt, parts=len(parts), parts_done={})
    if earlier:
        _delete_parts(pack, earlier, earlier_parts)
    return attempt, parts


def _current(pack_id: int, attempt: int) -> PrintPack | None:
    pack = PrintPack.objects.select_related("batch__incident").get(pk=pack_id)
    return pack if pack.attempt == attempt and pack.status == PrintPack.Status.BUILDING else None


def print_pack_part_build(*, pack_id: int, attempt: int, index: int, notification_ids: list[int]) -> bool:
    """Merge one part's letters (in the given order) into a PDF, with its manifest lines, and
    store both under names fixed by attempt and index (so a retried part replaces its own
    files). Returns True when this was the last part of the attempt to finish: the caller
    then joins the pack. A part of an attempt no longer current does nothing.

    One letter in memory at a time: read from storage (decrypted), appended by qpdf, dropped.
    """
    pack = _current(pack_id, attempt)
    if pack is None:
        return False
    reference = pack.batch.incident.reference
    letters = pages = skipped = 0
    with files.private_folder(prefix="breachtracker-pack-part-") as folder:
        pdf_path, csv_path = folder / "part.pdf", folder / "part.csv"
        writer = PartWriter(pdf_path)
        with open(csv_path, "w", newline="", encoding="utf-8") as manifest:
            rows = csv.writer(manifest)
            withheld = _withheld_from_letters(pack.batch.incident)
            for notification in pack_letters(pack, order=notification_ids):
                if withheld(notification.subject):
                    # Restricted, or marked "do not write", since the letter was generated.
                    skipped += 1
                    continue
                letter = letter_reference(reference, notification.pk)
                try:
                    data = files.read(notification.pdf.name)
                    if notification.pdf_sha256 and hashlib.sha256(data).hexdigest() != notification.pdf_sha256:
                        raise PackError("it is not the letter that was generated (its SHA-256 differs)")
                    count = writer.append(data)
                except PackError as exc:
                    raise PackError(f"The letter {letter} could not be added to the print pack: {exc}") from exc
                except (files.DamagedFile, pikepdf.PdfError, ValueError, OSError) as exc:
                    raise PackError(f"The letter {letter} could not be added to the print pack: "
                                    f"{type(exc).__name__}: {exc}") from exc
                pages += count
                letters += 1
                s = notification.subject
                rows.writerow([notification.pk, count,
                               *(neutralise(v) for v in (s.reference, *_envelope(s), letter))])
        writer.close()
        with open(pdf_path, "rb") as done:
            files.write(_part_name(pack, attempt, index, "pdf"), done)
        with open(csv_path, "rb") as done:
            files.write(_part_name(pack, attempt, index, "csv"), done)
    with transaction.atomic():
        row = PrintPack.objects.select_for_update().get(pk=pack_id)
        if row.attempt != attempt or row.status != PrintPack.Status.BUILDING:
            # Failed, or started again, while this part ran: its files are nobody's.
            transaction.on_commit(lambda: _delete_part(pack, attempt, index))
            return False
        if str(index) in row.parts_done:
            return False
        finished = {**row.parts_done, str(index): {"letters": letters, "pages": pages, "skipped": skipped}}
        PrintPack.objects.filter(pk=pack_id).update(parts_done=finished)
        return len(finished) == row.parts


class PackEntries:
    """The join's letter ids in print order, kept in a temporary file (numbers only) a block
    at a time and saved as `PrintPackLetter` rows a block at a time: memory does not grow with
    the pack."""

    BLOCK = 5000

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.block = array("q")

    def append(self, pk: int) -> None:
        self.block.append(pk)
        if len(self.block) >= self.BLOCK:
            self.block.tofile(self.file)
            self.block = array("q")

    def blocks(self) -> Iterator[array[int]]:
        self.block.tofile(self.file)
        self.block = array("q")
        self.file.seek(0)
        while data := self.file.read(self.BLOCK * 8):
            yield array("q", data)

    def save(self, pack: PrintPack) -> None:
        """The rows of a pack being built (none can exist yet: a pack is joined once)."""
        position = 0
        for block in self.blocks():
            PrintPackLetter.objects.bulk_create(
                PrintPackLetter(pack_id=pack.pk, notification_id=pk, position=position + offset)
                for offset, pk in enumerate(block))
            position += len(block)
        self.file.close()


def print_pack_join(*, pack_id: int, attempt: int) -> PrintPack | None:
    """Join an attempt's parts, in order, into the pack's one PDF and one manifest; record the
    pack as built (history and the incident's event, as before parts existed).

    Streamed: one part at a time is decrypted to a private folder and copied object by object
    (`PackJoiner` keeps offsets only); the pack is then stored encrypted a chunk at a time.
    Returns None when the attempt is no longer current."""
    pack = _current(pack_id, attempt)
    if pack is None:
        return None
    missing = [i for i in range(pack.parts) if str(i) not in pack.parts_done]
    if missing:
        raise PackError(f"Part {missing[0] + 1} of {pack.parts} has not been built")
    base = _pack_base(pack)
    letters = pages = 0
    skipped = sum(int(part["skipped"]) for part in pack.parts_done.values())
    included = PackEntries()
    with files.private_folder(prefix="breachtracker-pack-") as folder:
        pdf_path, csv_path = folder / "pack.pdf", folder / "manifest.csv"
        with (open(csv_path, "w", newline="", encoding="utf-8") as manifest, open(pdf_path, "wb") as out):
            rows = csv.writer(manifest)
            rows.writerow(MANIFEST_HEADER)
            joiner = PackJoiner(out)
            for index in range(pack.parts):
                with files.local_copy(_part_name(pack, attempt, index, "pdf"), suffix=".pdf") as path:
                    part_pages = joiner.append(path)
                counted = 0
                with files.storage().open(_part_name(pack, attempt, index, "csv"), "rb") as lines:
                    for line in csv.reader(io.TextIOWrapper(lines, encoding="utf-8", newline="")):
                        pk, count, rest = int(line[0]), int(line[1]), line[2:]
                        letters += 1
                        rows.writerow([letters, pages + counted + 1, count, pk, *rest])
                        counted += count
                        included.append(pk)
                if counted != part_pages:
                    raise PackError(f"Part {index + 1} of {pack.parts} does not match its manifest "
                                    f"({part_pages} pages, {counted} listed)")
                pages += part_pages
            joiner.close()
        digest = hashlib.sha256()
        with open(pdf_path, "rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
        with transaction.atomic():
            row = PrintPack.objects.select_for_update().get(pk=pack_id)
            if row.attempt != attempt or row.status != PrintPack.Status.BUILDING:
                return None
            with open(pdf_path, "rb") as done:
                files.write(f"{base}.pdf", done)
            with open(csv_path, "rb") as done:
                files.write(f"{base}.csv", done)
            pack.refresh_from_db()
            pack.pdf.name = f"{base}.pdf"
            pack.manifest.name = f"{base}.csv"
            pack.pdf_sha256 = digest.hexdigest()
            pack.letters, pack.pages, pack.status = letters, pages, PrintPack.Status.READY
            pack.last_error = f"{skipped} letter(s) left out: the person may no longer be written to." if skipped else ""
            attribute_to(pack, pack.created_by, "Print pack built by the worker")
            pack.save()
            included.save(pack)
            incident_event_record(incident=pack.batch.incident, actor=pack.created_by, kind="pack_built",
                                  detail=f"Print pack {pack.pk} of batch {pack.batch_id}: {letters} letters, {pages} pages.")
            parts = pack.parts
            transaction.on_commit(lambda: _delete_parts(pack, attempt, parts))
    return pack


def print_pack_build(*, pack_id: int) -> PrintPack:
    """Build a pack in this process, part after part, then join them: what the tasks do in
    parallel (tasks.build_print_pack). Merges a batch's letters into one PDF in postcode
    order, with a manifest CSV."""
    plan = print_pack_start(pack_id=pack_id)
    if plan is None:
        return PrintPack.objects.get(pk=pack_id)
    attempt, parts = plan
    for index, ids in enumerate(parts):
        print_pack_part_build(pack_id=pack_id, attempt=attempt, index=index, notification_ids=ids)
    joined = print_pack_join(pack_id=pack_id, attempt=attempt)
    return joined if joined is not None else PrintPack.objects.get(pk=pack_id)


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


def print_pack_fail(*, pack_id: int, error: str, attempt: int | None = None) -> bool:
    """Record that a pack could not be built (with history). Only a pack still being built,
    and with `attempt` only that attempt: a late failure of an old attempt changes nothing.
    Returns whether it was recorded."""
    with transaction.atomic():
        pack = PrintPack.objects.select_for_update(of=("self",)).select_related("batch__incident").get(pk=pack_id)
        if pack.status != PrintPack.Status.BUILDING or (attempt is not None and pack.attempt != attempt):
            return False
        pack.status, pack.last_error = PrintPack.Status.FAILED, error[:500]
        attribute_to(pack, pack.created_by, "Print pack could not be built (worker)")
        pack.save()
        # The parts already built are not kept: retention only knows the pack's own files.
        transaction.on_commit(lambda: _delete_parts(pack, pack.attempt, pack.parts))
    return True


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
    rows = casework_services.requests_due(today).filter(owner=user).select_related("incident").order_by("due_on", "pk")
    return [f"{r.incident.reference}: {r.get_kind_display().lower()} from record {r.subject_id}, "
            f"{'overdue since' if r.deadline and r.deadline < today else 'due'} {r.deadline:%d %b %Y}" for r in rows]


def _actions_overdue(user: Any, today: date) -> list[str]:
    """Actions the user owns that are past their due date."""
    return [f"{a.incident.reference}: {a.description[:80]} (due {a.due_on:%d %b %Y})"
            for a in casework_services.actions_overdue(today).filter(owner=user).order_by("due_on", "pk")]


def _follow_ups_due(user: Any, today: date) -> list[str]:
    """Calls and messages the user logged whose follow-up is overdue, due within three days, or
    has no date (never what was said: the digest is an email)."""
    rows = (casework_services.follow_ups_due(today).filter(handled_by=user).select_related("incident")
            .order_by("follow_up_due", "pk"))
    return [f"{c.incident.reference}: {c.get_channel_display().lower()} of {timezone.localtime(c.happened_at):%d %b %Y}, "
            + (f"follow up {'overdue since' if c.follow_up_due < today else 'by'} {c.follow_up_due:%d %b %Y}"
               if c.follow_up_due else "follow-up with no date set") for c in rows]


def _regulator_requests_due(user: Any, today: date) -> list[str]:
    """The regulator's information requests the user owns that are overdue or due within three days."""
    rows = (regulator_services.requests_due(today).filter(owner=user).select_related("incident")
            .order_by("due_on", "pk"))
    return [f"{r.incident.reference}: information request received {r.received_on:%d %b %Y}, "
            f"{'overdue since' if r.due_on < today else 'reply by'} {r.due_on:%d %b %Y}" for r in rows]


DIGEST_SECTIONS: list[tuple[str, Callable[[Any, date], list[str]]]] = [
    ("Restrictions due for review", _restrictions_due),
    ("Requests and claims due", _requests_due),
    ("Actions overdue", _actions_overdue),
    ("Follow-ups from calls and messages", _follow_ups_due),
    ("The regulator's information requests due", _regulator_requests_due),
]


def _owners_with_work(today: date) -> set[int]:
    """Users who own an overdue action, or a request (a person's or the regulator's) due within
    three days (they get a digest even with no overdue notification)."""
    requests = casework_services.requests_due(today).values_list("owner_id", flat=True)
    actions = casework_services.actions_overdue(today).values_list("owner_id", flat=True)
    follow_ups = casework_services.follow_ups_due(today).values_list("handled_by_id", flat=True)
    regulator = regulator_services.requests_due(today).values_list("owner_id", flat=True)
    return set(requests) | set(actions) | set(follow_ups) | set(regulator)


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
