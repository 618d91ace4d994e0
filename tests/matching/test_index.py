"""The index: what each entry's card holds, as matching and the coverage checks read it."""

from datetime import date

from bot.knowledge.entries import Entry, Kind, Source, Text
from bot.matching.index import AMOUNT, WHEN, build_index
from bot.matching.language_data import load_language_data


def entry(entry_id: str, **fields: object) -> Entry:
    return Entry(id=entry_id, kind=Kind.FUNDING, title=Text({"sv": "Bidrag till körer"}),
                 summary=Text({"sv": "Körer kan söka upp till 20 000 kr."}), source=Source("x", 1), **fields)


def test_an_entry_with_an_amount_or_a_deadline_states_one_whatever_its_words() -> None:
    """"Upp till 20 000 kr" says no word for an amount; the amount field does, and so does a deadline."""
    index = build_index([entry("stated", amount=Text({"sv": "20 000 kr"}), deadline=date(2027, 3, 1)),
                         entry("silent")], language=load_language_data())
    stated, silent = index.positions["stated"], index.positions["silent"]
    assert index.mentions(stated, [AMOUNT]) and index.mentions(stated, [WHEN])
    assert not index.mentions(silent, [AMOUNT]) and not index.mentions(silent, [WHEN])


def test_the_concepts_the_fields_state_are_the_lexicons_own() -> None:
    """A renamed concept in the lexicon would leave the fields stating nothing anyone asks."""
    concepts = load_language_data().lexicon.concepts_of
    assert AMOUNT in concepts("belopp") and WHEN in concepts("deadline")


def test_an_entry_is_named_by_its_capitalised_keywords_too() -> None:
    """A Swedish title names the fund in Swedish; "Nordic-Baltic" among its keywords is the name others use."""
    named = entry("named", keywords=("Nordic-Baltic", "mobility grant"))
    index = build_index([named], language=load_language_data())
    names = index.names[index.positions["named"]]
    assert {"nordic", "baltic"} <= names and "mobility" not in names
