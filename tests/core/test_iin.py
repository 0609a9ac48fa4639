"""SPEC §3 IIN: 12 digits, YYMMDD, a century/sex digit, the check digit in one or two passes.

Every expected verdict is worked out by hand in the comment next to it, never by the code under test.
"""

import datetime as dt
import random

import pytest

from core.iin import iin_birth_date, iin_build, iin_check_digit, iin_is_valid

# The SPEC §11 example child: 22-03-04, 7th digit 6 (2000s, girl), serial 0123.
# Pass 1: 2·1 + 2·2 + 0·3 + 3·4 + 0·5 + 4·6 + 6·7 + 0·8 + 1·9 + 2·10 + 3·11 = 146; 146 mod 11 = 3.
SPEC_CHILD = "220304601233"


def _with_check_digit(first11: str) -> str:
    check = iin_check_digit(first11)
    assert check is not None, first11
    return f"{first11}{check}"


def test_spec_example_child_is_valid_and_born_on_4_march_2022():
    assert iin_check_digit(SPEC_CHILD[:11]) == 3
    assert iin_is_valid(SPEC_CHILD)
    assert iin_birth_date(SPEC_CHILD) == dt.date(2022, 3, 4)


@pytest.mark.parametrize("wrong", ["0", "1", "2", "4", "5", "9"])
def test_a_wrong_check_digit_is_invalid(wrong):
    assert not iin_is_valid(SPEC_CHILD[:11] + wrong)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "22030460123",  # 11 digits
        "2203046012330",  # 13 digits
        "22030460123a",
        "2203046O1233",  # a letter O for a zero
        "220304-01233",
        " 22030460123",
        "22030460123 ",
        "2203 4601233",
        "２２０３０４６０１２３３",  # full-width digits
    ],
)
def test_not_twelve_ascii_digits_is_invalid(value):
    assert not iin_is_valid(value)
    assert iin_birth_date(value) is None


@pytest.mark.parametrize("value", ["٢٢٠٣٠٤6٠١٢٣٣", "2203046012²3"])
def test_non_ascii_digits_are_invalid_and_do_not_crash(value):
    # Arabic-Indic digits with an ASCII 7th digit; a superscript two in the serial.
    assert iin_is_valid(value) is False
    assert iin_birth_date(value) is None


@pytest.mark.parametrize("century_digit", ["0", "7", "8", "9"])
def test_century_digit_0_7_8_9_is_invalid_even_with_a_matching_check_digit(century_digit):
    first11 = f"220304{century_digit}0123"
    check = iin_check_digit(first11)
    if check is None:  # pragma: no cover - not the case for these four prefixes
        pytest.skip("no check digit for this prefix")
    assert not iin_is_valid(f"{first11}{check}")
    assert iin_birth_date(f"{first11}{check}") is None


@pytest.mark.parametrize(
    ("seventh", "year", "female"),
    [("1", 1822, False), ("2", 1822, True), ("3", 1922, False), ("4", 1922, True), ("5", 2022, False), ("6", 2022, True)],
)
def test_century_and_sex_digit_gives_the_century(seventh, year, female):
    iin = _with_check_digit(f"220304{seventh}0123")
    assert iin_is_valid(iin)
    assert iin_birth_date(iin) == dt.date(year, 3, 4)
    assert (int(iin[6]) % 2 == 0) is female


@pytest.mark.parametrize(
    "first11",
    [
        "31023050123",  # 30 February 2031
        "23022950123",  # 29 February 2023 (not a leap year)
        "22130450123",  # month 13
        "22000450123",  # month 0
        "22043150123",  # 31 April
        "22030050123",  # day 0
    ],
)
def test_an_impossible_date_is_invalid(first11):
    for check in range(10):
        assert not iin_is_valid(f"{first11}{check}")
    assert iin_birth_date(f"{first11}0") is None


def test_29_february_of_a_leap_year_is_a_real_date():
    iin = _with_check_digit("24022950123")
    assert iin_is_valid(iin)
    assert iin_birth_date(iin) == dt.date(2024, 2, 29)


def test_a_birth_date_after_today_is_invalid_but_born_today_is_fine():
    # SPEC §3: "in the future" means after the filing day.
    assert iin_is_valid(SPEC_CHILD, today=dt.date(2022, 3, 4))
    assert not iin_is_valid(SPEC_CHILD, today=dt.date(2022, 3, 3))
    assert iin_is_valid(SPEC_CHILD, today=dt.date(2026, 11, 22))


def test_second_pass_weights_3_to_11_1_2_decide_when_the_first_gives_10():
    # 22030460080 — pass 1: 2+4+0+12+0+24+42+0+0+80+0 = 164, 164 mod 11 = 10;
    # pass 2 (weights 3,4,5,6,7,8,9,10,11,1,2): 6+8+0+18+0+32+54+0+0+8+0 = 126, 126 mod 11 = 5.
    assert iin_check_digit("22030460080") == 5
    assert iin_is_valid("220304600805")
    for wrong in "012346789":
        assert not iin_is_valid(f"22030460080{wrong}")


def test_both_passes_giving_10_make_every_check_digit_invalid():
    # 22030460088 — pass 1: 2+4+0+12+0+24+42+0+0+80+88 = 252, 252 mod 11 = 10;
    # pass 2: 6+8+0+18+0+32+54+0+0+8+16 = 142, 142 mod 11 = 10: no valid IIN has these 11 digits.
    assert iin_check_digit("22030460088") is None
    for check in range(10):
        assert not iin_is_valid(f"22030460088{check}")


def _dates(start: dt.date, end: dt.date, step_days: int):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=step_days)


@pytest.mark.parametrize("female", [False, True])
def test_iin_build_makes_valid_iins_for_many_dates_of_the_1900s_and_2000s(female):
    rng = random.Random(20261122)
    dates = [*_dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31), 37), dt.date(2000, 2, 29), dt.date(1904, 2, 29), dt.date(1999, 12, 31)]
    for birth in dates:
        iin = iin_build(birth, female=female, rng=rng)
        assert len(iin) == 12 and iin.isascii() and iin.isdigit(), iin
        assert iin_is_valid(iin), iin
        assert iin_birth_date(iin) == birth, iin
        assert iin[6] == {1900: "34", 2000: "56"}[birth.year // 100 * 100][int(female)], iin


def test_iin_build_skips_a_serial_whose_check_digit_would_be_10():
    # Serial 0088 of 04.03.2022, girl, has no check digit (see above): the builder takes the next one.
    iin = iin_build(dt.date(2022, 3, 4), female=True, serial=88)
    assert iin[:11] != "22030460088"
    assert iin_is_valid(iin)
    assert iin_birth_date(iin) == dt.date(2022, 3, 4)


def test_iin_build_with_a_serial_is_reproducible():
    assert iin_build(dt.date(2022, 3, 4), female=True, serial=123) == SPEC_CHILD
