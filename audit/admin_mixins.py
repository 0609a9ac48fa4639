"""Staff edits in the admin are state changes too: record them with before/after."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.utils import timezone

from audit.services import audit_record


def _value(obj: models.Model, name: str) -> Any:
    try:
        field = obj._meta.get_field(name)
    except Exception:  # a form-only field
        return None
    if field.many_to_many:
        return sorted(obj.pk for obj in getattr(obj, name).all()) if obj.pk else []
    return getattr(obj, field.attname)


class AuditedModelAdmin(admin.ModelAdmin):
    """Adds, changes (the changed fields, before and after) and deletions, by the staff member."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = {name: _value(old, name) for name in form.changed_data} if old else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # On the request, not on the admin: one ModelAdmin instance serves every thread.
            request._audit_before = before

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj, before = form.instance, getattr(request, "_audit_before", {})
            changes = {name: (before.get(name), _value(obj, name)) for name in form.changed_data}
            audit_record(action=f"admin.{'change' if change else 'add'}", obj=obj, now=timezone.now(), changes=changes)
            for formset in formsets:
                for inline in formset.forms:
                    if inline.has_changed() and inline.instance.pk:
                        audit_record(
                            action="admin.change_inline",
                            obj=inline.instance,
                            now=timezone.now(),
                            changes={name: (None, _value(inline.instance, name)) for name in inline.changed_data},
                        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(action="admin.delete", obj=obj, now=timezone.now(), details={"repr": str(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(action="admin.delete", obj=obj, now=timezone.now(), details={"repr": str(obj)})
            super().delete_queryset(request, queryset)
