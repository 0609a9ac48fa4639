from django.apps import AppConfig


class ReplayConfig(AppConfig):
    """`simulate` and `load_demo`: the domain's services replayed on a simulated clock (SPEC §11)."""

    name = "replay"
