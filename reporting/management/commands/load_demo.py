"""Load a realistic demo: a Part 3 FOI leak of ~1,200 synthetic people and smaller UK GDPR cases.

Idempotent: a second run changes nothing and prints the same logins. Everyone in it is made
up by Faker (en_GB); emails use reserved example domains.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from simple_history.utils import bulk_create_with_history

from accounts import policy as two_factor_policy
from accounts import services as two_factor
from incidents.assessment import services as assessment_services
from incidents.casework import services as casework
from incidents.regulator import services as regulator
from incidents import roles
from incidents.register import services
from incidents.models import DataCategory, DataSubject, Incident, normalise_postcode
from incidents.people import tally
from incidents.vocab import Cause, Channel, roles_to_mask
from reporting.services import report_details_save

DEMO_MARKER = "[demo]"
DEMO_USERS = (
    ("dpo", "Dana", "Okafor", roles.DPO),
    ("handler", "Harri", "Lewis", roles.HANDLER),
    ("auditor", "Ama", "Boateng", roles.AUDITOR),
)


class Command(BaseCommand):
    help = "Create demo users and demo incidents (synthetic people only). Safe to run twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=1200, help="People in the FOI incident.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DJANGO_DEBUG=true: it creates users with known passwords.")
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        logins = self._users()
        if Incident.objects.filter(title__endswith=DEMO_MARKER).exists():
            self.stdout.write("Demo incidents already loaded; nothing changed.")
        else:
            self._incidents(people=options["people"], seed=options["seed"])
        self.stdout.write("\nDemo logins (one per role):")
        for username, password, role in logins:
            self.stdout.write(f"  {role:<13} username: {username:<8} password: {password}")
        self.stdout.write(
            "\nTwo-factor sign-in: after the password, enter the 6-digit code from an authenticator app\n"
            "(type the key below into it, or with oathtool installed run `oathtool --totp -b KEY`),\n"
            "or the recovery code, which works once (run load_demo again for a new one):")
        for username, (secret, recovery) in self._two_factor().items():
            self.stdout.write(f"  {username:<8} app key: {secret}  recovery code: {recovery}")

    def _users(self) -> list[tuple[str, str, str]]:
        """Create the demo users once; their random passwords are kept in var/ to print again."""
        store = Path(settings.VAR_DIR) / "demo-logins.txt"
        saved: dict[str, str] = {}
        if store.exists():
            for line in store.read_text().splitlines():
                name, _, password = line.partition(" ")
                saved[name] = password
        user_model = get_user_model()
        result = []
        for username, first, last, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last,
                                             "email": f"{username}@example.org"}
            )
            known = saved.get(username)
            if created or known is None or not user.check_password(known):
                password = f"{username}-{secrets.token_urlsafe(9)}"
                user.set_password(password)
                user.save()
            else:
                password = known
            user.groups.add(Group.objects.get(name=role))
            saved[username] = password
            result.append((username, password, role))
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text("".join(f"{k} {v}\n" for k, v in saved.items()))
        return result

    @transaction.atomic
    def _two_factor(self) -> dict[str, tuple[str, str]]:
        """An authenticator app for each demo user who must use one, and one unused recovery code.

        The app's key stays the same between runs; a recovery code used since the last run is
        replaced (it works once), so what is printed always works.
        """
        result: dict[str, tuple[str, str]] = {}
        for user in get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS]).order_by("pk"):
            if not two_factor_policy.requires_two_factor(user) and not two_factor.has_device(user):
                continue
            device = two_factor.app_device(user)
            if device is None:
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)
            recovery, _ = StaticDevice.objects.get_or_create(
                user=user, name=two_factor.RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
            token = recovery.token_set.order_by("pk").first()
            if token is None:
                token = StaticToken.objects.create(device=recovery, token=StaticToken.random_token())
            # Without the grouping spaces: pasted as one word into an app or `oathtool -b`.
            result[user.username] = (two_factor.secret_text(device).replace(" ", ""), token.token)
        return result

    @transaction.atomic
    def _incidents(self, *, people: int, seed: int) -> None:
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        user_model = get_user_model()
        dpo = user_model.objects.get(username="dpo")
        handler = user_model.objects.get(username="handler")
        services.organisation_update(actor=dpo, fields={
            "controller_name": "Northshire Police (demo)",
            "registered_address": "Police Headquarters\n1 Constabulary Way\nNorthtown\nNT1 1AA",
            "ico_registration_number": "Z0000000",
            "dpo_name": "Dana Okafor",
            "dpo_email": "dpo@example.org",
            "dpo_phone": "01632 960000",
            "dpo_address": "Data Protection Officer\n1 Constabulary Way\nNorthtown\nNT1 1AA",
        })
        now = timezone.now().replace(second=0, microsecond=0)
        cats = {c.code: c for c in DataCategory.objects.all()}

        foi = services.incident_create(actor=dpo, fields={
            "title": f"FOI response contained hidden crime-report data {DEMO_MARKER}",
            "description": "Spreadsheets released in answer to Freedom of Information requests "
            "carried raw crime-report data on a hidden tab: names, dates of birth, addresses and "
            "offence descriptions of victims, witnesses and suspects.",
            "discovery": "A requester told the FOI team that a released file had a hidden tab.",
            "cause": Cause.HIDDEN_DATA,
            "regime": "dpa_part3",
            "data_role": "controller",
            "breach_confidentiality": True,
            "occurred_from": now - timedelta(days=200),
            "occurred_to": now - timedelta(days=30),
            "occurred_estimated": True,
            "discovered_at": now - timedelta(hours=30),
            "aware_at": now - timedelta(hours=26),
            "status": Incident.Status.ASSESSING,
            "handler": handler,
            "approx_subjects": people,
            "approx_records": people,
        })
        services.incident_set_categories(incident=foi, actor=dpo, exposed={
            cats["basic_identifiers"]: {"approx_records": people, "detail": ""},
            cats["criminal"]: {"approx_records": people, "detail": ""},
            cats["health"]: {"approx_records": people // 10, "detail": ""},
            cats["sex_life"]: {"approx_records": people // 20, "detail": ""},
        })
        self._people(foi, fake, people, dpo, cats)

        email = services.incident_create(actor=dpo, fields={
            "title": f"HR spreadsheet emailed to the wrong recipient {DEMO_MARKER}",
            "description": "An HR adviser emailed a sickness-absence spreadsheet to an external "
            "contact with a similar name. The recipient confirmed deletion the same day.",
            "discovery": "The recipient replied to say they had received it in error.",
            "cause": Cause.WRONG_RECIPIENT,
            "regime": "uk_gdpr",
            "data_role": "controller",
            "breach_confidentiality": True,
            "occurred_from": now - timedelta(days=3, hours=2),
            "discovered_at": now - timedelta(days=3),
            "aware_at": now - timedelta(days=2, hours=23),
            "contained_at": now - timedelta(days=2, hours=20),
            "status": Incident.Status.OPEN,
            "handler": handler,
            "approx_subjects": 48,
        })
        services.incident_set_categories(incident=email, actor=dpo, exposed={
            cats["basic_identifiers"]: {"approx_records": 48, "detail": ""},
            cats["health"]: {"approx_records": 48, "detail": ""},
        })
        laptop = services.incident_create(actor=dpo, fields={
            "title": f"Unencrypted laptop stolen from a car {DEMO_MARKER}",
            "description": "A staff laptop holding a copy of a customer mailing list was stolen.",
            "discovery": "Reported by the member of staff the next morning.",
            "cause": Cause.LOSS_THEFT,
            "regime": "uk_gdpr",
            "data_role": "controller",
            "breach_confidentiality": True,
            "breach_availability": True,
            "discovered_at": now - timedelta(hours=5),
            "aware_at": now - timedelta(hours=4),
            "status": Incident.Status.OPEN,
            "approx_subjects": 350,
        })
        services.incident_set_categories(incident=laptop, actor=dpo, exposed={
            cats["basic_identifiers"]: {"approx_records": 350, "detail": ""},
        })
        self._assessments(foi, email, dpo, handler)
        self._report_details(foi, handler)
        self._casework(foi, email, dpo, handler)
        self.stdout.write(f"Loaded {foi.reference} ({people} people), {email.reference}, {laptop.reference}.")

    def _assessments(self, foi: Incident, email: Incident, dpo: Any, handler: Any) -> None:
        """An assessment on the FOI case (awaiting decision) and a recorded "do not report"."""
        assessment_services.assessment_record(incident=foi, actor=handler, fields={
            "published_or_unknown_recipients": True, "vulnerable_people": True,
            "number_of_people": foi.approx_subjects, "identification": "maximum",
            # Victims of domestic and sexual offences, witnesses and suspects: named with what
            # they reported or were accused of, in a file anyone could download.
            "physical_safety": True,
        })
        assessment_services.assessment_record(incident=email, actor=dpo, fields={
            "disclosed_known_recipients_only": True, "recipient_trusted_and_deleted": True,
            "number_of_people": 48, "identification": "maximum", "physical_safety": False,
        })
        assessment_services.decision_record(incident=email, actor=dpo, kind="report", fields={
            "outcome": False,
            "justification": "One known, professional recipient confirmed deletion within three "
            "hours, in writing; the data went no further. Risk to the staff concerned is remote.",
        })

    def _casework(self, foi: Incident, email: Incident, dpo: Any, handler: Any) -> None:
        """After the letters (issue 20): calls on the FOI case's helpline (one waiting for a
        follow-up), a subject access request and a complaint, its actions, and the regulator's
        case on the HR email (opened after a staff member complained, though not reported)."""
        now, today = timezone.now().replace(second=0, microsecond=0), timezone.localdate()
        first, second = list(foi.subjects.order_by("pk")[:2])
        casework.contact_create(incident=foi, actor=handler, fields={
            "subject": first, "channel": "phone", "direction": "in", "happened_at": now - timedelta(hours=3),
            "question": "Asked whether the person they reported can see their address.",
            "told": "What happened and what we have done, from the phone script; how to reach Victim Support.",
            "follow_up": "Call back once the safety review of their address is done.",
            "follow_up_due": today + timedelta(days=2)})
        casework.contact_create(incident=foi, actor=handler, fields={
            "caller": "A local journalist", "channel": "email", "direction": "in", "happened_at": now - timedelta(hours=1),
            "question": "Asked how many people were affected.", "told": "Referred to the press office."})
        casework.request_create(incident=foi, actor=handler, fields={
            "subject": second, "kind": "access", "received_on": today, "owner": handler,
            "summary": "A copy of everything the force holds about them, and who downloaded the file."})
        casework.request_create(incident=foi, actor=handler, fields={
            "subject": first, "kind": "complaint", "received_on": today, "due_on": today + timedelta(days=20),
            "owner": dpo, "summary": "Upset that their statement was released to strangers."})
        contain = casework.action_create(incident=foi, actor=dpo, fields={
            "kind": "containment", "description": "Remove the files from the disclosure log and ask requesters "
            "to delete their copies.", "owner": handler, "due_on": today})
        casework.action_done(action=contain, actor=handler, done_on=today,
                             evidence="Disclosure log checked: files gone. 14 of 15 requesters confirmed deletion.")
        casework.action_create(incident=foi, actor=dpo, fields={
            "kind": "preventive", "description": "Run every spreadsheet through the disclosure check before "
            "release; release data as CSV only.", "owner": dpo, "due_on": today + timedelta(days=30)})
        regulator.case_save(incident=email, actor=dpo, fields={
            "opened_on": today - timedelta(days=1), "own_reference": "IC-000000-DEMO",
            "case_officer": "Case officer at the ICO (demo)"})
        regulator.regulator_request_add(incident=email, actor=dpo, fields={
            "received_on": today - timedelta(days=1), "due_on": today + timedelta(days=13), "owner": dpo,
            "asked": "Why you decided not to report, and your email procedure for HR data."})

    def _report_details(self, foi: Incident, handler: Any) -> None:
        """The FOI case's answers to the ICO form's own questions (issue 6): no one is named."""
        report_details_save(incident=foi, actor=handler, fields={
            "consequences": "Victims of domestic and sexual offences may be identified and put at risk of harm "
            "by the people they reported; witnesses and suspects may face intimidation or reprisals; "
            "distress to all.",
            "likelihood": "likely",
            "staff_involved": "Two members of the FOI team prepared and released the responses.",
            "staff_trained": "yes",
            "training_details": "Both completed the annual data protection e-learning in the last year.",
            "actions_taken": "Files removed from the disclosure log within an hour of discovery; requesters asked "
            "to delete their copies and confirm; people affected being contacted by letter, phone or in person.",
            "measures_before": "A two-person check of each FOI response before release.",
            "prevent_recurrence": "Every released spreadsheet now goes through the disclosure check for hidden "
            "sheets, columns and pivot caches; data is released as CSV only.",
            "prevent_recurrence_by": timezone.localdate() + timedelta(days=30),
            "other_organisations_told": "yes",
            "other_organisations": "The Police Federation, before staff are contacted.",
            "reporter_name": "Dana Okafor",
            "reporter_job_title": "Data Protection Officer",
            "reporter_email": "dpo@example.org",
        })

    def _people(self, incident: Incident, fake: Faker, count: int, actor: Any, cats: dict[str, DataCategory]) -> None:
        today = timezone.localdate()
        basic = cats["basic_identifiers"].mask | cats["criminal"].mask
        subjects = []
        for n in range(count):
            roll = fake.random_int(0, 99)
            role = "victim" if roll < 55 else "witness" if roll < 80 else "suspect"
            codes = [role] + (["witness"] if role == "victim" and roll % 11 == 0 else [])
            child = fake.random_int(0, 99) < 8
            age_years = fake.random_int(10, 17) if child else fake.random_int(18, 90)
            born = today - timedelta(days=age_years * 365 + fake.random_int(0, 364))
            mask = basic
            if role == "victim" and fake.random_int(0, 9) == 0:
                mask |= cats["health"].mask
            if role == "victim" and fake.random_int(0, 19) == 0:
                mask |= cats["sex_life"].mask
            do_not_write = role == "victim" and fake.random_int(0, 99) < 6
            channel = Channel.PHONE if do_not_write else Channel.LETTER
            subjects.append(DataSubject(
                incident=incident,
                reference=f"CR/{2021 + n % 2}/{100000 + n}",
                full_name=fake.name(),
                date_of_birth=date(born.year, born.month, born.day),
                roles=roles_to_mask(codes),
                categories_mask=mask,
                is_child=child,
                is_vulnerable=fake.random_int(0, 99) < 5,
                address_line_1=fake.street_address().replace("\n", ", "),
                town=fake.city(),
                postcode=normalise_postcode(fake.postcode()),
                email=fake.safe_email() if fake.random_int(0, 2) else "",
                phone=fake.phone_number(),
                preferred_channel=channel,
                do_not_write=do_not_write,
            ))
        bulk_create_with_history(subjects, DataSubject, batch_size=500, default_user=actor)
        tally.recount(incident)  # written in bulk, so counted once afterwards
