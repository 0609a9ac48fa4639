"""Kazakhstan mobile numbers, the one module: normalized as they are stored, checked for a form,
masked as logs and pages may show them (and e-mail addresses as the gateway logs them).

Accounts, queues and notifications all call these; their forms keep only the field glue."""

from __future__ import annotations

import re

import phonenumbers
from django import forms

from core.errors import Refusal

# ASCII only: `\D` would keep fullwidth or Arabic-Indic digits, a second spelling of one number.
_NON_DIGITS = re.compile(r"[^0-9]+")


def phone_normalize(phone: str) -> str:
    """The one form of a Kazakhstan mobile number, which every phone is stored and limited by:
    E.164 without the `+`, 11 ASCII digits (`+7 701 123 45 67`, `8 (701) 123-45-67`, `7011234567`,
    `+7 ７０１ …` and `+٧ ٧٠١ …` all become `77011234567`). Refusal `invalid_phone` for anything
    else: a landline, a Russian number (also +7), an extension, letters."""
    phone = phone or ""
    # Letters are an extension ("доб. 5", "ext 5") or a vanity spelling, never a mobile number.
    if any(c.isalpha() for c in phone):
        raise Refusal("invalid_phone")
    try:
        number = phonenumbers.parse(phone, "KZ")
    except phonenumbers.NumberParseException:
        raise Refusal("invalid_phone") from None
    if number.extension or not phonenumbers.is_valid_number_for_region(number, "KZ") or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise Refusal("invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


def phone_clean(value: str, *, required: bool = True) -> str:
    """phone_normalize for a form's `clean_<field>`: the refusal becomes the field's error, with
    its message and code (`invalid_phone`). An optional field left blank stays ""."""
    if not required and not (value or "").strip():
        return ""
    try:
        return phone_normalize(value)
    except Refusal as refusal:
        raise forms.ValidationError(refusal.message, code=refusal.code) from refusal


def phone_digits(phone: str) -> str:
    """Kazakhstan mobile numbers in the international form, digits only: `+7 (701) 123-45-67`,
    `87011234567` and `7011234567` all become `77011234567` (the form Mobizon's `recipient` takes).
    Anything else keeps its ASCII digits (a foreign number in a log line)."""
    try:
        return phone_normalize(phone)
    except Refusal:
        pass
    digits = _NON_DIGITS.sub("", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    if len(digits) == 10 and digits.startswith("7"):
        return "7" + digits
    return digits


def phone_masked(phone: str) -> str:
    """`7701*****67`: the operator prefix and the last two digits, enough to tell numbers apart."""
    digits = phone_digits(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def phone_hidden(phone: str) -> str:
    """`+7 701 *** ** 67`: enough for the parent to recognise their number on a shared screen."""
    return f"+{phone[:1]} {phone[1:4]} *** ** {phone[-2:]}" if len(phone) == 11 else "***"


def recipient_masked(recipient: str) -> str:
    """A phone or an e-mail address with most of it hidden (SPEC §8: never a phone in the open)."""
    if "@" in (recipient or ""):
        local, _, domain = recipient.partition("@")
        return (local[:1] or "*") + "***@" + domain
    return phone_masked(recipient)
