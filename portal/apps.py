from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public front pages: home, the locality chooser, and what every page's header needs."""

    name = "portal"
