"""Unmet questions are grouped by topic: paraphrases with typos together, different topics never mixed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.insights.clustering import Clustering, cluster_questions
from bot.insights.question_terms import canonical_words
from bot.matching.language_data import LanguageData

# Four topics the base lacks, each asked three ways in each language, chat style, typos included.
PARAPHRASES: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("rehearsal", "sv"): ("hej! vi e ett band i eskilstuna o letar replokal, nån som vet var man kan hyra billigt?",
                          "finns det nån replokal för band i kommunen? vi har ingenstans att repa",
                          "behöver en replokl till vårt band typ två kvällar i veckan"),
    ("translation", "sv"): ("finns det bidrag för översättning av min diktsamling till engelska?",
                            "kan man söka bidrag för att översätta en roman från svenska till arabiska",
                            "vem ger bidrag till översätning av barnböcker"),
    ("street-art", "sv"): ("behöver man tillstånd för att måla street art på en husvägg i flen?",
                           "vi vill måla en muralmålning på skolans vägg, vilket tillstånd krävs",
                           "får man måla gatukonst lagligt på väggar, behövs tillstånd från kommunen?"),
    ("lawyer", "sv"): ("arrangören vägrar betala enligt kontraktet, behöver en jurist, vart vänder jag mig",
                       "finns det nån jurist som kan kolla mitt kontrakt med ett skivbolag, tror dom lurar mig",
                       "tvist med en beställare om kontraktet, behöver juridisk hjälp av en jurist"),
    ("rehearsal", "da"): ("hvor kan vores band finde et øvelokale i næstved?",
                          "mangler et billigt øvelokale til mit band, har kommunen nogen?",
                          "ved i om der er ledige øvelokaler til bands i slagelse"),
    ("translation", "da"): ("kan man søge tilskud til oversættelse af en roman til tysk",
                            "findes der tilskud til at få oversat mine digte til engelsk?",
                            "hvem giver tilskud til oversættelse af børnebøger"),
    ("street-art", "da"): ("skal vi have tilladelse fra kommunen til at male street art på en gavl",
                           "må man male graffiti på en mur hvis ejeren siger ja, eller skal man have tilladelse",
                           "hvordan får jeg tilladelse til gadekunst / street art på offentlige mure i odense"),
    ("lawyer", "da"): ("har en tvist om en kontrakt med et spillested, kender i en advokat der kan hjælpe",
                       "spillestedet vil ikke betale efter kontrakten, hvor finder jeg en advokat",
                       "har brug for en advokat til at se på min kontrakt med et pladeselskab"),
    ("rehearsal", "nl"): ("zoek een oefenruimte voor mijn band in leiden, weet iemand iets betaalbaars",
                          "waar kan onze band repeteren? zoeken een oefenruimte in de regio",
                          "is er een goedkope oefenruimte voor bands in gouda"),
    ("translation", "nl"): ("subsidie voor vertaling van mijn boek naar het engels??",
                            "kan ik subsidie krijgen om mijn gedichten te laten vertalen",
                            "welk fonds geeft subsidie voor vertalingen van kinderboeken"),
    ("street-art", "nl"): ("heb ik een vergunning nodig voor street art op een muur in de wijk",
                           "vergunning aanvragen voor een muurschildering op een muur, hoe werkt dat bij de gemeente",
                           "mag je graffiti spuiten op een muur met toestemming van de eigenaar of heb je een "
                           "vergunning nodig"),
    ("lawyer", "nl"): ("conflict over mijn contract met een theater, waar vind ik een jurist of advocaat",
                       "de organisator betaalt niet volgens het contract, kent iemand een advocaat",
                       "advocaat nodig die mijn contract met een platenlabel kan bekijken"),
    ("rehearsal", "en"): ("any cheap rehersal space for our band around leiden?",
                          "where can my band rehearse, we need a rehearsal space 2 evenings a week",
                          "looking for rehearsal space for a punk band in malmo"),
    ("translation", "en"): ("is there funding for translating my poetry book into swedish",
                            "funding for translaton of a novel?",
                            "who gives funding for the translation of childrens books"),
    ("street-art", "en"): ("do i need a permit to paint a street art mural on a wall",
                           "how do we get a permit for a graffiti wall in the town centre",
                           "permit for street art on a public building, who do i ask"),
    ("lawyer", "en"): ("need a lawyer, the venue broke our contract and wont pay",
                       "organiser refuses to pay per the contract, where do i find a lawyer",
                       "lawyer for a record label contract pls"),
}
UNRELATED = ("can i bring my dog to the culture breakfast", "vad kostar det att vara med i nätverket",
             "hoe laat begint de bijeenkomst in leiden", "hvornår er der næste netværksmøde",
             "är det här en riktig människa?", "what is the meaning of life")
TOPIC = {text: topic for (topic, _), texts in PARAPHRASES.items() for text in texts}


def cluster_of(result: Clustering) -> dict[str, int]:
    return {text: n for n, cluster in enumerate(result.clusters) for text in cluster.questions}


def test_paraphrases_in_four_languages_group_by_topic_and_never_mix_topics_or_join_unrelated_questions() -> None:
    result = cluster_questions([*[t for texts in PARAPHRASES.values() for t in texts], *UNRELATED])
    where = cluster_of(result)
    for cluster in result.clusters:
        assert len({TOPIC.get(text, text) for text in cluster.questions}) == 1, cluster.questions
    for (topic, language), texts in PARAPHRASES.items():
        assert all(text in where for text in texts), f"{topic}/{language} left a paraphrase alone"
        assert len({where[text] for text in texts}) == 1, f"{topic}/{language} split"
    assert not any(text in where for text in UNRELATED)
    assert result.questions == 54 and result.singles == len(UNRELATED)


def test_swedish_paraphrases_with_typos_form_exactly_their_four_topics_largest_first() -> None:
    swedish = [text for (_, language), texts in PARAPHRASES.items() if language == "sv" for text in texts]
    extra = "vill ha replokal för vårt band i flen"
    result = cluster_questions([*swedish, extra, *UNRELATED[:2]])
    topic = {**TOPIC, extra: "rehearsal"}
    groups = [frozenset(topic.get(text, text) for text in c.questions) for c in result.clusters]
    assert sorted(groups, key=sorted) == [{"lawyer"}, {"rehearsal"}, {"street-art"}, {"translation"}]
    assert [c.size for c in result.clusters] == [4, 3, 3, 3]
    assert "replokal" in result.clusters[0].keywords


def test_a_cluster_counts_repeated_questions_and_shows_at_most_three_distinct_examples() -> None:
    asked = ["finns det replokal i nyköping"] * 5 + ["replokal nyköping??", "letar replokal i nykoping",
                                                    "behöver replokal nyköping för bandet"]
    result = cluster_questions([*asked, "hur blir man medlem i nätverket"])
    (cluster,) = result.clusters
    assert cluster.size == 8
    assert cluster.examples[0] == "finns det replokal i nyköping"
    assert len(cluster.examples) == 3 == len(set(cluster.examples))
    assert result.singles == 1


def test_beyond_the_cap_further_questions_join_the_groups_found_or_stay_alone() -> None:
    head = ["söker replokal för band"] * 3 + ["jurist för kontrakt tvist"] * 3
    tail = ["replokal till vårt band i flen", "tvist om kontraktet med skivbolaget, behöver jurist",
            "var ligger närmaste bibliotek"]
    result = cluster_questions(head + tail, max_forms=2)
    assert (result.forms, result.compared) == (5, 2)
    where = cluster_of(result)
    assert where[tail[0]] == where[head[0]] != where[tail[1]] == where[head[3]]
    assert tail[2] not in where and result.singles == 1


def test_forms_of_one_word_and_typos_are_joined_but_different_short_words_are_not(
        language_data: LanguageData) -> None:
    canon = canonical_words(["replokal", "replokl", "översätta", "översättning", "konst", "kunst", "band",
                             "bank"], language_data.analyzer)
    assert canon["replokl"] == canon["replokal"]
    assert canon["översätta"] == canon["översättning"]
    assert canon["konst"] != canon["kunst"] and canon["band"] != canon["bank"]


def test_no_questions_give_no_clusters() -> None:
    empty: Sequence[str] = ()
    assert cluster_questions(empty) == Clustering(clusters=(), questions=0, singles=0, forms=0, compared=0)
