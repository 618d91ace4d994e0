"""The matcher: right entries for chat-style questions in four languages, and honest doubt."""

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from bot.config import MatchingSettings
from bot.knowledge.entries import KnowledgeBase
from bot.matching.confidence import Confidence
from bot.matching.decisions import Decision, Profile
from bot.matching.index import Index, split_compound
from bot.matching.matcher import Matcher, _top
from bot.services import Knowledge


@pytest.fixture
def index(reference_knowledge: Knowledge) -> Index:
    return reference_knowledge.matcher.index


@pytest.fixture
def matcher(index: Index) -> Matcher:
    return Matcher(index)


@pytest.fixture
def rules(index: Index) -> Matcher:
    """The rules alone, before the confidence model's second look (tests/matching/test_confidence.py)."""
    return Matcher(index, confidence=Confidence({}))


def answered(matcher: Matcher, question: str) -> str | None:
    result = matcher.match(question)
    return result.matches[0].entry.id if result.decision is Decision.ANSWER else None


def shown_meanwhile(matcher: Matcher, question: str) -> str | None:
    """The entry shown as "meanwhile, this may help" when the question goes to a person."""
    result = matcher.match(question)
    return result.related.entry.id if result.decision is Decision.ESCALATE and result.related else None


@pytest.mark.parametrize(("question", "entry"), [
    ("vi är en fri teatergrupp och vill åka på turné, var söker vi statliga pengar", "kulturradet-fri-scenkonst-projekt"),
    ("hvem er kulturkonsulent i næstved", "naestved-kulturkonsulent"),
    ("who is the culture strategist in eskilstuna", "eskilstuna-kulturstrateg"),
    ("cultuurcoordinator cursus evi", "evi-training"),
])
def test_a_question_in_each_language_is_answered_with_its_entry(matcher: Matcher, question: str, entry: str) -> None:
    assert answered(matcher, question) == entry


def test_typos_and_missing_special_letters_still_find_the_entry(matcher: Matcher) -> None:
    assert answered(matcher, "kulturkonsulnet i nastvd") == "naestved-kulturkonsulent"


def test_compound_words_are_split_into_known_parts(index: Index) -> None:
    assert split_compound("teaterturné", index.known_words, index.analyzer) == ("teater", "turne")


@pytest.mark.parametrize("question", [
    "berätta ett skämt", "wordt het morgen droog in leiden?", "bliver det regn i næstved i morgen",
    "how do i reset my iphone passcode", "hej", "hoe vraag ik huurtoeslag aan als kunstenaar?",
])
def test_questions_outside_culture_support_are_escalated(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).decision is Decision.ESCALATE


@pytest.mark.parametrize(("question", "entry"), [
    ("what will the weather be like at the culture breakfast", "kulturfrukost-eskilstuna-2027-02"),
    ("hoe wordt het weer bij de cultuurcoordinator cursus", "evi-training"),
    ("hvordan bliver vejret, kan vi søge kulturstipendium i eskilstuna", "eskilstuna-kulturstipendium"),
    ("kan vi söka pengar från postkodstiftelsen", "kulturradet-fri-scenkonst-projekt"),  # a fund the base lacks
])
def test_an_off_topic_subject_escalates_a_question_whose_other_words_match_an_entry(
        matcher: Matcher, question: str, entry: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE
    assert result.matches[0].entry.id == entry  # the entry was found, and set aside for the off-topic subject


def test_a_contact_in_another_municipality_is_not_offered(matcher: Matcher) -> None:
    result = matcher.match("hvem er kulturkonsulent i svendborg kommune")
    assert result.decision is Decision.ESCALATE


def test_an_unsure_match_offers_two_to_five_options(rules: Matcher) -> None:
    result = rules.match("subsidie voor jeugdtheater leiden?")
    assert result.decision is Decision.CLARIFY
    assert 2 <= len(result.matches) <= 5
    assert len({m.entry.id for m in result.matches}) == len(result.matches)


def test_matches_are_ranked_best_first_with_scores_between_zero_and_one(matcher: Matcher) -> None:
    ranked = matcher.rank("kulturstipendium eskilstuna")
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert ranked[0].entry.id == "eskilstuna-kulturstipendium"


def test_a_profile_puts_entries_of_the_users_region_first(matcher: Matcher) -> None:
    question = "kulturstipendium"
    plain = matcher.rank(question)
    local = matcher.rank(question, profile=Profile(region="Eskilstuna"))
    assert "Eskilstuna" not in plain[0].entry.regions
    assert "Eskilstuna" in local[0].entry.regions
    assert [m.entry.id for m in plain] != [m.entry.id for m in local]


def test_thresholds_come_from_the_settings(index: Index) -> None:
    strict = Matcher(index, MatchingSettings(answer_min=1.0, clarify_min=1.0))
    assert strict.match("hvem er kulturkonsulent i næstved").decision is Decision.ESCALATE


def test_a_yes_no_question_its_entry_does_not_speak_to_is_not_answered_but_shows_the_entry(matcher: Matcher) -> None:
    result = matcher.match("is the EVI training for culture coordinators given in Arabic?")  # the card: no language
    assert result.decision is not Decision.ANSWER and result.matches[0].entry.id == "evi-training"


def test_below_offer_below_an_entry_lacking_an_asked_word_is_offered_not_answered(index: Index) -> None:
    question = "hvilket netværk hjælper med lydteknik til koncerter i Næstved"  # the network's card: no sound
    rules_alone = Confidence({})
    assert Matcher(index, MatchingSettings(offer_below=0.0), confidence=rules_alone).match(
        question).decision is Decision.ANSWER
    offered = Matcher(index, MatchingSettings(offer_below=0.99), confidence=rules_alone).match(question)
    assert offered.decision is Decision.CLARIFY and offered.matches[0].entry.id == "talentnettet"


def test_an_empty_question_is_escalated_without_matches(matcher: Matcher) -> None:
    result = matcher.match("   ")
    assert result.decision is Decision.ESCALATE and result.matches == ()


def test_unsure_options_that_miss_the_questions_key_word_are_not_offered(rules: Matcher) -> None:
    """A grand piano for the church: no entry knows 'flygel', so grants for other things would be guesses."""
    assert rules.match("vi vill köpa en ny flygel till kyrkan, finns det bidrag").decision is Decision.ESCALATE
    assert rules.match("finns det bidrag till teater").decision is Decision.CLARIFY


@pytest.mark.parametrize(("question", "topic"), [
    ("När sker utbetalningen av Konstnärsnämndens arbetsstipendium?", "konstnarsnamnden-arbetsstipendium"),
    ("Hvordan foregår bedømmelsen af ansøgninger til Næstved kulturpulje?", "naestved-"),
    ("Wanneer wordt de projectsubsidie van de gemeente Leiden uitbetaald?", "leiden-projectsubsidie-cultuur"),
])
def test_a_detail_the_best_entry_does_not_state_goes_to_a_person_with_that_entry_related(
        matcher: Matcher, question: str, topic: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE
    assert result.related is not None and result.related.entry.id.startswith(topic)  # the fund or its officer


def test_a_detail_the_best_entry_states_is_answered(rules: Matcher) -> None:
    """Konstnärsnämnden's work grant says it is tax-free: a question about its tax gets the card."""
    result = rules.match("är konstnärsnämndens arbetsstipendium skattefritt?")
    assert result.decision is Decision.ANSWER and result.related is None
    assert result.matches[0].entry.id == "konstnarsnamnden-arbetsstipendium"


@pytest.mark.parametrize(("question", "topic"), [
    ("hur många föreställningar måste en fri teatergrupp spela per år för kulturrådets verksamhetsbidrag?",
     "kulturradet-fri-scenkonst-verksamhet"),
    ("hvor mange elever går på musikskolen i næstved?", "talentnettet"),
    ("how many local theatre associations are there in sweden?", "riksteatern-sormland"),
])
def test_how_many_goes_to_a_person_when_no_sentence_of_the_card_gives_that_number(
        matcher: Matcher, question: str, topic: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE
    assert result.related is not None and result.related.entry.id == topic


@pytest.mark.parametrize("question", [
    "hur många deltagare kan vara med på workshopen om ansökningsskrivning i katrineholm?",
    "how many participants can join the application writing workshop in katrineholm?",  # the card's English
])
def test_how_many_is_answered_by_the_card_that_gives_the_number_in_one_sentence(rules: Matcher, question: str) -> None:
    assert answered(rules, question) == "ansokningsskrivning-workshop"  # "max 20 deltagare / participants"


def test_another_regions_own_grants_are_not_answered_by_a_national_fund(matcher: Matcher) -> None:
    result = matcher.match("Vilka kulturbidrag har Region Uppsala för fria teatergrupper?")
    assert result.decision is Decision.ESCALATE


def test_the_region_where_a_tour_goes_does_not_turn_away_the_national_fund(matcher: Matcher) -> None:
    result = matcher.match("vi ska turnera med vår föreställning runt i länet, vilka statliga bidrag finns för fri teater")
    assert "kulturradet-fri-scenkonst-projekt" in [m.entry.id for m in result.matches]


@pytest.mark.parametrize("question", [
    "Vad var programmet på förra årets kulturforum i Sörmland?",
    "Is the PO-VO theme meeting of De Leidse Aanpak accessible for wheelchair users?",
])
def test_an_event_detail_its_card_does_not_hold_goes_to_a_person(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE and result.related is not None


@pytest.mark.parametrize("question", [
    "Kan man söka Augustinus Fonden til en udstilling?",
    "Hur söker man från Längmanska kulturfonden?",
    "Kan vi söka pengar från Postkodstiftelsen för ett kulturprojekt?",
])
def test_a_fund_the_base_does_not_know_goes_to_a_person(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).decision is Decision.ESCALATE


@pytest.mark.parametrize("question", [
    "hvornår er fristen for byfornyelsespuljen i næstved?",
    "wanneer sluit de innovatieregeling van het fonds podiumkunsten?",
])
def test_a_named_pool_or_scheme_the_base_does_not_know_goes_to_a_person(matcher: Matcher, question: str) -> None:
    """Næstved's culture pool is not every pool in Næstved, nor the fund's music grant every scheme it runs."""
    assert matcher.match(question).decision is Decision.ESCALATE


def test_a_misspelt_fund_of_the_base_is_still_ours(matcher: Matcher) -> None:
    result = matcher.match("what is the prins bernard fund in zuid-holland and how much can i get")
    assert result.decision is not Decision.ESCALATE
    assert result.matches[0].entry.id == "cultuurfonds-zuid-holland"


@pytest.mark.parametrize("question", ["what is a kulturfrukost?", "vad är en kulturfrukost"])
def test_what_is_x_gets_the_entry_that_explains_x_not_one_dated_instance(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.ANSWER
    assert result.matches[0].entry.id == "faq-kulturfrukost-vad-ar"


@pytest.mark.parametrize(("question", "topic"), [
    ("Kan man söka Kulturbryggans fröpengar om man är pensionär?", "kulturbryggan"),
    ("Does the Jeugdfonds Sport & Cultuur pay for a drum kit at home?", "jeugdfonds-sport-cultuur"),
])
def test_a_closed_question_naming_an_entry_about_terms_it_never_states_goes_to_a_person(
        matcher: Matcher, question: str, topic: str) -> None:
    assert shown_meanwhile(matcher, question) == topic


def test_an_unsure_closed_question_with_a_word_its_best_entry_never_uses_goes_to_a_person(matcher: Matcher) -> None:
    """Næstved's pool is near, but its card never speaks of robes: it is shown meanwhile, not given as the answer."""
    assert shown_meanwhile(matcher, "kan vores kor få tilskud til nye kjoler fra kommunen i næstved?") == (
        "naestved-kulturpulje")


@pytest.mark.parametrize(("question", "topic"), [
    ("hoeveel weken duurt een cursus bij het jeugdfonds?", "jeugdfonds-sport-cultuur"),
    ("what font size should the mondriaan application use?", "mondriaan-werkbijdrage-jong-talent"),
])
def test_an_unsure_open_question_about_terms_its_fund_never_states_goes_to_a_person(
        matcher: Matcher, question: str, topic: str) -> None:
    """Weeks of a course, a font size: the fund's card is near, but silent on what is asked."""
    assert shown_meanwhile(matcher, question) == topic


def test_the_named_places_own_entry_answers_an_open_question_without_repeating_its_words(rules: Matcher) -> None:
    """Folk music is not on Nyköping's event grant card, yet it is what the town gives a festival."""
    assert answered(rules, "vi spelar folkmusik i nyköping, vad kan kommunen ge för festivalen?") == (
        "nykoping-arrangemangsbidrag")


@pytest.mark.parametrize(("question", "entry"), [
    ("min kompis målar graffiti och har ingen ateljé. kan hon söka kulturstipendium i eskilstuna?",
     "eskilstuna-kulturstipendium"),
    ("vi spiller i en kælder uden vinduer. kan vi søge kulturpuljen i slagelse?", "slagelse-kulturpulje"),
    ("Vi är en kör som repeterar i en källare. Kan vi söka arrangemangsbidrag i Nyköping för en konsert?",
     "nykoping-arrangemangsbidrag"),
])
def test_what_is_told_before_a_closed_question_is_context_the_entry_need_not_state(
        rules: Matcher, question: str, entry: str) -> None:
    """A studio, a cellar: the yes/no sentence is what the card must answer, not the story before it."""
    assert answered(rules, question) == entry


def test_a_closed_question_the_named_entry_states_in_other_words_is_offered_that_entry(rules: Matcher) -> None:
    """The Eskilstuna scholarship's card speaks of under-26s, never of "ung": its card is offered, one tap away."""
    result = rules.match("Kan man söka Eskilstunas kulturstipendium som ung konstnär?")
    assert result.decision is Decision.CLARIFY
    assert [m.entry.id for m in result.matches] == ["eskilstuna-kulturstipendium"]


@pytest.mark.parametrize("question", [
    "kan vår teatergrupp få pengar till en lastbil för turnén?",
    "can our choir get money for new robes?",
])
def test_an_unsure_closed_question_with_a_word_no_option_uses_goes_to_a_person_with_the_options(
        matcher: Matcher, question: str) -> None:
    """A lorry, robes: no close option mentions them, so offering the options would answer another question."""
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE
    assert len(result.matches) >= 2 and result.related == result.matches[0]


@pytest.mark.parametrize("question", [
    "hur många lektioner får eleverna på kulturskolan varje termin?",
    "hvad bruges elevbetalingen på kulturskolen til?",
    "nystartad förening i nyköping, finns det ngt startbidrag hos kommunen?",  # 'bidrag' is no 'startbidrag'
])
def test_one_weak_option_that_lacks_a_telling_word_is_not_offered_but_shown_meanwhile(
        matcher: Matcher, question: str) -> None:
    """Lessons a term, what the pupils' fee pays for: the one card near it says neither."""
    result = matcher.match(question)
    assert result.decision is Decision.ESCALATE and result.related == result.matches[0]


def test_an_unsure_closed_question_the_options_speak_to_is_still_offered_them(matcher: Matcher) -> None:
    """Three theatre funds fit "a grant for a theatre tour": offered, though the question asks yes or no."""
    assert matcher.match("can we get a grant for a theatre tour?").decision is Decision.CLARIFY


@pytest.mark.parametrize("question", [
    "När betalas Eskilstunas kulturstipendium ut, och kan man överklaga ett avslag?",
    "Wordt de werkbijdrage van het Mondriaan Fonds automatisch verlengd?",
    "Hvornår er der sommerferie på musikskolen?",
    "finns det en ansökningsavgift för Region Sörmlands projektbidrag?",
    "betalas Konstnärsnämndens projektbidrag ut i förskott?",
    "er der stadig ledige pladser på kapacitetskonferencen?",
    "wat is een redelijk uurtarief voor een theaterdocent op een basisschool?",
    "waarom geeft Fonds 1818 zo weinig aan festivals?",
    "hur länge får man vara borta med Konstnärsnämndens resebidrag?",
    "vilka bilagor ska vara med när man söker Kulturbryggan?",
    "hvilken indkomstgrænse gælder for Statens Kunstfonds arbejdslegat?",
    "mijn dochter is al weken ziek, betaalt het Jeugdfonds de gemiste lessen terug?",
    "is there a hostel near the Kulturforum in Nyköping?",
    "får jag ta med hunden till kulturfrukosten i Eskilstuna?",
    "hvilken valutakurs skal vi bruge i budgettet til Nordisk Kulturfond?",
    "wat gebeurt er als de Evi-training wordt geannuleerd?",
    "hvornår er der skolestart på musikskolen i Næstved?",
    "hoeveel plekken zijn er per school bij de Design Thinking training?",
])
def test_grant_and_school_practicalities_the_card_lacks_go_to_a_person(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).decision is Decision.ESCALATE


def test_a_detail_asked_of_a_person_is_theirs_to_answer(rules: Matcher) -> None:
    """A contact is where details are settled: asking the culture officer about a rejection gets the officer."""
    result = rules.match("vem på katrineholms kommun kan förklara varför vi fick avslag på föreningsbidraget")
    assert result.decision is not Decision.ESCALATE
    assert result.matches[0].entry.id == "katrineholm-kulturhandlaggare"


@pytest.mark.parametrize("question", [
    "how many percent of a small cooperation project does Creative Europe pay?",
    "hur mycket av budgeten i procent täcker EU i ett litet samarbetsprojekt?",
])
def test_a_share_asked_in_percent_is_stated_by_a_card_with_a_percent_sign(rules: Matcher, question: str) -> None:
    """The Creative Europe card says 'at most 80%': '%' is read as the word it stands for."""
    assert answered(rules, question) == "creative-europe-samarbetsprojekt"


def test_a_word_that_heads_a_compound_of_the_card_is_said_by_it(rules: Matcher) -> None:
    """'skatta' (to pay tax) is said by the work grant card's 'skattefritt' (tax-free)."""
    assert answered(rules, "ska man skatta för konstnärsnämndens arbetsstipendium?") == "konstnarsnamnden-arbetsstipendium"


@pytest.mark.parametrize(("question", "topic"), [
    ("hur mycket fick Region Sörmlands kulturstipendiater 2024?", "region-sormland-kulturstipendium"),
    ("which projects did Kulturbryggan fund in 2019?", "kulturbryggan"),
])
def test_a_past_year_the_card_never_names_goes_to_a_person_with_the_card_meanwhile(
        matcher: Matcher, question: str, topic: str) -> None:
    """The base speaks of 2027: last editions, their winners and rules are a person's to look up."""
    assert shown_meanwhile(matcher, question) == topic


@pytest.mark.parametrize("question", [
    "vi är en teatergrupp sedan 2012, kan vi söka Kulturrådets projektbidrag för fri scenkonst?",
    "we plan a new dance performance for spring 2029, is there a Kulturrådet project grant for independent performing arts?",
])
def test_a_year_that_dates_the_asker_or_the_plan_is_no_past_edition(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).decision is not Decision.ESCALATE


def test_the_entry_for_a_named_town_stays_a_candidate_among_many_look_alikes_elsewhere(
        reference_kb: KnowledgeBase, index_of: Callable[[KnowledgeBase], Index]) -> None:
    """A national base holds many towns' pools; asked about Slagelse's, the Slagelse pool must still be ranked."""
    pool = reference_kb.by_id["naestved-kulturpulje"]
    copies = tuple(dataclasses.replace(pool, id=f"naestved-kulturpulje-{n}") for n in range(40))
    crowded = KnowledgeBase(entries=(*reference_kb.entries, *copies), root=reference_kb.root)
    result = Matcher(index_of(crowded)).match("hvornår er fristen for aktivitetstilskud i kulturpuljen i Slagelse?")
    assert result.matches[0].entry.id == "slagelse-kulturpulje"


@pytest.mark.parametrize("leaders", [5, 300])
def test_the_candidates_are_the_best_scores_whether_few_or_many_are_close_to_the_best(leaders: int) -> None:
    """Five scores near the best take the full path, three hundred the shortcut: the same thirty best either way."""
    rng = np.random.default_rng(7)
    scores = np.zeros(10_000, dtype=np.float32)
    scored = rng.choice(10_000, 3_000, replace=False)
    scores[scored] = 0.4 * rng.random(3_000, dtype=np.float32)
    scores[scored[:leaders]] = 0.9 + 0.1 * rng.random(leaders, dtype=np.float32)
    assert sorted(scores[_top(scores, 30)].tolist()) == sorted(np.sort(scores)[-30:].tolist())


@pytest.mark.parametrize(("question", "off_topic"), [
    ("bliver det regn i næstved i morgen", True), ("kulturstipendium eskilstuna", False)])
def test_the_result_says_whether_the_question_touched_an_off_topic_subject(
        matcher: Matcher, question: str, off_topic: bool) -> None:
    assert matcher.match(question).off_topic is off_topic  # read once by the matcher, used by the needs log too
