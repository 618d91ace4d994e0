"""Text analysis: folding, stems, stop words and concepts across sv, da, nl and en."""

from bot.matching.text import default_lexicon, fold, stems, words


def test_fold_makes_spellings_without_special_letters_equal() -> None:
    assert fold("Næstved") == fold("naestved") == fold("nastved")
    assert fold("Sörmland") == fold("sormland")
    assert fold("hvornår") == fold("hvornaar")


def test_words_keep_letters_and_drop_punctuation() -> None:
    assert words("Hej! Var kan vi söka pengar?") == ["hej", "var", "kan", "vi", "söka", "pengar"]


def test_stems_join_inflections_in_each_language() -> None:
    assert stems("föreställningar") & stems("föreställning")
    assert stems("forestillinger") & stems("forestilling")
    assert stems("voorstellingen") & stems("voorstelling")
    assert stems("grants") & stems("grant")


def test_concepts_bridge_words_of_the_four_languages() -> None:
    lexicon = default_lexicon()
    for word in ("pengar", "tilskud", "subsidie", "grant"):
        assert "@money" in lexicon.concepts_of(word), word
    for word in ("vem", "hvem", "wie", "who"):
        assert "@contact" in lexicon.concepts_of(word), word


def test_chat_filler_is_a_stop_word_and_content_is_not() -> None:
    lexicon = default_lexicon()
    assert all(lexicon.is_stopword(w) for w in ("hej", "typ", "hoi", "gerne", "the"))
    assert not any(lexicon.is_stopword(w) for w in ("teater", "tilskud", "subsidie", "festival"))


def test_off_topic_subjects_are_recognised() -> None:
    lexicon = default_lexicon()
    assert lexicon.off_topic("väder") and lexicon.off_topic("vejret") and lexicon.off_topic("weather")
    assert not lexicon.off_topic("teater")
