"""SPEC §9 one-time codes: 6 digits, 5 minutes, single use, 3 tries, 60 s apart, 5 an hour, hashed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import OneTimeCode
from accounts.otp import code_issue, code_verify, phone_normalize
from core.errors import Refusal
from notifications.models import Message
from tests.accounts.conftest import last_code

# Real time: delivery refuses to send a code that has already expired on the wall clock.
NOW = timezone.now().astimezone(ZoneInfo("Asia/Almaty"))
PHONE = "77015550101"
pytestmark = pytest.mark.django_db


def _issue(django_capture_on_commit_callbacks, at=NOW, purpose="login"):
    with django_capture_on_commit_callbacks(execute=True):
        return code_issue(phone=PHONE, purpose=purpose, now=at)


def test_a_code_is_six_digits_sent_by_sms_and_stored_only_as_a_hash(django_capture_on_commit_callbacks):
    otp = _issue(django_capture_on_commit_callbacks)
    code = last_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    assert code not in otp.code_hash
    assert all(code not in str(m.context) for m in Message.objects.all())
    code_verify(phone=PHONE, purpose="login", code=code, now=NOW + dt.timedelta(minutes=1))


def test_a_code_is_single_use(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks)
    code = last_code(PHONE)
    code_verify(phone=PHONE, purpose="login", code=code, now=NOW)
    with pytest.raises(Refusal) as refusal:
        code_verify(phone=PHONE, purpose="login", code=code, now=NOW)
    assert refusal.value.code == "code_missing"


def test_a_code_expires_after_five_minutes(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks)
    with pytest.raises(Refusal) as refusal:
        code_verify(phone=PHONE, purpose="login", code=last_code(PHONE), now=NOW + dt.timedelta(minutes=5))
    assert refusal.value.code == "code_expired"


def test_three_wrong_tries_burn_the_code_even_the_right_one_after(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    codes = []
    for _ in range(3):
        with pytest.raises(Refusal) as refusal:
            code_verify(phone=PHONE, purpose="login", code=wrong, now=NOW)
        codes.append(refusal.value.code)
    assert codes == ["code_wrong", "code_wrong", "code_exhausted"]
    with pytest.raises(Refusal) as refusal:
        code_verify(phone=PHONE, purpose="login", code=code, now=NOW)
    assert refusal.value.code == "code_exhausted"
    assert OneTimeCode.objects.get().attempts == 3


def test_a_code_for_one_purpose_does_not_open_another(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks, purpose="login")
    with pytest.raises(Refusal) as refusal:
        code_verify(phone=PHONE, purpose="withdraw", code=last_code(PHONE), now=NOW)
    assert refusal.value.code == "code_missing"


def test_a_new_code_no_sooner_than_sixty_seconds(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks)
    with pytest.raises(Refusal) as refusal:
        _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(seconds=59))
    assert refusal.value.code == "code_too_soon"
    _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(seconds=60))


def test_at_most_five_codes_per_phone_per_hour(django_capture_on_commit_callbacks):
    for minute in range(0, 50, 10):
        _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(minutes=minute))
    with pytest.raises(Refusal) as refusal:
        _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(minutes=55))
    assert refusal.value.code == "code_limit"
    _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(minutes=60, seconds=1))


def test_the_latest_code_is_the_one_that_counts(django_capture_on_commit_callbacks):
    _issue(django_capture_on_commit_callbacks)
    first = last_code(PHONE)
    _issue(django_capture_on_commit_callbacks, at=NOW + dt.timedelta(minutes=2))
    second = last_code(PHONE)
    if first != second:
        with pytest.raises(Refusal):
            code_verify(phone=PHONE, purpose="login", code=first, now=NOW + dt.timedelta(minutes=2))
    code_verify(phone=PHONE, purpose="login", code=second, now=NOW + dt.timedelta(minutes=2))


@pytest.mark.parametrize(("raw", "normal"), [("+7 701 555 01 01", PHONE), ("8 (701) 555-01-01", PHONE), ("7015550101", PHONE)])
def test_phone_numbers_are_normalised(raw, normal):
    assert phone_normalize(raw) == normal


@pytest.mark.parametrize("raw", ["", "12345", "+1 202 555 0101"])
def test_a_foreign_or_short_phone_is_refused(raw):
    with pytest.raises(Refusal) as refusal:
        phone_normalize(raw)
    assert refusal.value.code == "invalid_phone"
