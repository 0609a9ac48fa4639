"""An append-only, keyed and hash-chained record of every state-changing action (issue 9).

Appending takes no lock that another transaction waits for: an action INSERTs its `AuditRecord`
(content, a database-sequence id and a MAC of both under the audit key). A moment later one
sequencer (`audit_chain`) appends each new record's `AuditLink` (its number in the chain, the
hash before it and its own hash), in batches, as transparency logs (Certificate Transparency,
Trillian) do. Both tables are insert-only (triggers on PostgreSQL; see audit/services.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsertingTransaction(models.Func):
    """PostgreSQL's id of the inserting (top-level) transaction: the sequencer's watermark, so it
    reads only recent records yet never misses one that commits late. NULL on other databases."""

    template = "NULL"
    arity = 0
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class AuditRecord(models.Model):
    at = models.DateTimeField(_("at"), db_index=True)
    actor_kind = models.CharField(_("role"), max_length=16)
    actor = models.CharField(_("who"), max_length=150)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    changes = models.JSONField(_("changes (before, after)"), default=dict, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    device = models.CharField(_("device or kiosk"), max_length=200, blank=True)
    # How the record is protected (audit/services.py): 1 plain SHA-256 and 2 HMAC-SHA256 chained at
    # append (the records written before issue 9: their chain hash is their link's hash); 3 a MAC
    # of the record's own content and id under AUDIT_KEY, chained later by the sequencer.
    scheme = models.PositiveSmallIntegerField(_("hash scheme"), default=3)
    mac = models.CharField(_("MAC"), max_length=64, blank=True)
    xid = models.BigIntegerField(null=True, blank=True, editable=False, db_default=InsertingTransaction())

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["xid"], name="audit_record_xid"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(scheme__in=(1, 2, 3)), name="audit_scheme_known")]

    def __str__(self) -> str:
        return f"{self.action} ({self.pk})"


class AuditLink(models.Model):
    """A record's place in the chain, appended by the sequencer; never updated."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    record = models.OneToOneField(AuditRecord, on_delete=models.PROTECT, related_name="link", verbose_name=_("audit record"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    chained_at = models.DateTimeField(_("chained at"))
    # The sequencer's watermark after this link's run: every record of a transaction below it is
    # chained (PostgreSQL only). Not covered by the hash: it steers the sequencer, it proves nothing.
    xid_floor = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain links")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq}"
