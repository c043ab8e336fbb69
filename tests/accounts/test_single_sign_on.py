"""Single sign-on through a real OpenID Connect flow against a provider served by the test."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import requests
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from accounts.models import SecurityEvent, SsoIdentity
from incidents import roles
from tests.accounts.oidc_provider import Provider
from tests.base import PASSWORD, BaseTestCase, make_user


class SingleSignOnTests(BaseTestCase):
    provider: Provider

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.provider = cls.enterClassContext(Provider())

    def setUp(self) -> None:
        self.enterContext(override_settings(**self.provider.settings()))
        self.provider.audience = self.provider.settings()["OIDC_RP_CLIENT_ID"]

    def _sign_in(self, **claims: Any) -> Any:
        """What a browser does: our start page → the provider → our callback."""
        self.provider.sign_in_as(**claims)
        start = self.client.get(reverse("oidc_authentication_init"))
        self.assertEqual(start.status_code, 302)
        self.assertTrue(start["Location"].startswith(f"{self.provider.url}/authorize?"), start["Location"])
        at_provider = requests.get(start["Location"], allow_redirects=False, timeout=30)
        self.assertEqual(at_provider.status_code, 302, at_provider.text)
        back = urlparse(at_provider.headers["Location"])
        self.assertEqual(back.path, reverse("oidc_authentication_callback"))
        return self.client.get(f"{back.path}?{back.query}")

    def _roles(self, username: str) -> set[str]:
        user = get_user_model().objects.get(username=username)
        return set(user.groups.values_list("name", flat=True))

    def test_a_dpo_signs_in_through_the_provider_with_their_role(self) -> None:
        response = self._sign_in(sub="u-1", preferred_username="dana.sso", email="dana@example.org",
                                 given_name="Dana", family_name="Sso", groups=["breachtracker-dpo", "staff"])
        self.assertRedirects(response, reverse("dashboard"))
        self.assertEqual(self._roles("dana.sso"), {roles.DPO})
        user = get_user_model().objects.get(username="dana.sso")
        self.assertFalse(user.has_usable_password())
        self.assertEqual(self.client.get(reverse("organisation_edit")).status_code, 200)  # a DPO-only page
        self.assertTrue(SecurityEvent.objects.filter(user=user, kind="sso_signed_in", note="roles: DPO").exists())

    def test_roles_follow_the_provider_at_each_sign_in(self) -> None:
        self._sign_in(sub="u-2", preferred_username="sam", groups=["breachtracker-case-handler"])
        self.assertEqual(self._roles("sam"), {roles.HANDLER})
        self.client.post(reverse("logout"))
        self._sign_in(sub="u-2", preferred_username="sam", groups="breachtracker-auditor")
        self.assertEqual(self._roles("sam"), {roles.AUDITOR})

    @override_settings(BREACHTRACKER_OIDC_ROLE_MAP={"dp-officers": roles.DPO})
    def test_the_mapping_is_a_setting(self) -> None:
        self._sign_in(sub="u-3", preferred_username="kim", groups=["dp-officers", "breachtracker-dpo"])
        self.assertEqual(self._roles("kim"), {roles.DPO})

    def test_someone_in_no_mapped_group_gets_no_role(self) -> None:
        self._sign_in(sub="u-4", preferred_username="visitor", groups=["staff"])
        self.assertEqual(self._roles("visitor"), set())
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 403)

    def test_a_local_account_with_a_password_is_not_taken_over(self) -> None:
        response = self._sign_in(sub="u-5", preferred_username="dpo", groups=["breachtracker-auditor"])
        self.assertRedirects(response, "/login/?sso=failed", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(self.client.get(response["Location"]), "Single sign-on did not work")
        self.assertEqual(self._roles("dpo"), {roles.DPO})

    def test_an_account_is_matched_by_the_providers_identity_not_its_username(self) -> None:
        self._sign_in(sub="u-20", preferred_username="ann", groups=["breachtracker-dpo"])
        ann = get_user_model().objects.get(username="ann")
        self.assertEqual((ann.sso_identity.issuer, ann.sso_identity.subject), (self.provider.url, "u-20"))
        self.client.post(reverse("logout"))
        # Renamed at the provider: still her account, with her role, and no second account.
        response = self._sign_in(sub="u-20", preferred_username="ann.smith", groups=["breachtracker-dpo"])
        self.assertRedirects(response, reverse("dashboard"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), ann.pk)
        self.assertFalse(get_user_model().objects.filter(username="ann.smith").exists())

    def test_a_new_person_given_a_departed_colleagues_username_does_not_get_their_account(self) -> None:
        self._sign_in(sub="u-21", preferred_username="lee", groups=["breachtracker-dpo"])
        lee = get_user_model().objects.get(username="lee")
        self.client.post(reverse("logout"))
        response = self._sign_in(sub="u-22", preferred_username="lee", groups=["breachtracker-auditor"])
        self.assertRedirects(response, "/login/?sso=failed", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self._roles("lee"), {roles.DPO})
        self.assertEqual(SsoIdentity.objects.get(user=lee).subject, "u-21")

    def test_an_account_made_before_identities_were_kept_is_linked_at_its_next_sign_in(self) -> None:
        old = get_user_model().objects.create_user(username="pat")  # single sign-on only: no password
        self._sign_in(sub="u-23", preferred_username="pat", groups=["breachtracker-case-handler"])
        self.assertEqual(int(self.client.session["_auth_user_id"]), old.pk)
        self.assertEqual(SsoIdentity.objects.get(user=old).subject, "u-23")

    def test_user_details_for_another_user_than_the_id_token_are_refused(self) -> None:
        self.provider.userinfo_override = {"sub": "u-25", "preferred_username": "boss", "groups": ["breachtracker-dpo"]}
        try:
            response = self._sign_in(sub="u-24", preferred_username="temp", groups=[])
        finally:
            self.provider.userinfo_override = None
        self.assertRedirects(response, "/login/?sso=failed", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertFalse(get_user_model().objects.filter(username__in=["boss", "temp"]).exists())

    def test_a_token_issued_for_another_client_is_refused(self) -> None:
        self.provider.audience = "another-application"
        response = self._sign_in(sub="u-6", preferred_username="mallory", groups=["breachtracker-dpo"])
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertFalse(get_user_model().objects.filter(username="mallory").exists())

    def test_a_callback_with_a_forged_state_is_refused(self) -> None:
        self.client.get(reverse("oidc_authentication_init"))
        response = self.client.get(reverse("oidc_authentication_callback") + "?code=made-up&state=forged")
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_single_sign_on_users_are_not_asked_for_our_code_by_default(self) -> None:
        self._sign_in(sub="u-7", preferred_username="hal", groups=["breachtracker-case-handler"])
        self.assertEqual(self.client.get(reverse("incident_list")).status_code, 200)

    @override_settings(BREACHTRACKER_OIDC_REQUIRE_OTP=True)
    def test_single_sign_on_users_can_be_asked_for_our_code_too(self) -> None:
        self._sign_in(sub="u-8", preferred_username="hal", groups=["breachtracker-case-handler"])
        self.assertRedirects(self.client.get(reverse("incident_list")),
                             f"{reverse('two_factor_enrol')}?next=%2Fincidents%2F")

    def test_the_sign_in_page_offers_single_sign_on(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertContains(response, "Sign in with your organisation account")
        self.assertContains(response, 'name="password"')

    @override_settings(BREACHTRACKER_PASSWORD_LOGIN=False)
    def test_password_sign_in_can_be_turned_off(self) -> None:
        page = self.client.get(reverse("login"))
        self.assertContains(page, "Sign in with your organisation account")
        self.assertNotContains(page, 'name="password"')
        response = self.client.post(reverse("login"), {"username": "dpo", "password": PASSWORD})
        self.assertContains(response, "Signing in with a password is turned off", status_code=403)
        self.assertNotIn("_auth_user_id", self.client.session)
        # The admin's own sign-in form is refused too.
        make_user("root", is_staff=True, is_superuser=True)
        self.client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_admin_sign_in_form_works_while_passwords_are_on(self) -> None:
        make_user("root", is_staff=True, is_superuser=True)
        self.client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
        self.assertIn("_auth_user_id", self.client.session)


class SingleSignOnOffTests(BaseTestCase):
    def test_it_is_off_by_default(self) -> None:
        self.assertEqual(self.client.get(reverse("oidc_authentication_init")).status_code, 404)
        self.assertEqual(self.client.get(reverse("oidc_authentication_callback") + "?code=a&state=b").status_code, 404)
        self.assertNotContains(self.client.get(reverse("login")), "organisation account")
