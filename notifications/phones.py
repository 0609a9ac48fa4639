"""Phone numbers and e-mail addresses as the gateway wants them and as logs may show them."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")


def phone_digits(phone: str) -> str:
    """Kazakhstan mobile numbers in the international form, digits only: `+7 (701) 123-45-67`,
    `87011234567` and `7011234567` all become `77011234567` (the form Mobizon's `recipient` takes)."""
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


def recipient_masked(recipient: str) -> str:
    """A phone or an e-mail address with most of it hidden (SPEC §8: never a phone in the open)."""
    if "@" in (recipient or ""):
        local, _, domain = recipient.partition("@")
        return (local[:1] or "*") + "***@" + domain
    return phone_masked(recipient)
