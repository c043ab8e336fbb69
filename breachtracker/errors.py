from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A plain-language 403 page, rendered within the app's layout."""
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)
