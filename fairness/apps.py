from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FairnessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fairness"
    verbose_name = _("Fairness audit")
