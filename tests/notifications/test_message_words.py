"""Issue 11: what the SMS say, in Kazakh and Russian — the grant's window (from 07:00), places and
link; what a code is for; what a decline or an expiry costs (SPEC §7 strikes); one word for the
benefit and another for priority access; names in the recipient's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from notifications.delivery import message_render
from notifications.models import Message, OutboxSms
from notifications.services import sms_send_code
from notifications.texts import SMS_MAX_SEGMENTS, message_text, sms_fit, sms_segments
from placements.application_actions import application_withdraw, benefit_reject
from placements.bulletin import bulletin_publish
from placements.directions import direction_cancel
from placements.expiry import directions_expire
from placements.models import Group, Kindergarten
from placements.seats import seat_release
from queues.models import Locality
from queues.services import application_file
from tests.factories import BULLETIN_AT, OPEN_AT, PRIORITY_UNTIL, RELEASED_AT, astana, direction_issue, seats_publish

pytestmark = pytest.mark.django_db
SITE = "https://indigo.example.kz"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def temirtau() -> Locality:
    return Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")


@pytest.fixture
def arman(temirtau) -> Group:
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", name_kk="«Арман» бөбекжайы", locality=temirtau)
    return Group.objects.create(code="arman-2", kindergarten=kindergarten, name="Цыплята", name_kk="Балапан", age_from=2, age_to=3, language="kk")


def _file(locality: Locality, language: str, serial: int = 1, **kwargs):
    from core.iin import iin_build

    return application_file(
        child_iin=iin_build(astana(2022, 3, 4).date(), serial=serial * 10),
        locality_code=locality.code,
        phone="77011234567",
        child_last_name="Омарова",
        child_first_name="Айгерим",
        language=language,
        now=astana(2024, 5, 2, 10),
        **kwargs,
    )


def _last(application, event: str) -> Message:
    return Message.objects.filter(application=application, event=event).order_by("-id").first()


# --- the grant (SPEC §6) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words", "place", "not_place"),
    [
        ("kk", ["басым қолжетімділік", "Жолдама алу"], "«Арман» бөбекжайы (Балапан)", "Ясли-сад"),
        ("ru", ["приоритетный доступ", "Получить направление"], "Ясли-сад «Арман» (Цыплята)", "бөбекжайы"),
    ],
)
def test_the_grant_sms_says_from_07_00_until_when_where_and_links_to_the_cabinet(catalogs, site, temirtau, arman, language, words, place, not_place):
    application = _file(temirtau, language)
    seats_publish(group=arman, count=2)  # released Sunday, published 18:00, open Monday 07:00

    message = _last(application, "grant_opened")
    text = message_render(message)

    assert "07:00 03.06" in text  # SPEC §5: open_at, the first 07:00 after the bulletin
    assert "07:00 06.06.2024" in text  # priority_until: 3 working days later
    assert f"{SITE}/cabinet/" in text
    assert place in text and not_place not in text  # the recipient's language for every name
    for word in words:
        assert word in text
    assert "первоочеред" not in text and "бірінші кезек" not in text  # the benefit's word, not this one's
    assert message.context["seats"] == 2
    assert sms_segments(text) <= 3


def test_a_grant_sms_with_many_places_shortens_them_and_keeps_the_window_and_link(catalogs, site, temirtau, arman):
    application = _file(temirtau, "ru")
    for n in range(6):
        kindergarten = Kindergarten.objects.create(code=f"k{n}", name=f"КГКП «Ясли-сад №{n} отдела образования города Темиртау»", locality=temirtau)
        group = Group.objects.create(code=f"k{n}-2", kindergarten=kindergarten, name=f"Старшая группа {n}", age_from=2, age_to=3, language="ru")
        seat_release(group=group, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)

    text = message_render(_last(application, "grant_opened"))
    assert sms_segments(text) == 3
    assert "…" in text
    assert "07:00 03.06" in text and text.endswith(f"{SITE}/cabinet/")


# --- one-time codes (SPEC §9) ----------------------------------------------------------------------

PURPOSE_WORDS = {
    "login": ("кабинетке кіру", "для входа в кабинет", "to log in"),
    "password_reset": ("құпиясөзді қалпына келтіру", "для восстановления пароля", "to reset the password"),
    "apply_phone": ("телефонды растау", "для подтверждения телефона", "to confirm the phone"),
    "apply_cabinet": ("өтініш беру", "для подачи заявления", "to file an application"),
    "phone_change": ("телефон нөмірін өзгерту", "для смены номера телефона", "to change the phone number"),
    "claim": ("жолдама алу", "для получения направления", "to get a direction"),
    "extend": ("жолдаманы ұзарту", "для продления направления", "to extend the direction"),
    "cancel": ("жолдамадан бас тарту", "для отказа от направления", "to decline the direction"),
    "withdraw": ("өтінішті кері қайтарып алу", "для отзыва заявления", "to withdraw the application"),
}


@pytest.mark.parametrize("purpose", sorted(PURPOSE_WORDS))
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_code_sms_says_what_the_code_is_for(catalogs, purpose, language):
    kk, ru, en = PURPOSE_WORDS[purpose]
    with translation.override(language):
        text = sms_fit("code", {"code": "482915", "purpose": purpose})

    assert "482915" in text
    assert {"kk": kk, "ru": ru, "en": en}[language] in text
    assert sms_segments(text) == 1  # codes are the most frequent SMS: one segment (the page says 5 minutes)


def test_every_purpose_has_its_own_code_text(catalogs):
    from accounts.models import OneTimeCode

    for language in ("kk", "ru"):
        with translation.override(language):
            texts = {message_text("code", {"code": "1", "purpose": p}) for p in OneTimeCode.Purpose.values}
        assert len(texts) == len(OneTimeCode.Purpose.values)


CLAIM_CODE = {"kk": "жолдама алу коды: 482915 («Арман» бөбекжайы)", "ru": "код 482915 для получения направления (Ясли-сад «Арман»)"}


@pytest.mark.parametrize(("language", "expected"), sorted(CLAIM_CODE.items()))
def test_a_claim_code_names_the_kindergarten_in_the_applicant_language(catalogs, django_capture_on_commit_callbacks, arman, language, expected):
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        sms_send_code(
            phone="77011234567",
            code="482915",
            language=language,
            now=timezone.now(),
            purpose="claim",
            about={"kindergarten": arman.kindergarten.display_name(language)},
        )

    [sms] = OutboxSms.objects.all()
    assert expected in sms.text


# --- a direction's end: strikes (SPEC §7) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("kk", "кезекке қайта қойылды; пайдаланылмаған жолдама: 2-ден 1-і", "2-ден 2-і, №{number} өтініш кезектен шығарылды"),
        ("ru", "снова в очереди; неиспользованных направлений: 1 из 2", "2 из 2, заявление №{number} снято с очереди"),
        ("en", "back in the queue; strike 1 of 2", "Strike 2 of 2: application No. {number} is removed from the queue"),
    ],
)
def test_a_declined_direction_says_back_in_the_queue_strike_1_of_2_then_removed_at_2_of_2(catalogs, temirtau, language, first, second):
    application = _file(temirtau, language)
    direction = direction_issue(application=application)
    direction_cancel(application=application, now=PRIORITY_UNTIL)
    text = message_render(_last(application, "direction_cancelled"))
    assert str(direction.number) in text and first in text

    again = {"released_at": astana(2024, 6, 10, 12), "published_at": astana(2024, 6, 10, 18), "now": astana(2024, 6, 14, 7)}
    second_direction = direction_issue(application=application, **again)
    direction_cancel(application=application, now=astana(2024, 6, 14, 8))
    text = message_render(_last(application, "direction_cancelled"))
    assert str(second_direction.number) in text and second.format(number=application.number) in text
    application.refresh_from_db()
    assert application.status == "archived"  # what the SMS said


@pytest.mark.parametrize(("language", "words"), [("kk", "мерзімі өтті"), ("ru", "истёк"), ("en", "has expired")])
def test_an_expired_direction_says_back_in_the_queue_strike_1_of_2(catalogs, temirtau, language, words):
    application = _file(temirtau, language)
    direction = direction_issue(application=application)
    directions_expire(now=direction.valid_until)

    text = message_render(_last(application, "direction_expired"))
    assert words in text
    assert {"kk": "2-ден 1-і", "ru": "1 из 2", "en": "strike 1 of 2"}[language] in text
    assert sms_segments(text) <= SMS_MAX_SEGMENTS


def test_a_withdrawal_cancels_the_direction_without_a_strike_in_its_message(catalogs, temirtau):
    application = _file(temirtau, "ru")
    direction_issue(application=application)
    application_withdraw(application=application, now=PRIORITY_UNTIL)

    text = message_render(_last(application, "direction_cancelled"))
    assert text.endswith("отменено.")
    assert "из 2" not in text


@pytest.mark.parametrize(("language", "word", "other"), [("kk", "күші жойылды", "бас тартылды"), ("ru", "аннулировано", "отменено")])
def test_a_revoked_direction_uses_its_own_word_not_the_decline_word(catalogs, temirtau, language, word, other):
    application = _file(temirtau, language, benefit="priority", benefit_category="large_family")
    direction_issue(application=application)
    benefit_reject(application=application, now=PRIORITY_UNTIL)

    text = message_render(_last(application, "direction_revoked"))
    assert word in text and other not in text
    assert "из 2" not in text and "2-ден" not in text  # SPEC §7: no strike


def test_the_grant_window_in_the_sms_is_the_seats_window():
    # Guards the factories' timeline the texts above rely on.
    assert (OPEN_AT.hour, OPEN_AT.day, PRIORITY_UNTIL.day) == (7, 3, 6)
