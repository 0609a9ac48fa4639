"""Kindergartens, groups, seats, bulletins, grants and directions (SPEC §5–§7)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from queues.models import Application, Locality, QueueKind, name_in


class Kindergarten(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="kindergartens", verbose_name=_("locality"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="kindergartens", verbose_name=_("operators"))

    class Meta:
        verbose_name = _("kindergarten")
        verbose_name_plural = _("kindergartens")
        ordering = ["name"]

    def __str__(self) -> str:
        # Issue 11: every name a person sees is in the page's language (admin, forms, templates).
        return self.display_name(get_language())

    def display_name(self, language: str | None) -> str:
        return name_in(language, self.name, self.name_kk)


class Group(models.Model):
    class GroupLanguage(models.TextChoices):
        KK = "kk", _("Kazakh")
        RU = "ru", _("Russian")
        BOTH = "both", _("Kazakh and Russian")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    kindergarten = models.ForeignKey(Kindergarten, on_delete=models.PROTECT, related_name="groups", verbose_name=_("kindergarten"))
    name = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    age_from = models.PositiveSmallIntegerField(_("age from (full years)"))
    age_to = models.PositiveSmallIntegerField(_("age to (full years)"))
    language = models.CharField(_("language of instruction"), max_length=4, choices=GroupLanguage.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=QueueKind.choices, default=QueueKind.GENERAL)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=25)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["kindergarten", "age_from", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(age_from__lt=models.F("age_to")), name="group_age_range_valid"),
            models.CheckConstraint(condition=Q(kind__in=["general", "special", "sanatorium"]), name="group_kind_valid"),
            models.CheckConstraint(condition=Q(language__in=["kk", "ru", "both"]), name="group_language_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name(get_language())

    def display_name(self, language: str | None) -> str:
        """The name in `language` (Kazakh when there is one, else Russian), else the code."""
        return name_in(language, self.name, self.name_kk) or self.code

    def fits_birth_year(self, birth_year: int, enrollment_year: int) -> bool:
        """SPEC §5: age_from ≤ E − birth_year < age_to."""
        return self.age_from <= enrollment_year - birth_year < self.age_to


class SeatRelease(models.Model):
    """One release by an operator: a group, a birth year and a count (SPEC §5)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="releases", verbose_name=_("group"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    count = models.PositiveSmallIntegerField(_("count"))
    released_at = models.DateTimeField(_("released at"))
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("released by"))

    class Meta:
        verbose_name = _("seat release")
        verbose_name_plural = _("seat releases")
        ordering = ["-released_at"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="seat_release_count_positive")]

    def __str__(self) -> str:
        return f"{self.group} {self.birth_year} × {self.count}"


class Seat(models.Model):
    class State(models.TextChoices):
        RELEASED = "released", _("released, awaiting the bulletin")
        PRIORITY = "priority", _("priority access")
        GENERAL = "general", _("general access")
        CLAIMED = "claimed", _("claimed")
        ENROLLED = "enrolled", _("enrolled")
        WITHDRAWN = "withdrawn", _("withdrawn")

    PUBLISHED_STATES = ("priority", "general")
    WITHDRAWABLE_STATES = ("released", "priority", "general")  # SPEC §5: a seat not claimed may be withdrawn

    release = models.ForeignKey(SeatRelease, on_delete=models.PROTECT, related_name="seats", verbose_name=_("release"))
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="seats", verbose_name=_("group"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RELEASED)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    open_at = models.DateTimeField(_("open at"), null=True, blank=True)
    priority_until = models.DateTimeField(_("priority until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # When it last became `released` (created, or returned by a direction that ended).
    released_at = models.DateTimeField(_("released at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Issue 11: the history names who withdrew a seat, and why (a bulk withdrawal asks for a reason).
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("withdrawn by")
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["released", "priority", "general", "claimed", "enrolled", "withdrawn"]), name="seat_state_valid"),
            models.CheckConstraint(
                condition=~Q(state__in=["priority", "general"]) | Q(published_at__isnull=False, open_at__isnull=False, priority_until__isnull=False),
                name="seat_published_has_window",
            ),
        ]
        indexes = [
            # The claim: claimable seats of a group and birth year, earliest published first (SPEC §7).
            models.Index(fields=["group", "birth_year", "state", "published_at", "id"], name="seat_claim_order"),
            models.Index(fields=["state", "priority_until"], name="seat_state_window"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.group} {self.birth_year}"


class Bulletin(models.Model):
    """One 18:00 publication (SPEC §5); its seats are the rows of the release protocol."""

    published_at = models.DateTimeField(_("published at"), unique=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["published_at"]

    def __str__(self) -> str:
        return f"{self.published_at:%d.%m.%Y %H:%M}"


class Publication(models.Model):
    """A seat in a bulletin, with the window of that publication (SPEC §8 release protocol)."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="publications", verbose_name=_("bulletin"))
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="publications", verbose_name=_("seat"))
    open_at = models.DateTimeField(_("open at"))
    priority_until = models.DateTimeField(_("priority until"))

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["bulletin", "seat"]
        constraints = [models.UniqueConstraint(fields=["bulletin", "seat"], name="publication_seat_once_per_bulletin")]

    def __str__(self) -> str:
        return f"{self.bulletin}: {self.seat}"


class Grant(models.Model):
    """Priority access of one application to the priority seats of one queue (SPEC §6)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="grants", verbose_name=_("application"))
    kind = models.CharField(_("queue"), max_length=16, choices=QueueKind.choices)
    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="grants", verbose_name=_("bulletin"))
    from_at = models.DateTimeField(_("from"))
    until_at = models.DateTimeField(_("until"))
    ended_at = models.DateTimeField(_("ended early at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["id"]
        indexes = [models.Index(fields=["application", "kind", "until_at"], name="grant_holder_window")]

    def __str__(self) -> str:
        return f"{self.application} {self.kind} {self.from_at:%d.%m.%Y}–{self.until_at:%d.%m.%Y}"


class Direction(models.Model):
    class Status(models.TextChoices):
        BENEFIT_CHECK = "benefit_check", _("awaiting benefit confirmation")
        ISSUED = "issued", _("issued")
        ENROLLED = "enrolled", _("enrolled")
        # Issue 11: one word each, everywhere (README glossary): "cancelled" the family declined it
        # (or withdrew the application), "revoked" the benefit was rejected, "expired" ran out of time.
        EXPIRED = "expired", pgettext_lazy("direction status", "expired")
        CANCELLED = "cancelled", pgettext_lazy("direction status", "cancelled")
        REVOKED = "revoked", pgettext_lazy("direction status", "revoked")

    ACTIVE_STATUSES = ("benefit_check", "issued")

    number = models.PositiveBigIntegerField(_("number"), unique=True)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="directions", verbose_name=_("application"))
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="directions", verbose_name=_("seat"))
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.PROTECT, related_name="directions")
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    extended = models.BooleanField(_("extended"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    # SPEC §10: the kindergarten flags missing benefit documents for the education department.
    documents_missing_note = models.CharField(_("missing documents"), max_length=500, blank=True)
    documents_flagged_at = models.DateTimeField(_("documents flagged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("direction")
        verbose_name_plural = _("directions")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["benefit_check", "issued", "enrolled", "expired", "cancelled", "revoked"]),
                name="direction_status_valid",
            ),
            # SPEC §7: one active direction per application and per seat.
            models.UniqueConstraint(fields=["application"], condition=Q(status__in=["benefit_check", "issued"]), name="direction_one_active_per_application"),
            models.UniqueConstraint(fields=["seat"], condition=Q(status__in=["benefit_check", "issued"]), name="direction_one_active_per_seat"),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="direction_status_deadline"),
            # The public directions protocol lists newest first (SPEC §8).
            models.Index(fields=["-issued_at"], name="direction_issued_desc"),
        ]

    def __str__(self) -> str:
        return f"№{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
