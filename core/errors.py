"""Refusals: a service says no with a code from the SPEC and a message in the user's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    # SPEC §3 filing
    "invalid_iin": _("The child's IIN is not valid: it must be 12 digits of a real, past birth date with a correct check digit."),
    "invalid_applicant_iin": _("The applicant's IIN is not valid: it must be 12 digits with a correct check digit."),
    "birth_date_mismatch": _("The birth date differs from the one encoded in the child's IIN."),
    "over_age": _(
        "The child will be 6 years old or older on 1 September: applications are accepted for younger children only (except SEN with a PMPK conclusion)."
    ),
    # The wizard's over_age, said at the IIN step with the birth years it accepts (issue 11)
    "over_age_birth_years": _(
        "Ages are counted on %(reference)s, and on that day the child is 6 years old or older. Applications are accepted for children born on "
        "%(earliest)s or later (birth years %(first_year)d–%(last_year)d); a child with special educational needs and a PMPK conclusion is accepted at any age."
    ),
    "duplicate": _("This child already has an active application."),
    "unknown_locality": _("There is no such locality."),
    "pmpk_required": _("The special and sanatorium queues are only for children with special educational needs and a PMPK conclusion."),
    "invalid_benefit_category": _("This category does not belong to the chosen benefit."),
    # benefits
    "unknown_application": _("There is no such application."),
    "benefit_not_pending": _("The benefit of this application is not awaiting a decision."),
    # SPEC §5 seats
    "unknown_group": _("There is no such group."),
    "unknown_seat": _("There is no such seat."),
    "age_mismatch": _("This birth year does not fit the group's age range in the current enrollment year."),
    "invalid_count": _("The number of seats must be a whole number, at least 1."),
    "seat_not_withdrawable": _("Only a seat that has not been claimed can be withdrawn."),
    # Issue 11: the group's capacity bounds a release; bulk withdrawal
    "over_capacity": _(
        "The group cannot hold that many: its capacity is %(capacity)d, and with the enrolled children and the seats already released "
        "it can take at most %(room)d more."
    ),
    "no_seats_chosen": _("Choose at least one seat to withdraw."),
    "withdrawal_reason_required": _("Write why the seats are withdrawn."),
    "pairing_code_unknown": _(
        "No kiosk screen shows this code now, or it has expired (a code is valid for 10 minutes). "
        "Check it, or open the kiosk page on the screen for a new code."
    ),
    "seats_not_withdrawable": _("Nothing was withdrawn: these seats are claimed, enrolled, already withdrawn or of another group: %(seats)s."),
    # SPEC §7 claims and directions
    "not_queued": _("The application is not waiting in the queue: it already holds a direction, is enrolled, withdrawn or archived."),
    "not_eligible": _("This group is not in your locality or not of a queue your application stands in."),
    "not_open_yet": _("Seats of this group for your child's birth year are published but not open yet: they open at 07:00."),
    "no_access": _("The free seats of this group are in priority access now, and your application holds no priority access to them."),
    "no_seat": _("There is no free seat in this group for your child's birth year."),
    "no_direction": _("The application holds no active direction."),
    "already_extended": _("The direction has already been extended once."),
    "extension_closed": _("A direction can be extended only within the first four working days."),
    "benefit_unconfirmed": _("The benefit must be confirmed by the education department before enrollment."),
    "contract_date_future": _("The contract date cannot be in the future."),
    "contract_date_before_issue": _("The contract date cannot be earlier than the day the direction was issued."),
    # SPEC §10 kindergarten operators
    "direction_not_active": _("This direction is no longer active: it was enrolled, expired, cancelled or revoked."),
    "documents_note_required": _("Write which documents are missing."),
    "not_active": _("Only an application that is in the queue or holds a direction can be withdrawn."),
    # Parent cabinet: phone change (SPEC §3)
    "not_live": _("The application is withdrawn or archived: its phone numbers can no longer be changed."),
    "same_phones": _("The two mobile phones must be different."),
    # SPEC §9 one-time codes, SPEC §10 cabinets
    # Kazakhstan shares +7 with Russia: a Russian mobile or a landline is refused too (issue 11).
    "invalid_phone": _(
        "This is not a mobile number of a Kazakhstan operator: codes and messages cannot be sent to a landline or a foreign number (Russian ones also "
        "start with +7). Enter a Kazakhstan mobile number, e.g. +7 701 123 45 67."
    ),
    # Both say when the next code can be sent (local time, accounts/otp.py).
    "code_too_soon": _("A code was sent less than a minute ago. A new code can be sent at %(at)s."),
    "code_limit": _("Five codes were sent to this phone in the last hour. A new code can be sent at %(at)s."),
    "code_missing": _("Ask for a code first."),
    "code_expired": _("The code has expired (codes are valid for 5 minutes). Ask for a new one."),
    "code_exhausted": _("The code was entered wrongly too many times. Ask for a new one."),
    "code_wrong": _("The code is not correct. Check the SMS and try again."),
    "no_cabinet_application": _("No application is registered with this IIN as the applicant. File an application first."),
    "cabinet_blocked": _("This cabinet is blocked until %(until)s: %(reason)s"),
    "cabinet_locked": _("Too many wrong passwords. The cabinet is locked for 15 minutes, until %(until)s."),
    "wrong_password": _("The password is not correct."),
    "password_not_set": _("Set a password first."),
    "weak_password": _("Choose a stronger password: %(reasons)s"),
    # Benefit documents: the limits per application (queues/documents.py)
    "too_many_documents": _("At most %(count)d documents can be attached to one application. The others were not attached."),
    "documents_too_large": _("The documents of one application may take at most %(total)d MB together. The files that did not fit were not attached."),
    # One-time form tokens (core/once.py)
    "form_resent": _("This form was already sent; nothing was done twice."),
    "form_token_invalid": _("This form is out of date or did not come from this portal's page. Check it and send it again."),
    # SPEC §9: the broker did not take the code's SMS; nothing was sent and nothing counts.
    "code_not_sent": _("We could not send the code right now. Please try again in a minute."),
    # Cabinet takeover (issue 8): a cabinet's phones are its own; who may file for a cabinet's IIN
    "no_cabinet_phone": _("This cabinet has no mobile phone to send a code to. Please come to the education department with your identity document."),
    "password_already_set": _("This cabinet already has a password: log in with it, or use “Forgot the password?” to set a new one."),
    "cabinet_exists": _("This IIN already has a personal cabinet. Log in to it to file the application, or confirm with the code sent to the cabinet's phone."),
    "identity_mismatch": _(
        "The first mobile phone is not registered to this IIN. Use a phone registered to the applicant, or apply at the education department."
    ),
    "applicant_not_cabinet": _("In your cabinet you apply as its owner: the applicant's IIN is your cabinet's IIN. To apply for someone else, log out first."),
    "phone_unchanged": _("This number is already the one in your cabinet."),
    "rate_limited": _("Too many requests. Please wait a minute and try again."),
    # Second factor of staff and operators (accounts/twofactor.py)
    "second_factor_wrong": _("The code is not correct. Check it and try again."),
    "second_factor_throttled": _("Too many wrong codes. You can try again after %(at)s."),
    "second_factor_enrolled": _("An authenticator app is already set up for this account: enter a code from it."),
    "second_factor_missing": _("Set up the authenticator app first."),
    "bad_document": _("Attach a PDF, JPEG or PNG file of at most 5 MB."),
    # Issue 11, item 6: staff corrections of phones and IINs (queues/desk.py)
    "reason_required": _("Write the reason for the change."),
    "nothing_changed": _("Nothing was changed: the values are the ones the application already has."),
    "cabinet_other_family": _("This IIN has a personal cabinet with other phones: the application cannot be moved into another family's cabinet."),
}


class Refusal(Exception):
    """A rule said no. Nothing was changed (the service's transaction rolls back)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        text = str(MESSAGES.get(self.code, self.code))
        return text % self.params if self.params else text
