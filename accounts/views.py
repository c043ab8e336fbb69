"""Two-factor sign-in pages: enter a code, set up an app, recovery codes, and the audit trail.

The password step is Django's LoginView (with django-axes); accounts/middleware.py sends a
signed-in user here until the second step is done.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from mozilla_django_oidc import views as oidc_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from incidents import roles

from . import policy, qr, services
from .forms import CodeForm, FirstCodeForm
from .models import SecurityEvent

RECOVERY_SESSION_KEY = "accounts_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit}, then try again."


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponseBase:
    """The password step (Django's LoginView, guarded by django-axes), and the single sign-on
    button when it is on. With BREACHTRACKER_PASSWORD_LOGIN off, a password is refused."""
    options = {"sso_enabled": settings.BREACHTRACKER_OIDC, "password_login": settings.BREACHTRACKER_PASSWORD_LOGIN}
    if request.method == "POST" and not settings.BREACHTRACKER_PASSWORD_LOGIN:
        return render(request, "registration/login.html", {
            **options, "password_refused": True, "next": request.POST.get("next", "")}, status=403)
    if request.GET.get("sso") == "failed":
        messages.error(request, "Single sign-on did not work. Try again, or ask your system administrator "
                                "to check your account has a breachtracker role.")
    view = auth_views.LoginView.as_view(redirect_authenticated_user=True, extra_context=options)
    return view(request)


def _sso_on() -> None:
    if not settings.BREACHTRACKER_OIDC:
        raise Http404("Single sign-on is not turned on.")


@require_http_methods(["GET"])
def sso_start(request: HttpRequest) -> HttpResponseBase:
    _sso_on()
    return oidc_views.OIDCAuthenticationRequestView.as_view()(request)


@require_http_methods(["GET"])
def sso_callback(request: HttpRequest) -> HttpResponseBase:
    _sso_on()
    return oidc_views.OIDCAuthenticationCallbackView.as_view()(request)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next_url(request))
    if not services.has_device(request.user):
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.code_check(user=request.user, code=form.cleaned_data["code"])
        if check.device is not None:
            otp_login(request, check.device)
            if check.device.name == services.RECOVERY_DEVICE_NAME:
                left = services.recovery_codes_left(request.user)
                messages.warning(request, f"You used a recovery code. You have {left} left: "
                                          "make new ones on your two-factor page if you are running low.")
            return redirect(_next_url(request))
        if check.throttled:
            form.add_error("code", _wait_message(check.wait_seconds))
        else:
            form.add_error("code", "That code is not right. Enter the code your authenticator app shows now, "
                                   "or an unused recovery code.")
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    if services.has_device(request.user):
        if request.user.is_verified():  # type: ignore[union-attr]
            messages.info(request, "Two-factor sign-in is already set up for your account.")
            return redirect("two_factor_status")
        return redirect("two_factor_verify")
    device = services.two_factor_enrol_start(user=request.user)
    form = FirstCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = services.two_factor_confirm(user=request.user, device=device, code=form.cleaned_data["code"])
        if check.device is not None:
            otp_login(request, check.device)
            request.session[RECOVERY_SESSION_KEY] = codes
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect("two_factor_recovery_codes")
        if check.throttled:
            form.add_error("code", _wait_message(check.wait_seconds))
        else:
            form.add_error("code", "That code is not right. Check the app shows the breachtracker account you "
                                   "just added, and enter the code it shows now.")
    return render(request, "registration/two_factor_enrol.html", {
        "form": form, "qr_svg": qr.qr_svg(device.config_url), "secret": services.secret_text(device),
        "required": policy.requires_two_factor(request.user), "next": _next_url(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_status(request: HttpRequest) -> HttpResponse:
    """Your own two-factor sign-in: whether it is on, recovery codes left, make new ones."""
    if request.method == "POST":
        if not request.user.is_verified():  # type: ignore[union-attr]
            return redirect("two_factor_enrol")
        request.session[RECOVERY_SESSION_KEY] = services.recovery_codes_regenerate(user=request.user)
        return redirect("two_factor_recovery_codes")
    return render(request, "registration/two_factor_status.html", {
        "enrolled": services.has_device(request.user),
        "required": policy.requires_two_factor(request.user),
        "codes_left": services.recovery_codes_left(request.user),
    })


@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows newly made recovery codes once: they are taken out of the session as they are shown."""
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    if not codes:
        messages.info(request, "Recovery codes are shown only once. Make new ones if you have lost them.")
        return redirect("two_factor_status")
    response = render(request, "registration/two_factor_recovery_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@roles.require(roles.EXPORT)
def security_log(request: HttpRequest) -> HttpResponse:
    """The two-factor audit trail, newest first (DPO and auditors)."""
    events = SecurityEvent.objects.select_related("user", "actor")[:500]
    return render(request, "accounts/security_log.html", {"events": events})
