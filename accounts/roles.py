"""Department staff roles (SPEC §10) as Django groups, kept in sync after every migrate."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

READ_MODELS = [
    ("queues", "application"),
    ("queues", "locality"),
    ("placements", "kindergarten"),
    ("placements", "group"),
    ("placements", "seat"),
    ("placements", "seatrelease"),
    ("placements", "bulletin"),
    ("placements", "publication"),
    ("placements", "grant"),
    ("placements", "direction"),
    ("notifications", "message"),
    ("core", "calendaroverride"),
    ("accounts", "cabinet"),
    ("accounts", "kiosk"),
    ("audit", "auditrecord"),
    # Issue 12: the fairness audit's and the forecast back-test's reports.
    ("fairness", "fairnessaudit"),
    ("queues", "forecastreport"),
]

ROLES: dict[str, list[str]] = {
    # Applications and benefit decisions.
    "clerk": [f"{app}.view_{model}" for app, model in READ_MODELS] + ["queues.change_application", "queues.file_at_desk"],
    # Plus kindergartens, localities, the calendar, kiosks and cabinet blocks.
    "supervisor": [f"{app}.view_{model}" for app, model in READ_MODELS]
    + [
        "queues.change_application",
        "queues.file_at_desk",
        "queues.add_locality",
        "queues.change_locality",
        "placements.add_kindergarten",
        "placements.change_kindergarten",
        "placements.add_group",
        "placements.change_group",
        "core.add_calendaroverride",
        "core.change_calendaroverride",
        "core.delete_calendaroverride",
        "accounts.add_kiosk",
        "accounts.change_kiosk",
        "accounts.change_cabinet",
        "accounts.add_cabinet",
        "fairness.add_fairnessaudit",
    ],
    # Reads everything, changes nothing; runs the fairness audit (which only writes its own report).
    "auditor": [f"{app}.view_{model}" for app, model in READ_MODELS] + ["fairness.add_fairnessaudit"],
}


def roles_sync(**kwargs) -> None:
    """Create or update the groups clerk, supervisor and auditor with their permissions. The
    permissions of every app are made first: on a fresh database, apps listed after `accounts`
    (fairness) get theirs only after this signal."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
