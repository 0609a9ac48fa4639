from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Cabinets, kiosks and staff roles")

    def ready(self) -> None:
        from accounts.roles import roles_sync

        post_migrate.connect(roles_sync, sender=self)
