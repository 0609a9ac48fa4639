"""A saved run of the fairness audit (issue 12, item 3): its period, what it checked, what it found."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FairnessAudit(models.Model):
    """One run per period: running the same period again replaces it (the nightly job is idempotent)."""

    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    ran_at = models.DateTimeField(_("ran at"))
    bulletins_checked = models.PositiveIntegerField(_("bulletins checked"), default=0)
    directions_checked = models.PositiveIntegerField(_("directions checked"), default=0)
    grants_checked = models.PositiveIntegerField(_("grants checked"), default=0)
    seats_checked = models.PositiveIntegerField(_("seats checked"), default=0)
    directions_not_entitled = models.PositiveIntegerField(_("directions to families not entitled"), default=0)
    grants_out_of_order = models.PositiveIntegerField(_("grants out of order"), default=0)
    grants_skipped = models.PositiveIntegerField(_("grants skipped"), default=0)
    seats_unpublished = models.PositiveIntegerField(_("seats left unpublished"), default=0)
    # Staff only: each finding names the bulletin, direction, application and seat by id.
    findings = models.JSONField(_("findings"), default=list, blank=True)

    class Meta:
        verbose_name = _("fairness audit")
        verbose_name_plural = _("fairness audits")
        ordering = ["-period_to", "-period_from"]
        constraints = [
            models.UniqueConstraint(fields=["period_from", "period_to"], name="fairness_audit_one_per_period"),
            models.CheckConstraint(condition=models.Q(period_from__lte=models.F("period_to")), name="fairness_audit_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.period_from:%d.%m.%Y}–{self.period_to:%d.%m.%Y}"

    @property
    def findings_total(self) -> int:
        return self.directions_not_entitled + self.grants_out_of_order + self.grants_skipped + self.seats_unpublished
