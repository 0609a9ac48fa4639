"""Does this mobile phone belong to this person? The identity check before a new cabinet opens.

A personal cabinet that the web wizard opens (the applicant's IIN had none) takes the two phones
confirmed in the wizard; from then on every code of the cabinet goes to them. An SMS code only proves
that the parent holds the phone, not that the phone is theirs: someone could file with their own
phones and somebody else's IIN. So before the cabinet opens, the backend named by the
`IDENTITY_BACKEND` setting is asked whether the first phone belongs to the applicant's IIN.

This is where the education department's gateway to Kazakhstan's mobile-citizens database plugs in
(the register that ties a mobile number to an IIN, as eGov's SMS confirmation uses it): a class with
`phone_belongs_to(*, iin, phone) -> bool`, named in `IDENTITY_BACKEND` (environment variable of the
same name). It must answer False when the register says the number is someone else's; what to do
when the register cannot be reached (refuse, or let the filing through to be checked by staff) is
the department's decision to make in that class.

`DemoIdentityBackend`, the default, accepts every phone: for development and the demo only.
Staff filings (walk-in, import) do not ask: the applicant's identity was seen in person.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class IdentityBackend(Protocol):
    def phone_belongs_to(self, *, iin: str, phone: str) -> bool:
        """True when the mobile number (11 digits, 7XXXXXXXXXX) is registered to the IIN."""
        ...


class DemoIdentityBackend:
    """Accepts everything: no register to ask in development and in the demo."""

    def phone_belongs_to(self, *, iin: str, phone: str) -> bool:
        return True


def identity_backend() -> IdentityBackend:
    return import_string(settings.IDENTITY_BACKEND)()
