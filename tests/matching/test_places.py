"""The gazetteer: which places a question names and whether an entry covers them."""

import pytest

from bot.matching.language_data import LanguageData
from bot.matching.places import Fit, Gazetteer


@pytest.fixture
def gazetteer(language_data: LanguageData) -> Gazetteer:
    return language_data.gazetteer


def names(gazetteer: Gazetteer, text: str) -> list[str]:
    return [p.name for p in gazetteer.find(text)]


def test_places_are_found_in_genitives_adjectives_and_several_words(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "vem är kulturchef i norrköpings kommun") == ["norrkoping"]
    assert names(gazetteer, "De Leidse Aanpak") == ["leiden"]
    assert names(gazetteer, "ik woon in Den Haag") == [names(gazetteer, "Den Haag")[0]]
    assert names(gazetteer, "kulturkonsulent i naestved") == names(gazetteer, "kulturkonsulent i Næstved")


def test_country_codes_are_not_read_as_places_in_text(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "kan jag se en föreställning, no way") == []


def test_countries_abroad_are_places_never_served(gazetteer: Gazetteer) -> None:
    found = gazetteer.find("partners in Polen, Portugal och Lettland, och en turné i USA")
    assert [p.name for p in found] == ["pl", "pt", "lv", "us"]
    assert not any(p.home or p.local for p in found)
    assert Gazetteer.specific(found) == ()  # a partner abroad moves no entry's place fit
    latvia = gazetteer.lookup("lettland")
    assert latvia is not None and "baltic" in latvia.chain


def test_a_word_of_two_letters_is_no_country_code(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("it") is not None  # the tag an entry's regions may use
    assert gazetteer.word("it") is None and gazetteer.word("at") is None and gazetteer.word("in") is None
    assert gazetteer.word("italien") == gazetteer.lookup("it")


def test_an_entry_covers_its_most_specific_regions(gazetteer: Gazetteer) -> None:
    assert [p.name for p in gazetteer.coverage(["se", "Sörmland", "Katrineholm"])] == ["katrineholm"]
    assert [p.name for p in gazetteer.coverage(["se", "Sörmland", "eu"])] == ["sormland"]


def test_fit_tells_local_regional_covered_and_elsewhere_apart(gazetteer: Gazetteer) -> None:
    g = gazetteer
    flen = g.find("i flen")
    assert g.fit(g.coverage(["se", "Sörmland", "Flen"]), flen) is Fit.LOCAL
    assert g.fit(g.coverage(["se", "Sörmland"]), flen) is Fit.REGIONAL
    assert g.fit(g.coverage(["se"]), flen) is Fit.COVERED
    assert g.fit(g.coverage(["se", "Sörmland", "Katrineholm"]), flen) is Fit.ELSEWHERE
    assert g.fit(g.coverage(["nl", "Zuid-Holland", "Leiden"]), g.find("gemeente gouda")) is Fit.ELSEWHERE
    assert g.fit((), flen) is Fit.NEUTRAL
    assert g.fit(g.coverage(["se"]), ()) is Fit.NEUTRAL


def test_a_wide_area_named_beside_specific_ones_does_not_excuse_a_mismatch(gazetteer: Gazetteer) -> None:
    g = gazetteer
    named = g.find("a swedish group with partners in norway, nordic money")
    assert g.fit(g.coverage(["dk"]), named) is Fit.ELSEWHERE


def test_a_municipal_entry_also_covers_the_neighbours_its_text_names(gazetteer, ) -> None:
    g = gazetteer
    text = ["Fonds for projects in Den Haag, Leiden, Delft and Zoetermeer; office in Amsterdam."]
    coverage = g.entry_coverage(["nl", "Zuid-Holland", "Leiden"], text)
    assert g.fit(coverage, g.find("een festival in delft")) is Fit.LOCAL
    assert g.fit(coverage, g.find("een festival in amsterdam")) is Fit.ELSEWHERE
    assert g.fit(coverage, g.find("een festival in gouda")) is Fit.ELSEWHERE


def test_a_regional_entry_stays_regional_whatever_towns_its_text_names(gazetteer, ) -> None:
    g = gazetteer
    coverage = g.entry_coverage(["se", "Sörmland"], ["Regionens kulturenhet har kontor i Eskilstuna."])
    assert g.fit(coverage, g.find("teater i flen")) is Fit.REGIONAL
