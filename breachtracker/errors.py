from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from .inputs import InputRefused
from .middleware import database_unavailable, is_connection_error


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A plain-language 400 page; our own refusals (InputRefused) say what was wrong."""
    reason = str(exception) if isinstance(exception, InputRefused) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A plain-language 403 page, rendered within the app's layout."""
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a database that cannot be reached is a 503, wherever it was noticed.

    DatabaseUnavailableMiddleware catches it in views; this catches it in middleware (the
    session and the signed-in user are loaded before any view runs), where Django turns
    exceptions into a call to this handler.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError) and is_connection_error(exception):
        return database_unavailable(exception)
    return defaults.server_error(request)
