"""Production never sends an SMS inside a web request: the deploy check refuses eager tasks."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_eager_tasks_fail_the_deploy_check(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with pytest.raises(SystemCheckError, match=r"notifications\.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR", tags=["compatibility"])


def test_a_worker_passes_it(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    call_command("check", "--deploy", "--fail-level", "ERROR", tags=["compatibility"])
