"""Parent cabinets, one-time codes, kiosks (SPEC §9, §10)."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.iin import validate_iin

# The form core.phones.phone_normalize returns: 11 ASCII digits, starting with 7 (`\d` would take any script).
phone_digits = RegexValidator(r"^7[0-9]{10}$", _("Enter a Kazakhstan mobile number, e.g. +7 701 123 45 67."))


class Cabinet(models.Model):
    """A legal representative's personal cabinet, keyed by their IIN (SPEC §10).

    Its phones receive every code of the cabinet (login, password reset, the actions): the two
    phones confirmed when the cabinet was created, or changed later from inside it with codes to
    the old and the new number. Never a phone typed into a new application.
    """

    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[validate_iin])
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True, validators=[phone_digits])
    phone2 = models.CharField(_("second mobile phone"), max_length=16, blank=True, validators=[phone_digits])
    phone_changed_at = models.DateTimeField(_("phone changed at"), null=True, blank=True)
    password = models.CharField(_("password"), max_length=128, blank=True)
    # One registered device: the hash of the token in that browser's cookie.
    device_token_hash = models.CharField(_("registered device"), max_length=64, blank=True)
    device_label = models.CharField(_("device"), max_length=200, blank=True)
    device_registered_at = models.DateTimeField(_("device registered at"), null=True, blank=True)
    device_last_used_at = models.DateTimeField(_("device last used at"), null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed password attempts"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)
    block_reason = models.CharField(_("block reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_login_at = models.DateTimeField(_("last login at"), null=True, blank=True)

    class Meta:
        verbose_name = _("parent cabinet")
        verbose_name_plural = _("parent cabinets")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(phone2="") | ~models.Q(phone=models.F("phone2")), name="cabinet_phones_differ"),
        ]

    def __str__(self) -> str:
        return f"{self.iin[:4]}********"

    def is_blocked(self, now) -> bool:
        return self.blocked_until is not None and self.blocked_until > now

    def phone_in(self, slot: str) -> str:
        """The number in slot "1" or "2" ("" when that slot is empty)."""
        return self.phone2 if slot == "2" else self.phone

    def phone_slots(self) -> list[tuple[str, str]]:
        """[(slot, number)] of the phones the cabinet has."""
        return [(slot, number) for slot, number in (("1", self.phone), ("2", self.phone2)) if number]


class PhoneThrottle(models.Model):
    """One row per phone; its lock serialises code issuing so the limits hold across processes."""

    phone = models.CharField(max_length=16, primary_key=True)

    class Meta:
        verbose_name = _("phone throttle")

    def __str__(self) -> str:
        return self.phone[-4:]


class OneTimeCode(models.Model):
    """SPEC §9: 6 digits, 5 minutes, single use, 3 tries; stored only as a keyed hash."""

    class Purpose(models.TextChoices):
        APPLY_PHONE = "apply_phone", _("confirm a phone when applying")
        APPLY_CABINET = "apply_cabinet", _("file an application for a cabinet's IIN")
        LOGIN = "login", _("log in")
        PASSWORD_RESET = "password_reset", _("reset the password")
        PHONE_CHANGE = "phone_change", _("change the phone")
        CLAIM = "claim", _("get a direction")
        EXTEND = "extend", _("extend a direction")
        CANCEL = "cancel", _("decline a direction")
        WITHDRAW = "withdraw", _("withdraw the application")
        DESK_FILING = "desk_filing", _("confirm a phone for an application filed at the desk")

    phone = models.CharField(_("phone"), max_length=16)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["phone", "created_at"], name="otp_phone_time")]

    def __str__(self) -> str:
        return f"{self.purpose} …{self.phone[-2:]}"


class Kiosk(models.Model):
    """A self-service screen in a kindergarten, known by the token in its cookie (SPEC §10)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kindergarten = models.ForeignKey("placements.Kindergarten", on_delete=models.PROTECT, related_name="kiosks", verbose_name=_("kindergarten"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KioskPairing(models.Model):
    """Issue 11: a screen becomes a kiosk without anyone typing a token. The screen shows a short
    code (and a QR of the admin's confirm page); staff confirm it in the admin for a kiosk; the
    screen, which holds the pairing's secret in a cookie, then takes its kiosk token (accounts/kiosks.py)."""

    code = models.CharField(_("pairing code"), max_length=8, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    kiosk = models.ForeignKey(Kiosk, null=True, blank=True, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("kiosk"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk pairing")
        verbose_name_plural = _("kiosk pairings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(confirmed_at__isnull=True) | models.Q(kiosk__isnull=False), name="kiosk_pairing_confirmed_has_kiosk"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M}"
