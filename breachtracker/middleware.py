from __future__ import annotations

import logging
from collections.abc import Callable

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer with a plain 503 page instead of a 500.

    The request's transaction (ATOMIC_REQUESTS or a service's atomic block) has already been
    rolled back by then, so nothing is half-written. The page is rendered without touching the
    database (no session, no user).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError) and is_connection_error(exception):
            return database_unavailable(exception)
        return None


def database_unavailable(exception: Exception) -> HttpResponse:
    """The 503 page, rendered without touching the database (no session, no user)."""
    logger.error("Database unavailable: %s", exception)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


def is_connection_error(exception: Exception) -> bool:
    text = str(exception).lower()
    markers = ("connection", "could not connect", "server closed", "terminating", "timeout", "unable to open")
    return isinstance(exception, InterfaceError) or any(m in text for m in markers)


class IdleTimeoutMiddleware:
    """Sign a user out after SESSION_IDLE_SECONDS without a request.

    The last-seen time is written to the session at most once a minute, so an active user's
    pages do not each pay for a session write.
    """

    KEY = "_last_seen"
    RESOLUTION = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity. Please sign in again.")
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen >= self.RESOLUTION:
                request.session[self.KEY] = now
        return self.get_response(request)
