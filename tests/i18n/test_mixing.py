"""Texts that join two languages are told from texts in one language with names and quoted titles."""

from __future__ import annotations

from bot.i18n.mixing import joins_languages
from bot.i18n.phrases import load_phrases

CUES = load_phrases().function_words


def test_a_swedish_text_joined_to_its_english_translation_joins_two_languages() -> None:
    assert joins_languages("Kostnadsfritt; skriv till nätverkets samordnare på Region Sörmland. / Free; write to the "
                           "network coordinator at Region Sörmland.", CUES)


def test_one_language_with_names_and_a_quoted_title_is_one_language() -> None:
    assert not joins_languages('Vill du veta hur man går med i Talentnettet och vad det kostar?\n'
                               '"Where are the funds for the arts and who can apply" av Region Sörmland', CUES)
