import datetime as dt
import re

import pytest
from django.utils import timezone

from core.iin import iin_build
from notifications.models import OutboxSms
from queues.models import Locality
from queues.services import application_file

PARENT_IIN = iin_build(dt.date(1990, 5, 17), female=True, serial=1234)
PARENT_PHONE = "77011234567"


def last_code(phone: str = PARENT_PHONE) -> str:
    sms = OutboxSms.objects.filter(phone=phone).order_by("-id").first()
    assert sms is not None, "no SMS was sent to the phone"
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


@pytest.fixture
def locality(db):
    return Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")


@pytest.fixture
def application(locality):
    return application_file(
        child_iin=iin_build(dt.date(2022, 3, 4), serial=77),
        locality_code="temirtau",
        applicant_iin=PARENT_IIN,
        phone=PARENT_PHONE,
        child_last_name="Омарова",
        child_first_name="Айгерим",
        now=timezone.now() - dt.timedelta(days=30),
    )
