"""An answer card's facts in the reader's language: a plain text in another language is marked, as any fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.conversation.cards import card, figures
from bot.knowledge.entries import Entry, Kind, Source, Text

DANISH_FUND = Entry(id="pulje", kind=Kind.FUNDING, title=Text({"": "Næstved Kommune: Kulturpuljen"}),
                    summary=Text({"da": "Foreninger kan søge tilskud.", "en": "Associations may apply."}),
                    source=Source("funding.yaml", 1), amount=Text({"": "op til 75.000 DKK"}))


def amount(entry: Entry, language: str) -> tuple[str, str | None]:
    fact = next(f for f in card(entry, language=language, today=date(2027, 3, 10)).facts if f.label == "fact.amount")
    return fact.value, fact.language


@pytest.mark.parametrize("reader", ["sv", "en", "nl"])
def test_a_plain_amount_in_the_entrys_own_language_is_marked_for_other_readers(reader: str) -> None:
    assert amount(DANISH_FUND, reader) == ("op til 75.000 DKK", "da")


def test_a_plain_amount_is_unmarked_for_readers_of_its_language() -> None:
    assert amount(DANISH_FUND, "da") == ("op til 75.000 DKK", None)


def test_an_amount_of_figures_and_currency_reads_the_same_in_every_language() -> None:
    entry = replace(DANISH_FUND, amount=Text({"": "50.000–500.000 DKK"}))
    assert amount(entry, "sv") == ("50.000–500.000 DKK", None)


@pytest.mark.parametrize(("plain", "shown"), [
    ("op til 75.000 DKK", "75.000 DKK"), ("tot € 50.000, minimaal 50% cofinanciering", "€ 50.000"),
    ("resa plus dagtraktamente, ca 700–3 500 EUR", "700–3 500 EUR"), ("andel af lærerlønudgifterne", "")])
def test_a_list_line_shows_only_the_figures_of_an_amount_in_another_language(plain: str, shown: str) -> None:
    assert figures(plain) == shown


def test_the_entrys_own_language_is_its_summarys_first_besides_english() -> None:
    swedish_first = replace(DANISH_FUND, summary=Text({"sv": "Föreningar kan söka.", "da": "Foreninger kan søge.",
                                                       "en": "Associations may apply."}),
                            amount=Text({"": "upp till 200 000 EUR"}))
    assert amount(swedish_first, "da") == ("upp till 200 000 EUR", "sv")
