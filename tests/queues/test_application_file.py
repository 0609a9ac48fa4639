"""SPEC §3: filing an application — registration, the refusals and the order they are checked in."""

import datetime as dt

import pytest

from core.errors import Refusal
from core.iin import iin_build, iin_check_digit
from placements.application_actions import application_withdraw
from placements.directions import direction_enroll
from queues.models import Application
from queues.services import application_file
from tests.factories import FILED_AT, ApplicationFactory, LocalityFactory, astana, direction_issue, reloaded
from tests.numbers import numbers_restart

pytestmark = pytest.mark.django_db


def _file(locality, **kwargs):
    kwargs.setdefault("now", FILED_AT)
    return application_file(locality_code=locality.code, **kwargs)


def _refusal(locality, **kwargs) -> str:
    with pytest.raises(Refusal) as refused:
        _file(locality, **kwargs)
    return refused.value.code


def _iin_with(first11: str) -> str:
    check = iin_check_digit(first11)
    assert check is not None
    return f"{first11}{check}"


def _bad_checksum(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


def _eleven_digits_without_check_digit(prefix: str) -> str:
    """11 digits for which both checksum passes give 10: no 12th digit makes them a valid IIN."""
    for serial in range(10000):
        first11 = f"{prefix}{serial:04d}"
        if iin_check_digit(first11) is None:
            return first11
    raise AssertionError("no such serial")


# --- registration ------------------------------------------------------------------------------


@pytest.fixture
def fresh_numbers():
    """Application numbers start again at 1 (tests.numbers)."""
    numbers_restart()


def test_filing_registers_a_queued_application_from_the_iin(fresh_numbers):
    locality = LocalityFactory()
    application = _file(locality, child_iin=iin_build(dt.date(2022, 3, 4)), benefit="priority", benefit_category="large_family")
    assert application.status == "queued"
    assert application.number == 1
    assert application.child_birth_date == dt.date(2022, 3, 4)
    assert application.birth_year == 2022
    assert application.filed_at == FILED_AT
    assert application.benefit_status == "claimed"
    assert application.queue_kinds == ["general"]


def test_applications_are_numbered_in_filing_order(fresh_numbers):
    locality = LocalityFactory()
    numbers = [ApplicationFactory(locality=locality).number for _ in range(3)]
    assert numbers == [1, 2, 3]


def test_an_application_without_a_benefit_has_no_benefit_status():
    assert ApplicationFactory(benefit="none").benefit_status is None


def test_a_child_with_sen_and_pmpk_stands_in_the_special_and_sanatorium_queues_as_well():
    application = ApplicationFactory(sen_pmpk=True, queues=("special", "sanatorium"))
    assert application.queue_kinds == ["general", "special", "sanatorium"]


def test_every_application_stands_in_the_general_queue_even_if_not_asked():
    application = ApplicationFactory(sen_pmpk=True, queues=("special",))
    assert application.queue_kinds == ["general", "special"]


def test_a_child_born_on_the_filing_day_in_astana_time_may_apply():
    # 20:30 UTC on 2 May is already 01:30 on 3 May in Astana.
    now = dt.datetime(2024, 5, 2, 20, 30, tzinfo=dt.UTC)
    application = _file(LocalityFactory(), child_iin=iin_build(dt.date(2024, 5, 3)), now=now)
    assert application.child_birth_date == dt.date(2024, 5, 3)


# --- invalid_iin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "child_iin",
    [
        pytest.param("22030450123", id="eleven digits"),
        pytest.param("2203045012345", id="thirteen digits"),
        pytest.param("22030450123X", id="a letter"),
        pytest.param("", id="empty"),
    ],
)
def test_filing_refuses_an_iin_that_is_not_12_digits(child_iin):
    assert _refusal(LocalityFactory(), child_iin=child_iin) == "invalid_iin"


def test_filing_refuses_an_iin_whose_check_digit_is_wrong():
    assert _refusal(LocalityFactory(), child_iin=_bad_checksum(iin_build(dt.date(2022, 3, 4)))) == "invalid_iin"


def test_filing_refuses_an_iin_for_which_both_checksum_passes_give_10():
    first11 = _eleven_digits_without_check_digit("2203045")
    locality = LocalityFactory()
    for last in "0123456789":
        assert _refusal(locality, child_iin=first11 + last) == "invalid_iin"


def test_an_iin_valid_only_by_the_second_weights_is_accepted():
    # First pass gives 10, the second pass (weights 3..11,1,2) gives the check digit.
    for serial in range(10000):
        first11 = f"2203045{serial:04d}"
        if sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11 == 10 and iin_check_digit(first11) is not None:
            break
    application = _file(LocalityFactory(), child_iin=_iin_with(first11))
    assert application.child_birth_date == dt.date(2022, 3, 4)


@pytest.mark.parametrize("century_digit", ["0", "7", "8", "9"])
def test_filing_refuses_an_iin_with_an_invalid_century_digit(century_digit):
    assert _refusal(LocalityFactory(), child_iin=_iin_with(f"220304{century_digit}0123")) == "invalid_iin"


def test_the_century_digit_decides_the_birth_year():
    # 7th digit 3: the 1900s — 04.03.1922, far over age; the refusal proves the date was read as 1922.
    assert _refusal(LocalityFactory(), child_iin=_iin_with("2203043" + "0123")) == "over_age"


@pytest.mark.parametrize(
    "first6",
    [
        pytest.param("220230", id="30 February"),
        pytest.param("221301", id="month 13"),
        pytest.param("220400", id="day 0"),
        pytest.param("230229", id="29.02 of 2023"),
    ],
)
def test_filing_refuses_an_iin_whose_date_is_not_a_real_date(first6):
    assert _refusal(LocalityFactory(), child_iin=_iin_with(f"{first6}50123")) == "invalid_iin"


def test_filing_refuses_an_iin_whose_date_is_after_the_filing_day():
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2024, 5, 3)), now=astana(2024, 5, 2, 23, 59)) == "invalid_iin"


def test_the_future_date_check_uses_the_filing_day_in_astana_time():
    # 18:30 UTC on 1 May is 23:30 on 1 May in Astana: a child born on 2 May is not born yet.
    now = dt.datetime(2024, 5, 1, 18, 30, tzinfo=dt.UTC)
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2024, 5, 2)), now=now) == "invalid_iin"


def test_filing_refuses_an_iin_written_with_non_ascii_digits():
    locality = LocalityFactory()
    iin = iin_build(dt.date(2022, 3, 4))
    fullwidth_year = "".join(chr(ord(c) + 0xFEE0) for c in iin[:2]) + iin[2:]
    assert _refusal(locality, child_iin=fullwidth_year) == "invalid_iin"


def test_filing_refuses_an_iin_with_a_superscript_check_digit():
    iin = iin_build(dt.date(2022, 3, 4))
    assert _refusal(LocalityFactory(), child_iin=iin[:11] + "²") == "invalid_iin"


# --- birth_date_mismatch -----------------------------------------------------------------------


def test_filing_refuses_a_birth_date_that_differs_from_the_iin():
    refused = _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2022, 3, 4)), birth_date=dt.date(2022, 3, 5))
    assert refused == "birth_date_mismatch"


def test_filing_accepts_a_birth_date_equal_to_the_iin():
    application = _file(LocalityFactory(), child_iin=iin_build(dt.date(2022, 3, 4)), birth_date=dt.date(2022, 3, 4))
    assert application.child_birth_date == dt.date(2022, 3, 4)


# --- over_age ----------------------------------------------------------------------------------


def test_filing_refuses_a_child_six_years_old_on_the_reference_date():
    # Filed 02.05.2024: E = 2023, R = 01.09.2023; born 01.09.2017 is 6 that day.
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2017, 9, 1))) == "over_age"


def test_filing_accepts_a_child_who_turns_six_the_day_after_the_reference_date():
    application = _file(LocalityFactory(), child_iin=iin_build(dt.date(2017, 9, 2)))
    assert application.status == "queued"


def test_filing_accepts_an_over_age_child_with_sen_and_a_pmpk_conclusion():
    application = _file(LocalityFactory(), child_iin=iin_build(dt.date(2017, 9, 1)), sen_pmpk=True)
    assert application.status == "queued"


def test_sen_without_a_pmpk_flag_gives_no_over_age_exception():
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2017, 9, 1)), benefit="priority", benefit_category="sen") == "over_age"


def test_the_reference_date_moves_on_1_june_at_midnight_astana_time():
    # Born 15.06.2018: 5 on 01.09.2023, 6 on 01.09.2024.
    locality = LocalityFactory()
    child_iin = iin_build(dt.date(2018, 6, 15))
    assert _refusal(locality, child_iin=child_iin, now=astana(2024, 6, 1, 0, 0)) == "over_age"
    assert _refusal(locality, child_iin=child_iin, now=dt.datetime(2024, 5, 31, 19, 0, tzinfo=dt.UTC)) == "over_age"
    application = _file(locality, child_iin=child_iin, now=astana(2024, 5, 31, 23, 59, 59))
    assert application.status == "queued"


# --- duplicate ---------------------------------------------------------------------------------


def test_filing_refuses_a_child_whose_application_is_queued():
    first = ApplicationFactory()
    assert _refusal(first.locality, child_iin=first.child_iin) == "duplicate"


def test_filing_refuses_a_child_whose_application_holds_a_direction():
    first = ApplicationFactory()
    direction_issue(application=first)
    assert _refusal(first.locality, child_iin=first.child_iin, now=astana(2024, 6, 7)) == "duplicate"


def test_filing_refuses_a_child_whose_application_is_enrolled():
    first = ApplicationFactory()
    direction_issue(application=first)
    direction_enroll(application=first, now=astana(2024, 6, 7))
    assert _refusal(first.locality, child_iin=first.child_iin, now=astana(2024, 6, 8)) == "duplicate"


def test_a_child_whose_application_was_withdrawn_may_apply_again():
    first = ApplicationFactory()
    application_withdraw(application=first, now=astana(2024, 5, 3))
    second = _file(first.locality, child_iin=first.child_iin, now=astana(2024, 5, 4))
    assert second.status == "queued"
    assert second.number == first.number + 1


def test_a_child_archived_after_two_strikes_may_apply_again():
    from placements.directions import direction_cancel

    first = ApplicationFactory()
    direction_issue(application=first)
    direction_cancel(application=first, now=astana(2024, 6, 7))
    direction_issue(application=first, released_at=astana(2024, 6, 7, 10), published_at=astana(2024, 6, 7, 18), now=astana(2024, 6, 13, 7))
    direction_cancel(application=first, now=astana(2024, 6, 13, 8))
    assert reloaded(first).status == "archived"
    second = _file(first.locality, child_iin=first.child_iin, now=astana(2024, 6, 14))
    assert second.status == "queued"


# --- unknown_locality, pmpk_required -----------------------------------------------------------


def test_filing_refuses_an_unknown_locality():
    with pytest.raises(Refusal) as refused:
        application_file(child_iin=iin_build(dt.date(2022, 3, 4)), locality_code="atlantis", now=FILED_AT)
    assert refused.value.code == "unknown_locality"


@pytest.mark.parametrize("queues", [("special",), ("sanatorium",), ("general", "special", "sanatorium")])
def test_filing_refuses_special_queues_without_sen_and_pmpk(queues):
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2022, 3, 4)), queues=queues) == "pmpk_required"


# --- order of the checks, nothing saved --------------------------------------------------------


def test_an_invalid_iin_is_refused_before_a_birth_date_mismatch():
    bad = _bad_checksum(iin_build(dt.date(2022, 3, 4)))
    assert _refusal(LocalityFactory(), child_iin=bad, birth_date=dt.date(2021, 1, 1)) == "invalid_iin"


def test_a_birth_date_mismatch_is_refused_before_over_age():
    assert _refusal(LocalityFactory(), child_iin=iin_build(dt.date(2017, 1, 1)), birth_date=dt.date(2017, 1, 2)) == "birth_date_mismatch"


def test_over_age_is_refused_before_duplicate():
    first = ApplicationFactory(child_birth_date=dt.date(2017, 1, 1), sen_pmpk=True)
    assert _refusal(first.locality, child_iin=first.child_iin) == "over_age"


def test_duplicate_is_refused_before_an_unknown_locality():
    first = ApplicationFactory()
    with pytest.raises(Refusal) as refused:
        application_file(child_iin=first.child_iin, locality_code="atlantis", now=FILED_AT)
    assert refused.value.code == "duplicate"


def test_an_unknown_locality_is_refused_before_pmpk_required():
    with pytest.raises(Refusal) as refused:
        application_file(child_iin=iin_build(dt.date(2022, 3, 4)), locality_code="atlantis", queues=("special",), now=FILED_AT)
    assert refused.value.code == "unknown_locality"


def test_a_refused_filing_saves_nothing_and_uses_no_number(fresh_numbers):
    locality = LocalityFactory()
    for kwargs in (
        {"child_iin": "123"},
        {"child_iin": iin_build(dt.date(2017, 1, 1))},
        {"child_iin": iin_build(dt.date(2022, 3, 4)), "queues": ("special",)},
    ):
        with pytest.raises(Refusal):
            _file(locality, **kwargs)
    assert not Application.objects.exists()
    assert ApplicationFactory(locality=locality).number == 1
