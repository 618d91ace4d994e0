"""The catalogs: every key in every language, with the same placeholders."""

import pytest

from bot.i18n.catalog import language_of, load_catalog, placeholders
from bot.languages import LANGUAGES


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_key_exists_in_every_language(language: str) -> None:
    catalog = load_catalog()
    assert catalog.keys(language) == catalog.keys("en"), catalog.keys(language) ^ catalog.keys("en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_the_english_ones(language: str) -> None:
    catalog = load_catalog()
    for key in catalog.keys("en"):
        assert placeholders(catalog.messages[language][key]) == placeholders(catalog.messages["en"][key]), key


def test_telegram_language_codes_map_to_our_languages() -> None:
    assert [language_of(c) for c in ("sv", "da-DK", "nl-BE", "en-GB", "nb", "fr", None)] == [
        "sv", "da", "nl", "en", "da", "en", "en"]
    assert language_of("fr", default="sv") == "sv"


def test_a_message_is_formatted_in_the_asked_language() -> None:
    catalog = load_catalog()
    assert catalog("sv", "ticket.opened", number=7, promise="inom två arbetsdagar") == (
        "En person i teamet svarar dig här, inom två arbetsdagar. Din fråga har nummer #7. Jag svarar på nya frågor "
        "under tiden; vill du lägga till något i #7, svara på teamets meddelande eller tryck på ”Lägg till i min fråga #7”.")
    assert catalog("xx", "button.skip") == catalog("en", "button.skip")
