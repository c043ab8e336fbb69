"""django-otp registers its devices in the admin, where a deletion would not be in our audit
trail and the key could be read. Devices are reset with `manage.py reset_two_factor`, which is."""

from __future__ import annotations

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
