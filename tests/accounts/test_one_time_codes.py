"""SPEC §9 one-time codes: 6 digits, 5 minutes, single use, 3 tries, 60 s apart, 5 an hour, hashed."""

import datetime as dt
from unittest.mock import Mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from kombu.exceptions import OperationalError

from accounts.models import OneTimeCode
from accounts.otp import MAX_TRIES, code_consume, code_issue, code_next_allowed, code_verify
from core.errors import Refusal
from core.phones import phone_normalize
from notifications.models import Message, OutboxSms
from notifications.tasks import code_send
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


# --- one number, however its digits are written (issue 8 item 2) ---------------------------------

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SCRIPTS = (FULLWIDTH, ARABIC_INDIC, PERSIAN, DEVANAGARI)


@pytest.mark.parametrize(
    "raw",
    [
        "+7 701 123 45 67",
        "8 701 123 45 67",
        "87011234567",
        "7011234567",
        "77011234567",
        "+7 (701) 123-45-67",
        "+7\u00a0701\u2011123\u201145\u201167",  # no-break space and hyphens, as a phone's contacts app copies them
        "+7 ７０１ １２３ ４５ ６７",
        "+٧ ٧٠١ ١٢٣ ٤٥ ٦٧",
        "٨٧٠١١٢٣٤٥٦٧",
        "+7 70１ 123 45 67",  # one fullwidth digit among ASCII ones
    ],
)
def test_every_way_of_writing_a_number_is_the_same_ascii_string(raw):
    assert phone_normalize(raw) == "77011234567"


MOBILE_PREFIXES = ["700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"]


@given(
    prefix=st.sampled_from(MOBILE_PREFIXES),
    subscriber=st.integers(0, 10**7 - 1),
    lead=st.sampled_from(["+7", "8", "7", ""]),
    separator=st.sampled_from(["", " ", "-", "\u00a0"]),
    script=st.sampled_from([None, *SCRIPTS]),
    bracketed=st.booleans(),
)
def test_a_kazakh_mobile_number_normalises_to_one_value_whatever_its_spelling(prefix, subscriber, lead, separator, script, bracketed):
    digits = f"{subscriber:07d}"
    operator = f"({prefix})" if bracketed else prefix
    raw = separator.join([lead, operator, digits[:3], digits[3:5], digits[5:]]).lstrip(separator)
    if script is not None:
        raw = raw.translate(script)
    normal = phone_normalize(raw)
    assert normal == f"7{prefix}{digits}"
    assert normal.isascii() and normal.isdigit()


@pytest.mark.parametrize(
    "raw",
    [
        "+7 495 123 45 67",  # a Moscow landline: +7 is Russia's code too
        "+7 916 123 45 67",  # a Russian mobile
        "8 (7213) 91-10-40",  # a Karaganda landline
        "+7 701 123 45 67 доб. 5",
        "+7 701 123 45 67 ext 5",
        "+7 701 123 45 6²",  # a superscript is a digit to str.isdigit, not a decimal one
        "+7 701 123 45 678",
    ],
)
def test_a_landline_a_russian_number_or_anything_extra_is_refused(raw):
    with pytest.raises(Refusal) as refusal:
        phone_normalize(raw)
    assert refusal.value.code == "invalid_phone"


def test_other_digits_do_not_make_another_phone_for_the_limits():
    spellings = ["+7 701 555 01 01", *("+7 701 555 01 01".translate(script) for script in SCRIPTS), "+7 70１ 555 0١ 01", "8 ７٠1 555 01 0１"]
    refusals = []
    for raw in spellings:  # the attack: seven codes in one second to one number
        try:
            code_issue(phone=raw, purpose="login", now=NOW)
        except Refusal as refusal:
            refusals.append(refusal.code)
    assert refusals == ["code_too_soon"] * (len(spellings) - 1)
    assert OutboxSms.objects.count() == 1 and OutboxSms.objects.get().phone == PHONE
    assert set(OneTimeCode.objects.values_list("phone", flat=True)) == {PHONE}


def test_other_digits_count_toward_the_hourly_limit_of_the_same_phone():
    for minute, script in zip(range(0, 50, 10), (*SCRIPTS, None), strict=True):
        code_issue(phone="+7 701 555 01 01".translate(script) if script else PHONE, purpose="login", now=NOW + dt.timedelta(minutes=minute))
    with pytest.raises(Refusal) as refusal:
        code_issue(phone="８７０１５５５０１０１", purpose="login", now=NOW + dt.timedelta(minutes=55))
    assert refusal.value.code == "code_limit"


# --- a broker that does not take the code (issue 8 item 12) -----------------------------------------


def test_a_code_the_broker_did_not_take_is_refused_and_counts_for_nothing(monkeypatch):
    down = Mock(side_effect=OperationalError("Error 111 connecting to redis:6379. Connection refused."))
    monkeypatch.setattr(code_send, "apply_async", down)

    with pytest.raises(Refusal) as refusal:
        code_issue(phone=PHONE, purpose="login", now=NOW)

    assert refusal.value.code == "code_not_sent" and down.called
    assert not OneTimeCode.objects.exists()
    assert Message.objects.get().status == "failed"
    monkeypatch.undo()
    # A moment later the broker is back: no "wait a minute", and the new code works.
    code_issue(phone=PHONE, purpose="login", now=NOW + dt.timedelta(seconds=5))
    code_verify(phone=PHONE, purpose="login", code=last_code(PHONE), now=NOW + dt.timedelta(seconds=10))


def test_codes_the_broker_did_not_take_do_not_use_up_the_hourly_limit(monkeypatch):
    monkeypatch.setattr(code_send, "apply_async", Mock(side_effect=OSError("connection refused")))
    for minute in range(0, 60, 10):
        with pytest.raises(Refusal):
            code_issue(phone=PHONE, purpose="login", now=NOW + dt.timedelta(minutes=minute))
    monkeypatch.undo()
    code_issue(phone=PHONE, purpose="login", now=NOW + dt.timedelta(minutes=59))
    assert OneTimeCode.objects.count() == 1


def test_a_code_is_never_issued_inside_another_transaction():
    # Nested, the worker could look for the code before it is committed and drop it unsent.
    with pytest.raises(RuntimeError), transaction.atomic():
        code_issue(phone=PHONE, purpose="login", now=NOW)


def test_a_code_asked_too_soon_says_when_the_next_one_can_be_sent(django_capture_on_commit_callbacks):
    """Issue 9: not a dead end — the refusal carries the moment, in Astana time."""
    at = dt.datetime(2030, 6, 4, 7, 0, 15, tzinfo=ZoneInfo("Asia/Almaty"))
    code_issue(phone=PHONE, purpose="claim", now=at)
    with pytest.raises(Refusal) as refusal:
        code_issue(phone=PHONE, purpose="claim", now=at + dt.timedelta(seconds=20))
    assert refusal.value.code == "code_too_soon"
    assert refusal.value.next_allowed == at + dt.timedelta(seconds=60)
    assert refusal.value.message == "Код отправлен меньше минуты назад. Новый код можно отправить в 07:01:15."  # Russian: the default
    assert code_next_allowed(phone=PHONE, now=at + dt.timedelta(seconds=20)) == at + dt.timedelta(seconds=60)
    assert code_next_allowed(phone=PHONE, now=at + dt.timedelta(seconds=60)) is None


def test_the_right_code_not_yet_used_up_costs_no_try_and_stays_valid(django_capture_on_commit_callbacks):
    """SPEC §9: used up only by a successful action; a refused action with the right code costs no try."""
    _issue(django_capture_on_commit_callbacks, purpose="claim")
    code = last_code(PHONE)
    for _ in range(MAX_TRIES + 1):  # more checks than tries: the right code never counts one
        otp_id = code_verify(phone=PHONE, purpose="claim", code=code, now=NOW, consume=False)
    otp = OneTimeCode.objects.get()
    assert (otp.pk, otp.attempts, otp.used_at) == (otp_id, 0, None)
    code_consume(otp_id=otp_id, now=NOW)
    with pytest.raises(Refusal) as refusal:
        code_verify(phone=PHONE, purpose="claim", code=code, now=NOW, consume=False)
    assert refusal.value.code == "code_missing"
