"""No admin filter, search, list or form reaches a password or token hash (issue 8, item 3).

The attack: `/admin/accounts/cabinet/?password__startswith=pbkdf2_sha256$…` answers with one row or
none, so an auditor (read-only) learns a hash a character at a time (28 characters in ~900 requests).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Cabinet, Kiosk, OneTimeCode
from accounts.roles import roles_sync
from audit.services import audit_record
from reports.admin_site import IndigoAdminSite, is_secret
from tests.factories import KindergartenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db) -> User:
    roles_sync()
    user = User.objects.create_user("auditor1", password="x-Long-Password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="auditor"))
    return user


def _secret_paths(model: type[models.Model], prefix: str = "", depth: int = 2) -> Iterator[str]:
    """Every lookup path from `model` to a secret field, through up to `depth` relations either way."""
    for field in model._meta.get_fields():
        name = prefix + field.name
        if field.concrete and not field.is_relation and is_secret(field.name):
            yield name
        elif field.is_relation and field.related_model is not None and depth > 0:
            yield from _secret_paths(field.related_model, f"{name}__", depth - 1)


def _changelist(model: type[models.Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_an_auditor_cannot_filter_cabinets_by_their_password_hash(client, auditor):
    hashed = make_password("Parent-Password-1")
    Cabinet.objects.create(iin="880315300123", password=hashed, created_at=timezone.now())
    client.force_login(auditor)

    assert client.get(_changelist(Cabinet)).status_code == 200  # the auditor reads cabinets
    for prefix in (hashed[:20], "x"):
        response = client.get(_changelist(Cabinet), {"password__startswith": prefix})
        assert response.status_code == 400  # not "1 parent cabinet" against "0 parent cabinets"


def test_no_registered_admin_filters_on_a_secret_field_at_any_depth(client, superuser, auditor):
    checked = set()
    for model in admin.site._registry:
        for path in _secret_paths(model):
            url = _changelist(model)
            client.force_login(superuser)
            assert client.get(url, {f"{path}__startswith": "x"}).status_code == 400, (model, path)
            client.force_login(auditor)
            assert client.get(url, {f"{path}__startswith": "x"}).status_code in (400, 403), (model, path)
            checked.add((model._meta.label, path))
    # The walk found the fields of the attack and their relations, not nothing.
    assert {
        ("accounts.Cabinet", "password"),
        ("accounts.Cabinet", "device_token_hash"),
        ("accounts.Kiosk", "token_hash"),
        ("accounts.Kiosk", "created_by__password"),
        ("auth.User", "password"),
        ("placements.Kindergarten", "kiosks__token_hash"),
    } <= checked


def test_no_registered_admin_shows_a_secret_value(client, superuser):
    chief_salt, chief_hash = superuser.password.split("$")[-2:]
    cabinet = Cabinet.objects.create(iin="880315300123", password=make_password("Parent-Password-1"), device_token_hash="d" * 64, created_at=timezone.now())
    Kiosk.objects.create(code="k1", name="Kiosk 1", kindergarten=KindergartenFactory(), token_hash="e" * 64)
    audit_record(action="test.action", now=timezone.now(), obj=cabinet)
    client.force_login(superuser)

    pages = 0
    for model in admin.site._registry:
        secret_fields = [f.attname for f in model._meta.concrete_fields if is_secret(f.name)]
        for obj in model._default_manager.all():
            values = {getattr(obj, name) for name in secret_fields} - {""}
            if model is User:
                values |= {chief_salt[:6], chief_hash[:6]}  # Django's summary shows the first 6 characters
            changelist = client.get(_changelist(model)).content.decode()
            change = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, model
            for value in values:
                assert value not in changelist, (model, value)
                assert value not in change.content.decode(), (model, value)
            pages += 1
    assert pages >= 4  # the cabinet, the kiosk, the superuser, the audit record


def test_the_staff_password_row_keeps_its_reset_button_but_shows_no_hash(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_user_change", args=[superuser.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A password is set; its hash is never shown." in page
    assert "../password/" in page
    assert superuser.password.split("$")[-1][:6] not in page


def test_an_admin_registered_later_is_guarded_too():
    site = IndigoAdminSite(name="later")

    class CodeAdmin(admin.ModelAdmin):
        list_display = ("phone", "code_hash", "purpose", "code")
        list_filter = ("purpose", "salt")
        search_fields = ("=phone", "code_hash")
        ordering = ("-code_hash", "phone")

        @admin.display(ordering="code_hash")
        def code(self, obj: OneTimeCode) -> str:
            return "******"

    site.register(OneTimeCode, CodeAdmin)
    model_admin = site._registry[OneTimeCode]
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)

    assert isinstance(model_admin, CodeAdmin)
    assert not model_admin.lookup_allowed("code_hash__startswith", "1", request)
    assert not model_admin.lookup_allowed("salt", "1", request)
    assert model_admin.lookup_allowed("purpose", "login", request)
    assert model_admin.get_list_display(request) == ["phone", "purpose", "code"]
    assert model_admin.get_list_filter(request) == ["purpose"]
    assert model_admin.get_search_fields(request) == ["=phone"]
    assert model_admin.get_ordering(request) == ["phone"]
    assert not {"salt", "code_hash"} & set(model_admin.get_fields(request))
    sorted_request = RequestFactory().get("/", {"o": "2"})  # the "code" column, sorted by code_hash
    sorted_request.user = request.user
    changelist = model_admin.get_changelist_instance(sorted_request)
    assert changelist.get_ordering_field("code") is None
    assert "code_hash" not in str(changelist.get_ordering(sorted_request, OneTimeCode.objects.all()))
