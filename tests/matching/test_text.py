"""Text analysis: folding, stems, stop words and concepts across sv, da, nl and en."""

import pytest

from bot.matching.language_data import LanguageData
from bot.matching.text import Analyzer, Lexicon, fold_text, words


@pytest.fixture
def lexicon(language_data: LanguageData) -> Lexicon:
    return language_data.lexicon


@pytest.fixture
def analyzer(language_data: LanguageData) -> Analyzer:
    return language_data.analyzer


def test_fold_makes_spellings_without_special_letters_equal() -> None:
    assert fold_text("Næstved") == fold_text("naestved") == fold_text("nastved")
    assert fold_text("Sörmland") == fold_text("sormland")
    assert fold_text("hvornår") == fold_text("hvornaar")


def test_words_keep_letters_and_drop_punctuation() -> None:
    assert words("Hej! Var kan vi söka pengar?") == ["hej", "var", "kan", "vi", "söka", "pengar"]


def test_stems_join_inflections_in_each_language(analyzer: Analyzer) -> None:
    stems = analyzer.stems
    assert stems("föreställningar") & stems("föreställning")
    assert stems("forestillinger") & stems("forestilling")
    assert stems("voorstellingen") & stems("voorstelling")
    assert stems("grants") & stems("grant")


def test_concepts_bridge_words_of_the_four_languages(lexicon: Lexicon) -> None:
    for word in ("pengar", "tilskud", "subsidie", "grant"):
        assert "@money" in lexicon.concepts_of(word), word
    for word in ("vem", "hvem", "wie", "who"):
        assert "@contact" in lexicon.concepts_of(word), word


def test_chat_filler_is_a_stop_word_and_content_is_not(lexicon: Lexicon) -> None:
    assert all(lexicon.is_stopword(w) for w in ("hej", "typ", "hoi", "gerne", "the"))
    assert not any(lexicon.is_stopword(w) for w in ("teater", "tilskud", "subsidie", "festival"))


def test_off_topic_subjects_are_recognised(lexicon: Lexicon) -> None:
    assert lexicon.off_topic("väder") and lexicon.off_topic("vejret") and lexicon.off_topic("weather")
    assert not lexicon.off_topic("teater")


def test_a_compound_starting_or_ending_in_a_detail_word_asks_that_detail(lexicon: Lexicon) -> None:
    assert "@payout" in lexicon.details_of(["utbetalningsdatum"])
    assert "@report" in lexicon.details_of(["eindverantwoording"])
    assert not lexicon.details_of(["verant"])  # a piece of a detail word is not one


@pytest.mark.parametrize(("question", "counted"), [
    ("hur många möten får man boka", "möten"),
    ("hvor mange elever går på musikskolen", "elever"),
    ("hoeveel leerlingen moet een school hebben", "leerlingen"),
    ("how many partners do we need", "partners"),
    ("hoeveel kost de cursus", ""),        # a verb after "hoeveel": how much, not how many
    ("hoeveel geld krijgen we", ""),       # money: an amount
    ("what does the course cost", ""),
])
def test_how_many_counts_the_word_after_it_and_hoeveel_before_a_verb_or_money_asks_an_amount(
        lexicon: Lexicon, question: str, counted: str) -> None:
    assert lexicon.counted(words(question)) == counted


def test_a_separable_verb_is_found_with_its_particle_a_few_words_on(lexicon: Lexicon) -> None:
    assert "@payout" in lexicon.phrase_concepts(words("när betalas regionens projektbidrag ut"))
    assert "@payout" not in lexicon.phrase_concepts(words("när betalas regionens projektbidrag till kulturhuset"))


def test_a_word_written_with_a_swedish_or_danish_letter_is_no_other_languages_function_word(lexicon: Lexicon) -> None:
    assert not lexicon.is_stopword("möten") and lexicon.is_stopword("moeten")  # meetings (sv), must (nl)
    assert not lexicon.is_stopword("ändra") and lexicon.is_stopword("andra")  # to change, others (sv)
    assert lexicon.is_stopword("på") and lexicon.is_stopword("pa") and lexicon.is_stopword("faar")  # as chat writes
