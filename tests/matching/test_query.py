"""Reading a question: slots for content words and concepts, intents, places and off-topic subjects."""

import pytest

from bot.matching.index import Index
from bot.matching.query import analyse_query
from bot.services import Knowledge


@pytest.fixture
def index(reference_knowledge: Knowledge) -> Index:
    return reference_knowledge.matcher.index


def test_inflections_of_one_word_make_one_slot(index: Index) -> None:
    query = analyse_query(index, "apply applying")
    assert len([s for s in query.slots if any(t == "apply" for t, _ in s.variants)]) == 1


def test_who_asks_for_a_contact_and_course_for_a_course(index: Index) -> None:
    assert "contact" in analyse_query(index, "vem ska jag ringa").intents
    assert "course" in analyse_query(index, "finns det en kurs i projektledning").intents
    assert not analyse_query(index, "teater").intents


def test_naming_the_municipality_and_a_place_is_read(index: Index) -> None:
    query = analyse_query(index, "kulturchef i norrköpings kommun")
    assert query.municipal and [p.name for p in query.places] == ["norrkoping"]


def test_off_topic_words_weigh_like_the_rarest_word_and_match_nothing(index: Index) -> None:
    query = analyse_query(index, "vad blir det för väder")
    assert query.off_topic
    off_topic = [s for s in query.slots if s.off_topic]
    assert off_topic and all(not s.variants and s.weight == index.max_idf for s in off_topic)


def test_a_misspelt_word_is_read_as_the_known_word(index: Index) -> None:
    query = analyse_query(index, "kulturkonsulnet")
    assert any(t == "kulturkonsulent" for s in query.slots for t, _ in s.variants)


def test_a_short_word_with_a_changed_letter_is_not_taken_for_another(index: Index) -> None:
    query = analyse_query(index, "duurt")
    assert all(not s.variants for s in query.slots)


def test_an_unknown_compound_is_read_by_its_known_tail(index: Index) -> None:
    query = analyse_query(index, "byrådspolitikere")
    assert [t for s in query.slots for t, _ in s.variants] and all(
        t.startswith("politik") for s in query.slots for t, _ in s.variants)


@pytest.mark.parametrize(("word", "not_meant"), [("fotoprojekt", "forprojekt"), ("kulturfolk", "kulturfond")])
def test_a_compound_the_base_lacks_is_not_taken_for_a_word_two_letters_off(index: Index, word: str,
                                                                          not_meant: str) -> None:
    terms = {t for s in analyse_query(index, word).slots for t, _ in s.variants}
    assert not any(t.startswith(not_meant[:-1]) for t in terms), terms


def test_an_inflected_form_two_letters_off_is_still_the_word(index: Index) -> None:
    terms = {t for s in analyse_query(index, "kulturklustret").slots for t, _ in s.variants}
    assert any(t.startswith("kulturklust") for t in terms), terms


def test_auxiliary_verbs_and_you_are_not_content_words(index: Index) -> None:
    for question in ("ik ben", "ik word", "kan du", "hvis du må"):
        assert analyse_query(index, question).slots == (), question


def test_asking_who_wants_a_person_whatever_the_subject(index: Index) -> None:
    assert analyse_query(index, "vem kan jag prata med om pengar till turnén").intents == {"contact"}
    assert "funding" in analyse_query(index, "kan vi söka pengar till turnén").intents


def test_a_fund_the_base_does_not_know_is_a_subject_it_cannot_answer(index: Index) -> None:
    assert analyse_query(index, "kan vi söka pengar från postkodstiftelsen").off_topic
    assert analyse_query(index, "kan vi søge penge hos nordea-fonden").off_topic
    assert not analyse_query(index, "kan vi söka pengar från nordisk kulturfond").off_topic
    assert not analyse_query(index, "kan vi söka pengar till teaterturné").off_topic


def test_a_known_compound_also_reaches_entries_through_its_parts(index: Index) -> None:
    terms = {t for s in analyse_query(index, "frukostträff").slots for t, _ in s.variants}
    assert "frukost" in terms and any(t.startswith("frukosttraf") for t in terms)


@pytest.mark.parametrize("question", [
    "vi vill visa vår föreställning för lågstadiet",  # Swedish 'visa' is to show, not a travel visa
    "is er dit jaar weer een cmk dag",                # Dutch 'weer' is again, not the weather
    "what is the culture officer's phone number",
    "money to buy instruments for the music school",
    "det vore roligt att starta en teatergrupp",
])
def test_everyday_words_that_name_off_topic_subjects_elsewhere_are_not_off_topic(index: Index, question: str) -> None:
    assert not analyse_query(index, question).off_topic


def test_a_travel_visa_and_the_weather_are_still_off_topic(index: Index) -> None:
    assert analyse_query(index, "how do i get a visa for a tour in the usa").off_topic
    assert analyse_query(index, "hoe wordt het weer morgen in leiden").off_topic


def test_who_may_apply_asks_who_is_eligible_not_for_a_person(index: Index) -> None:
    assert "contact" not in analyse_query(index, "hvem kan søge næstveds kulturpulje?").intents
    assert analyse_query(index, "hvem kan jeg ringe til om kulturpuljen?").intents == {"contact"}


def test_a_fund_named_in_the_genitive_is_still_another_fund(index: Index) -> None:
    assert analyse_query(index, "När öppnar Författarfondens ansökan om resebidrag?").other_body


def test_a_funds_name_never_runs_across_punctuation(index: Index) -> None:
    assert analyse_query(index, "hvornår søger man Augustinus Fonden?").other_body
    assert not analyse_query(index, "vi vil samarbejde med nabokommunen, pulje?").other_body


def test_a_closed_question_is_told_from_one_asking_what_exists(index: Index) -> None:
    assert analyse_query(index, "hej! kan vi söka pengar till en turné?").closed
    assert analyse_query(index, "Does the fund support tours?").closed
    assert not analyse_query(index, "finns det pengar för turnéer?").closed
    assert not analyse_query(index, "is there funding for a tour?").closed


def test_a_question_whether_something_is_required_is_closed(index: Index) -> None:
    assert analyse_query(index, "krävs det minst fem konserter för att få bidraget?").closed
    assert analyse_query(index, "kræves der et budget i ansøgningen?").closed
    assert analyse_query(index, "hoeft een stichting een jaarverslag mee te sturen?").closed


def test_a_question_keeps_the_words_it_asks_apart_from_the_context_told_before_it(index: Index) -> None:
    query = analyse_query(index, "Vi är en kör i en källare. Kan vi söka bidrag för en konsert?")
    assert {"kan", "bidrag", "konsert"} <= query.asked
    assert not query.asked & {"kör", "källare"}
    told = analyse_query(index, "Vi är en kör i en källare. Hur mycket kan vi få för en konsert?")
    assert not told.closed and {"mycket", "konsert"} <= told.asked and not told.asked & {"kör", "källare"}


def test_a_function_word_evokes_only_concepts_it_is_itself_a_word_of(index: Index) -> None:
    """Swedish 'stor' (big) is a stop word; only the stemmers make it look like 'store' (data) or 'størrelse'."""
    evoked = {t for slot in analyse_query(index, "vi har en stor konsert i maj").slots for t, _ in slot.variants}
    assert not evoked & {"@privacy", "@amount"}
    assert "@contact" in {t for s in analyse_query(index, "vem ringer jag").slots for t, _ in s.variants}
