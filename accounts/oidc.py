"""Single sign-on through OpenID Connect (mozilla-django-oidc), off unless BREACHTRACKER_OIDC.

The identity provider's roles claim (BREACHTRACKER_OIDC_ROLES_CLAIM, a list or one string) is
mapped onto our three roles by BREACHTRACKER_OIDC_ROLE_MAP at every sign-in, so taking someone
out of a group at the provider takes the role away at their next sign-in.

Accounts are matched by the provider's identity (the ID token's `iss` and `sub`, kept in
SsoIdentity), which never changes: a renamed user keeps their account, and a new user given a
departed colleague's username does not get theirs. BREACHTRACKER_OIDC_USERNAME_CLAIM only names a
new account, and links an existing single sign-on account made before identities were kept. A
local account with a password is never taken over by a provider's user of the same name.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from incidents import roles

from .models import SecurityEvent, SsoIdentity
from .services import event_record

logger = logging.getLogger(__name__)

BACKEND_PATH = "accounts.oidc.RoleMappingOIDCBackend"


class PasswordBackend(ModelBackend):
    """Django's username-and-password sign-in, refused when BREACHTRACKER_PASSWORD_LOGIN is off."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if not settings.BREACHTRACKER_PASSWORD_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def mapped_roles(claims: dict[str, Any]) -> set[str]:
    value = claims.get(settings.BREACHTRACKER_OIDC_ROLES_CLAIM) or []
    values = [value] if isinstance(value, str) else list(value)
    mapping = settings.BREACHTRACKER_OIDC_ROLE_MAP
    unknown = set(mapping.values()) - set(roles.ALL_ROLES)
    if unknown:
        raise ImproperlyConfigured(f"BREACHTRACKER_OIDC_ROLE_MAP names roles that do not exist: {sorted(unknown)}")
    return {mapping[v] for v in values if isinstance(v, str) and v in mapping}


class RoleMappingOIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, passwords included: only read the
        # provider's settings when single sign-on is on.
        if settings.BREACHTRACKER_OIDC:
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not settings.BREACHTRACKER_OIDC:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """mozilla-django-oidc checks the signature and nonce; also check the token was issued
        for us (aud) and, when BREACHTRACKER_OIDC_ISSUER is set, by our provider (iss)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued for another client")
        issuer = settings.BREACHTRACKER_OIDC_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token was issued by another provider")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The provider's user details, for the user its ID token names (OpenID Connect Core
        5.3.2: the two `sub` must be the same), with the token's issuer added."""
        info = dict(super().get_userinfo(access_token, id_token, payload))
        subject = payload.get("sub")
        if not isinstance(subject, str) or not subject or info.get("sub") != subject:
            raise SuspiciousOperation("The provider's user details are not for the user its ID token names")
        info["iss"] = str(payload.get("iss") or settings.BREACHTRACKER_OIDC_ISSUER)
        return info

    def _username(self, claims: dict[str, Any]) -> str:
        username = claims.get(settings.BREACHTRACKER_OIDC_USERNAME_CLAIM)
        if not isinstance(username, str) or not username.strip():
            raise SuspiciousOperation(f"The identity provider sent no {settings.BREACHTRACKER_OIDC_USERNAME_CLAIM!r} claim")
        return username.strip()[:150]

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get(settings.BREACHTRACKER_OIDC_USERNAME_CLAIM)) and bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        linked = SsoIdentity.objects.select_related("user").filter(issuer=claims["iss"], subject=claims["sub"]).first()
        if linked is not None:
            return [linked.user]
        users = list(self.UserModel.objects.filter(username=self._username(claims)).select_related("sso_identity"))
        if any(user.has_usable_password() for user in users):
            raise SuspiciousOperation("A local account with a password has this username; single sign-on refused")
        if any(hasattr(user, "sso_identity") for user in users):
            raise SuspiciousOperation("This username belongs to another person at the provider; single sign-on refused")
        return users

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> Any:
        user = self.UserModel.objects.create_user(username=self._username(claims))  # no usable password
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        if not hasattr(user, "sso_identity"):
            SsoIdentity.objects.create(user=user, issuer=claims["iss"], subject=claims["sub"])
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.email = str(claims.get("email", user.email))[:254]
        user.save(update_fields=["first_name", "last_name", "email"])
        wanted = mapped_roles(claims)
        user.groups.remove(*Group.objects.filter(name__in=set(roles.ALL_ROLES) - wanted))
        user.groups.add(*Group.objects.filter(name__in=wanted))
        event_record(user=user, actor=user, kind=SecurityEvent.Kind.SSO_SIGNED_IN,
                     note="roles: " + (", ".join(sorted(wanted)) or "none"))
        return user
