from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """A staff correction of the working-day calendar (SPEC §2): decrees move days every year."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("extra day off")
        WORKING_DAY = "working_day", _("extra working day")

    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    decree = models.CharField(_("decree reference"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "kind"], name="calendar_override_unique_date_kind"),
            models.CheckConstraint(condition=models.Q(kind__in=["day_off", "working_day"]), name="calendar_override_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}"


class Counter(models.Model):
    """A named gap-free sequence (application and direction numbers)."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class FormToken(models.Model):
    """A one-time form token that was used (core/once.py): the unique token is what refuses a second
    sending of the same form. Kept a day, as long as a token is valid."""

    token = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("used form token")
        verbose_name_plural = _("used form tokens")

    def __str__(self) -> str:
        return f"{self.token[:8]}… {self.used_at:%d.%m.%Y %H:%M}"
