"""Localities and applications (SPEC §3); the queue order is a selector (SPEC §4)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.iin import validate_iin


def name_in(language: str | None, name: str, name_kk: str) -> str:
    """A name kept in Russian (`name`) and Kazakh (`name_kk`), in `language`: Kazakh pages show the
    Kazakh name when there is one, every other language the Russian one (issue 11)."""
    return name_kk if name_kk and (language or "").split("-")[0] == "kk" else name


class Locality(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name (Russian)"), max_length=200)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["name"]

    def __str__(self) -> str:
        # Issue 11: every name a person sees is in the page's language (admin, forms, templates).
        return self.display_name(get_language())

    def display_name(self, language: str | None) -> str:
        return name_in(language, self.name, self.name_kk)


class Benefit(models.TextChoices):
    NONE = "none", _("none")
    PRIORITY = "priority", _("priority")
    EXTRAORDINARY = "extraordinary", _("extraordinary")


class BenefitCategory(models.TextChoices):
    # Extraordinary (SPEC §3)
    MILITARY = "military", _("children of military servicemen")
    SPECIAL_STATE_BODY = "special_state_body", _("children of employees of special state bodies")
    PEDAGOGUE = "pedagogue", _("children of teachers (pedagogues)")
    # Priority (SPEC §3)
    DISABLED_PARENT = "disabled_parent", _("legal representatives are disabled")
    ORPHAN = "orphan", _("orphans and children left without parental care")
    LARGE_FAMILY = "large_family", _("children of large families")
    SEN = "sen", _("children with special educational needs")
    DISABLED_CHILD_FAMILY = "disabled_child_family", _("families raising a disabled child")


EXTRAORDINARY_CATEGORIES = frozenset({"military", "special_state_body", "pedagogue"})
PRIORITY_CATEGORIES = frozenset({"disabled_parent", "orphan", "large_family", "sen", "disabled_child_family"})


class BenefitStatus(models.TextChoices):
    CLAIMED = "claimed", _("claimed, awaiting confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class QueueKind(models.TextChoices):
    GENERAL = "general", _("general")
    SPECIAL = "special", _("special (special educational needs)")
    SANATORIUM = "sanatorium", _("sanatorium")


QUEUE_KIND_ORDER = ("general", "special", "sanatorium")
# One queue's class in order (SPEC §4): the key of the partial indexes for counts, pages, bulletin.
QUEUE_CLASS_KEY = ("locality", "birth_year", "queue_class", "filed_at", "number")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")


class Language(models.TextChoices):
    KK = "kk", "Қазақша"
    RU = "ru", "Русский"


class Application(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("in the queue")
        DIRECTED = "directed", _("holds a direction")
        ENROLLED = "enrolled", _("enrolled")
        WITHDRAWN = "withdrawn", _("withdrawn")
        ARCHIVED = "archived", _("archived")

    class ArchiveReason(models.TextChoices):
        EXPIRED_TWICE = "expired_twice", _("two directions expired or were declined")
        OVER_AGE = "over_age", _("over age")

    LIVE_STATUSES = ("queued", "directed", "enrolled")

    number = models.PositiveBigIntegerField(_("number"), unique=True)
    # child
    child_iin = models.CharField(_("child's IIN"), max_length=12, validators=[validate_iin])
    child_last_name = models.CharField(_("child's surname"), max_length=100, blank=True)
    child_first_name = models.CharField(_("child's first name"), max_length=100, blank=True)
    child_middle_name = models.CharField(_("child's patronymic"), max_length=100, blank=True)
    child_birth_date = models.DateField(_("child's birth date"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"), editable=False)
    birth_certificate = models.CharField(_("birth certificate number"), max_length=32, blank=True)
    # applicant (legal representative)
    applicant_iin = models.CharField(_("applicant's IIN"), max_length=12, blank=True)
    applicant_last_name = models.CharField(_("applicant's surname"), max_length=100, blank=True)
    applicant_first_name = models.CharField(_("applicant's first name"), max_length=100, blank=True)
    applicant_middle_name = models.CharField(_("applicant's patronymic"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    phone2 = models.CharField(_("second mobile phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="applications", verbose_name=_("locality"))
    # benefit (SPEC §3)
    benefit = models.CharField(_("benefit"), max_length=16, choices=Benefit.choices, default=Benefit.NONE)
    benefit_category = models.CharField(_("benefit category"), max_length=32, choices=BenefitCategory.choices, blank=True)
    benefit_status = models.CharField(_("benefit status"), max_length=16, choices=BenefitStatus.choices, null=True, blank=True)
    benefit_decision_reason = models.CharField(_("reason of the benefit decision"), max_length=500, blank=True)
    # queues: general always; special / sanatorium only with SEN and a PMPK conclusion
    sen_pmpk = models.BooleanField(_("SEN with a PMPK conclusion"), default=False)
    wants_special = models.BooleanField(_("in the special queue"), default=False)
    wants_sanatorium = models.BooleanField(_("in the sanatorium queue"), default=False)
    channel = models.CharField(_("notification channel"), max_length=8, choices=Channel.choices, default=Channel.SMS)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.RU)
    filed_at = models.DateTimeField(_("filed at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    archive_reason = models.CharField(_("archive reason"), max_length=16, choices=ArchiveReason.choices, null=True, blank=True)
    strikes = models.PositiveSmallIntegerField(_("strikes"), default=0)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # SPEC §3/§4: the class the application stands in (a rejected benefit counts as none), kept by
    # the database so that one queue's class is an index range (positions, list pages, bulletin).
    queue_class = models.GeneratedField(
        expression=Case(When(benefit_status="rejected", then=Value("none")), default=F("benefit")),
        output_field=models.CharField(max_length=16),
        db_persist=True,
        verbose_name=_("class in the queue"),
    )
    # The number the old portal gave, kept as a reference by `import_applications`; NULL otherwise.
    legacy_number = models.CharField(_("number in the old portal"), max_length=32, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["number"]
        # Issue 11, item 6: a clerk files a walk-in application at the desk (accounts/roles.py).
        permissions = [("file_at_desk", _("Can file an application at the education department's desk"))]
        constraints = [
            # SPEC §3 duplicate: one live application per child.
            models.UniqueConstraint(fields=["child_iin"], condition=Q(status__in=["queued", "directed", "enrolled"]), name="application_one_live_per_child"),
            models.CheckConstraint(condition=Q(status__in=["queued", "directed", "enrolled", "withdrawn", "archived"]), name="application_status_valid"),
            models.CheckConstraint(condition=Q(benefit__in=Benefit.values), name="application_benefit_valid"),
            models.CheckConstraint(
                condition=(Q(benefit="none", benefit_status__isnull=True) | (~Q(benefit="none") & Q(benefit_status__in=["claimed", "confirmed", "rejected"]))),
                name="application_benefit_status_matches_benefit",
            ),
            models.CheckConstraint(
                condition=Q(status="archived", archive_reason__in=["expired_twice", "over_age"]) | (~Q(status="archived") & Q(archive_reason__isnull=True)),
                name="application_archive_reason_iff_archived",
            ),
            models.CheckConstraint(condition=Q(sen_pmpk=True) | Q(wants_special=False, wants_sanatorium=False), name="application_special_queues_need_pmpk"),
            models.CheckConstraint(condition=Q(strikes__lte=2), name="application_strikes_at_most_two"),
        ]
        indexes = [
            # The queue: (locality, birth year) queued, in filing order (SPEC §4).
            models.Index(fields=["locality", "birth_year", "status", "filed_at", "number"], name="application_queue_order"),
            # Per queue kind: class sizes and ranks are index-only counts, a page is an index range.
            models.Index(fields=[*QUEUE_CLASS_KEY], condition=Q(status="queued"), name="application_queue_general"),
            models.Index(fields=[*QUEUE_CLASS_KEY], condition=Q(status="queued", wants_special=True), name="application_queue_special"),
            models.Index(fields=[*QUEUE_CLASS_KEY], condition=Q(status="queued", wants_sanatorium=True), name="application_queue_sanatorium"),
            # The birth years that have a queue, by a skip scan (opendata queue_birth_years).
            models.Index(fields=["birth_year"], condition=Q(status="queued"), name="application_queued_birth_year"),
            models.Index(fields=["child_iin"], name="application_child_iin"),
            models.Index(fields=["applicant_iin"], name="application_applicant_iin"),
            models.Index(fields=["status", "status_changed_at"], name="application_status_changed"),
        ]

    def __str__(self) -> str:
        return f"№{self.number}"

    @property
    def effective_benefit(self) -> str:
        """SPEC §3: a claimed or confirmed benefit counts; a rejected one counts as none."""
        # Computed here rather than read from queue_class: an unsaved or just-changed instance
        # has no fresh generated value; the two agree by construction (tests/queues).
        return Benefit.NONE if self.benefit_status == BenefitStatus.REJECTED else self.benefit

    @property
    def queue_kinds(self) -> list[str]:
        kinds = ["general"]
        if self.wants_special:
            kinds.append("special")
        if self.wants_sanatorium:
            kinds.append("sanatorium")
        return kinds

    @property
    def child_name_masked(self) -> str:
        """SPEC §8: surname initial and first-name initial, `О*** А.`."""
        last = (self.child_last_name or "?")[:1].upper()
        first = (self.child_first_name or "?")[:1].upper()
        return f"{last}*** {first}."

    # The admin's column title (issue 11: it read "CHILD NAME MASKED", the property's own name).
    child_name_masked.fget.short_description = _("child (initials)")


class PrivateStorage(FileSystemStorage):
    """Outside MEDIA_URL: never served by the web server, only by the staff-only view. The folder is
    read from settings at use, so a changed PRIVATE_MEDIA_ROOT (tests, deployments) is honoured."""

    @property
    def base_location(self) -> str:
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None


def _private_storage() -> PrivateStorage:
    return PrivateStorage()


class BenefitDocument(models.Model):
    """A document attached to a benefit claim (SPEC §3); readable by staff only."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents", verbose_name=_("application"))
    file = models.FileField(_("file"), upload_to="benefit-documents/%Y/%m/", storage=_private_storage)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("benefit document")
        verbose_name_plural = _("benefit documents")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ForecastReport(models.Model):
    """The result of one `forecast_backtest` run (issue 12): how often the wait forecast's 10–90 %
    band held what happened, and its median error; staff read the latest in the admin's reports."""

    created_at = models.DateTimeField(_("made at"))
    at = models.DateTimeField(_("forecast made as of"))
    horizon_days = models.PositiveIntegerField(_("horizon, days"))
    locality_code = models.CharField(_("locality"), max_length=64, blank=True)
    checked = models.PositiveIntegerField(_("applications checked"))
    inside_band = models.PositiveIntegerField(_("inside the band"))
    median_error_days = models.FloatField(_("median error, days"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict)

    class Meta:
        verbose_name = _("forecast back-test")
        verbose_name_plural = _("forecast back-tests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y} +{self.horizon_days}"

    @property
    def coverage(self) -> float | None:
        return self.inside_band / self.checked if self.checked else None
