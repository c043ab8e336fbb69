from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("oidc/authenticate/", views.sso_start, name="oidc_authentication_init"),
    path("oidc/callback/", views.sso_callback, name="oidc_authentication_callback"),
    path("account/two-factor/", views.two_factor_status, name="two_factor_status"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/set-up/", views.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/recovery-codes/", views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("account/security-log/", views.security_log, name="security_log"),
]
