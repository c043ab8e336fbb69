from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from . import oidc, policy, services

# The pages a signed-in user who has not done the second step may still open.
OPEN_BEFORE_SECOND_STEP = frozenset({
    "login", "logout", "two_factor_verify", "two_factor_enrol", "oidc_authentication_init",
    "oidc_authentication_callback",
})


class TwoFactorMiddleware:
    """After the password, the second step: nothing else until it is done.

    A user with a device (an authenticator app or recovery codes) is sent to enter a code; a
    user who must use two-factor sign-in (accounts/policy.py) and has none is sent to set one
    up. Every other URL, downloads and POSTs included, redirects there. Verified sessions
    (django-otp's OTPMiddleware, earlier in the chain) pass.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return self.get_response(request)
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in OPEN_BEFORE_SECOND_STEP:
            return self.get_response(request)
        if (request.session.get(BACKEND_SESSION_KEY) == oidc.BACKEND_PATH
                and not settings.BREACHTRACKER_OIDC_REQUIRE_OTP):
            # Signed in through the identity provider, which enforces its own second factor.
            return self.get_response(request)
        if services.has_device(user):
            target = "two_factor_verify"
        elif policy.requires_two_factor(user):
            target = "two_factor_enrol"
        else:
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))
