"""Remove a user's two-factor devices (a lost or replaced phone): they set up again at next sign-in.

    manage.py reset_two_factor USERNAME --by ADMIN_USERNAME --reason "lost phone"

The reset is in the two-factor audit trail (/account/security-log/) with who asked and why.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Reset a user's two-factor sign-in: remove their authenticator app and recovery codes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", default="", help="Username of the administrator doing the reset (recorded).")
        parser.add_argument("--reason", default="", help="Why (recorded), e.g. 'lost phone'.")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        try:
            user = users.get(username=options["username"])
        except users.model.DoesNotExist:
            raise CommandError(f"No user is called {options['username']!r}.") from None
        actor = None
        if options["by"]:
            try:
                actor = users.get(username=options["by"])
            except users.model.DoesNotExist:
                raise CommandError(f"--by: no user is called {options['by']!r}.") from None
        removed = services.two_factor_reset(user=user, actor=actor, reason=options["reason"])
        self.stdout.write(
            f"Two-factor sign-in reset for {user.username}: {removed} device(s) removed. "
            "They will be asked to set up an authenticator app at their next sign-in."
        )
