"""Message texts (SPEC §9) in Kazakh, Russian and English, short enough for two SMS segments."""

from __future__ import annotations

import re

import polib
import pytest
from django.utils import translation

from notifications.models import Event
from notifications.texts import SMS_SEGMENTS_FOR, message_text, sms_fit, sms_segments
from tests.notifications.conftest import APP_LOCALE

# Realistic values at their longest usual length.
CONTEXTS = {
    "registered": {"number": 20240012345},
    "benefit_rejected": {"number": 20240012345, "reason": "нет справки"},
    "grant_opened": {
        "number": 20240012345,
        "from": "07:00 03.06",
        "until": "07:00 06.06.2024",
        "seats": 3,
        "places": "Ясли-сад №9 «Арман» (Балапан 2–3)",
        "link": "https://indigo.example.kz/cabinet/",
    },
    "direction_issued": {"direction": 123456, "kindergarten": "Ясли-сад №9 «Арман»", "group": "Балапан 2–3", "valid_until": "19.09.2019 17:02"},
    "direction_expiring": {"direction": 123456, "valid_until": "19.09.2019 17:02"},
    "direction_extended": {"direction": 123456, "kindergarten": "Ясли-сад №9 «Арман»", "group": "Балапан 2–3", "valid_until": "19.09.2019 17:02"},
    "direction_expired": {"direction": 123456, "number": 20240012345},
    "direction_revoked": {"direction": 123456, "number": 20240012345},
    "direction_cancelled": {"direction": 123456, "number": 20240012345},
    "application_archived": {"number": 20240012345, "reason": "expired_twice"},
    "application_withdrawn": {"number": 20240012345},
    "enrolled": {"number": 20240012345, "kindergarten": "Ясли-сад №9 «Арман»"},
    "phone_changed": {"number": 20240012345},
    "code": {"code": "482915"},
}
# The values each text must show.
SHOWN = {
    "registered": ["number"],
    "benefit_rejected": ["number"],
    "grant_opened": ["number", "from", "until", "link"],
    "direction_issued": ["direction", "kindergarten", "group", "valid_until"],
    "direction_expiring": ["direction", "valid_until"],
    "direction_extended": ["direction", "valid_until"],
    "direction_expired": ["direction"],
    "direction_revoked": ["direction"],
    "direction_cancelled": ["direction"],
    "application_archived": ["number"],
    "application_withdrawn": ["number"],
    "enrolled": ["number", "kindergarten"],
    "phone_changed": ["number"],
    "code": ["code"],
}
# A word each language's text must contain: proof the catalog, not the English msgid, was used.
WORDS = {
    "registered": {"kk": "өтініш", "ru": "заявление", "en": "application"},
    "direction_issued": {"kk": "жолдама", "ru": "направление", "en": "direction"},
    "code": {"kk": "коды", "ru": "Код", "en": "code"},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_event_has_a_text():
    assert set(CONTEXTS) == set(Event.values)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("event", sorted(CONTEXTS))
def test_each_text_renders_in_each_language_with_its_placeholders_filled(catalogs, language, event):
    context = CONTEXTS[event]
    with translation.override(language):
        text = message_text(event, context)

    assert "%(" not in text
    assert "—" not in text  # a missing placeholder renders as a dash
    for key in SHOWN[event]:
        assert str(context[key]) in text, key
    if event in WORDS:
        assert WORDS[event][language] in text
    if language != "en":
        with translation.override("en"):
            assert text != message_text(event, context), "not translated"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("event", sorted(CONTEXTS))
def test_each_sms_fits_in_two_segments(catalogs, language, event):
    with translation.override(language):
        # Issue 11: the grant SMS (window, places, link) may take a third segment.
        assert sms_segments(sms_fit(event, CONTEXTS[event])) <= SMS_SEGMENTS_FOR.get(event, 2)


def test_an_overlong_kindergarten_name_is_shortened_to_keep_the_sms_in_two_segments(catalogs):
    long_name = "КГКП «Ясли-сад №9 «Арман» отдела образования города Темиртау управления образования Карагандинской области»"
    context = {**CONTEXTS["direction_issued"], "kindergarten": long_name}
    with translation.override("ru"):
        assert sms_segments(message_text("direction_issued", context)) > 2
        text = sms_fit("direction_issued", context)

    assert sms_segments(text) == 2
    assert "КГКП «Ясли-сад №9 «Арман»" in text
    assert "…" in text
    assert "19.09.2019 17:02" in text and "123456" in text


def test_archived_texts_say_why():
    with translation.override("en"):
        assert "age limit" in message_text("application_archived", {"number": 7, "reason": "over_age"})
        assert "two directions" in message_text("application_archived", {"number": 7, "reason": "expired_twice"})
        assert message_text("application_archived", {"number": 7}) == "INDIGO: application No. 7 is archived."


def test_segments_are_counted_as_phones_count_them():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("ә" * 70) == 1
    assert sms_segments("ә" * 71) == 2
    assert sms_segments("ә" * 134) == 2
    assert sms_segments("ә" * 135) == 3


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_translation_keeps_the_placeholders_of_its_english_text(language):
    catalog = polib.pofile(str(APP_LOCALE / language / "LC_MESSAGES" / "django.po"))
    for entry in catalog:
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for msgstr in translations:
            assert msgstr, f"untranslated: {entry.msgid}"
            assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(entry.msgid)), entry.msgid


class _Kindergarten:
    def __init__(self, pk: int) -> None:
        self.pk, self.name = pk, f"Ясли-сад №{pk} «Балдырған»"

    def display_name(self, language: str) -> str:
        return self.name


class _Group:
    def __init__(self, kindergarten: _Kindergarten, n: int) -> None:
        self.kindergarten, self.kindergarten_id, self.name = kindergarten, kindergarten.pk, f"Күншуақ {n}"

    def display_name(self, language: str) -> str:
        return self.name


def test_a_bulletin_naming_hundreds_of_groups_keeps_only_what_an_sms_can_carry():
    """A city queue's bulletin may publish seats in hundreds of groups: the grant message stores the
    start of the list, ending in "…", not all of it 17,000 times (the cabinet lists them all)."""
    from notifications.texts import PLACES_MAX, places_text

    groups = [_Group(_Kindergarten(k), n) for k in range(120) for n in range(3)]
    text = places_text(groups, "kk")
    assert len(text) <= PLACES_MAX and text.endswith("…")
    assert text.startswith("Ясли-сад №0 «Балдырған» (Күншуақ 0, Күншуақ 1, Күншуақ 2); Ясли-сад №1")
    few = places_text(groups[:2], "kk")
    assert few == "Ясли-сад №0 «Балдырған» (Күншуақ 0, Күншуақ 1)"


def test_shortening_a_very_long_value_takes_a_few_steps_not_one_per_four_letters(monkeypatch):
    """sms_fit starts shortening at what the SMS could hold at most, so a 20,000-character value
    (an old message, stored before places were capped) costs a few dozen tries, not 5,000."""
    import notifications.texts as texts

    calls = []
    real = texts.message_text
    monkeypatch.setattr(texts, "message_text", lambda event, context: calls.append(1) or real(event, context))
    context = {**CONTEXTS["grant_opened"], "places": "Ясли-сад «Арман» (Балапан); " * 800}
    with translation.override("kk"):
        text = texts.sms_fit(Event.GRANT_OPENED, context)
    assert sms_segments(text) <= SMS_SEGMENTS_FOR["grant_opened"]
    assert len(calls) < 150
