"""The find-people recognition: measured on the labelled routing set, and kept off the knowledge-base sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.contact.recognise import Recogniser
from bot.contact.vocabulary import load_vocabulary
from bot.matching.language_data import LanguageData

DATA = Path(__file__).parents[1] / "data"
ROUTING = DATA / "contact" / "routing.yaml"
ROUTED_RIGHT = 0.90  # the bar
DIVERTED_AT_MOST = 0.01  # knowledge-base questions taken for a search for people


@pytest.fixture(scope="module")
def recogniser(language_data: LanguageData) -> Recogniser:
    return Recogniser(load_vocabulary(), language_data.lexicon, language_data.gazetteer)


def routed(recogniser: Recogniser, text: str) -> str:
    return "people" if recogniser.search_in(text) else "knowledge"


def test_the_routing_set_holds_forty_searches_and_forty_base_questions_in_four_languages() -> None:
    questions = yaml.safe_load(ROUTING.read_text(encoding="utf-8"))["questions"]
    for lang in ("sv", "da", "nl", "en"):
        for route in ("people", "knowledge"):
            assert sum(q["lang"] == lang and q["route"] == route for q in questions) == 10


def test_at_least_nine_in_ten_of_the_routing_set_are_routed_right(recogniser: Recogniser) -> None:
    questions = yaml.safe_load(ROUTING.read_text(encoding="utf-8"))["questions"]
    right = sum(routed(recogniser, q["text"]) == q["route"] for q in questions)
    assert right / len(questions) >= ROUTED_RIGHT


def test_the_knowledge_base_sets_barely_reach_the_directory(recogniser: Recogniser) -> None:
    """Their figures in the quality table hold only if their questions still go to the matcher."""
    questions = [q["q"] for path in sorted((DATA / "eval").glob("*.yaml"))
                 for q in yaml.safe_load(path.read_text(encoding="utf-8"))]
    diverted = sum(routed(recogniser, q) == "people" for q in questions)
    assert diverted / len(questions) <= DIVERTED_AT_MOST


@pytest.mark.parametrize(("text", "sought", "art", "place"), [
    ("looking for a choreographer in Katrineholm", "choreographer", "dance", "katrineholm"),
    ("hvem laver scenografi på Fyn?", "scenografi", "theatre", "fyn"),
    ("zoek een illustrator in Leiden", "illustrator", "visual-arts", "leiden"),
    ("vi söker en ljudtekniker i Sörmland", "ljudtekniker", "music", "sormland"),
])
def test_a_search_names_the_role_its_art_form_and_the_place(recogniser: Recogniser, text: str, sought: str,
                                                           art: str, place: str) -> None:
    search = recogniser.search_in(text)
    assert search is not None and search.sought == sought and art in search.art_forms
    assert search.place is not None and search.place.name == place


@pytest.mark.parametrize("text", ["is there funding for a choreographer in leiden",
                                  "I'm a musician in Flen, who at the council deals with culture?",
                                  "how do i file my tax return as a freelance musician",
                                  "hvem laver dans på Fyn"])  # an art form is not a craft one person does
def test_money_a_self_description_or_an_off_topic_subject_is_not_a_search(recogniser: Recogniser, text: str) -> None:
    assert recogniser.search_in(text) is None


# Each of these was taken for a search before the rule it names (checked against the code before it).
@pytest.mark.parametrize("text", ["kan en ljudtekniker hyra ut sin utrustning?",
                                  "må en billedkunstner dele sit værksted med en fotograf?",
                                  "mag ik mijn repetitieruimte delen met een andere muzikant?",
                                  "can a sound technician rent out his own equipment?"])
def test_a_yes_no_question_about_what_a_role_may_do_is_not_a_search(recogniser: Recogniser, text: str) -> None:
    assert recogniser.search_in(text) is None


@pytest.mark.parametrize("text", ["jag e koreograf o undrar om ni har en lista", "ja e fotograf i flen, hur funkar det här"])
def test_a_role_after_chats_jag_e_describes_the_writer(recogniser: Recogniser, text: str) -> None:
    assert recogniser.search_in(text) is None


@pytest.mark.parametrize("text", ["does anyone know an illustrator in leiden", "is there a dancer in odense",
                                  "kan nån rekommendera en ljudtekniker i flen?"])
def test_a_yes_no_question_that_seeks_someone_or_asks_whether_one_exists_is_still_a_search(
        recogniser: Recogniser, text: str) -> None:
    assert recogniser.search_in(text) is not None


def test_find_takes_an_art_form_name_and_a_place(recogniser: Recogniser) -> None:
    search = recogniser.command("dans Katrineholm")
    assert search is not None and search.art_forms == ("dance",) and search.place is not None
    assert search.place.name == "katrineholm"
    assert recogniser.command("Katrineholm") is None
