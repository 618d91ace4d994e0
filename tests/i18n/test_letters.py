"""Greetings, sign-offs, courtesy lines and names come out of a staff answer; its content stays."""

import pytest

from bot.i18n.letters import load_letters


@pytest.mark.parametrize(("letter", "body"), [
    ("Hej Mette!\n\nNi kan söka Talentpuljen hos Slots- og Kulturstyrelsen.\n\nMvh Eva",
     "Ni kan söka Talentpuljen hos Slots- og Kulturstyrelsen."),
    ("Kære Mette\nI kan søge om tilskud hos Statens Kunstfond.\nHåber det hjælper!\nVenlig hilsen\nEva Holm",
     "I kan søge om tilskud hos Statens Kunstfond."),
    ("Hoi Jan,\nDe Leidse Aanpak kost 2 euro per leerling.\nMet vriendelijke groet,\nEva de Vries",
     "De Leidse Aanpak kost 2 euro per leerling."),
    ("Hi Anna, the deadline is 1 May.\nThanks for your question!\nBest,\nEva", "The deadline is 1 May."),
    ("Hej! Deadline är 1 maj. Mvh Eva", "Deadline är 1 maj."),
])
def test_the_letter_around_an_answer_is_dropped(letter: str, body: str) -> None:
    assert load_letters().strip(letter) == body


@pytest.mark.parametrize("text", ["Dag en tijd staan op de website.", "Best practice: apply early.",
                                  "Ja: Kulturrådets översättningsstöd.", "Hälsningar från Flen fick vi många av."])
def test_words_that_only_look_like_greetings_or_sign_offs_stay(text: str) -> None:
    assert load_letters().strip(text) == text


def test_staff_names_are_dropped_where_they_address_someone() -> None:
    stripped = load_letters().strip("Ring kommunen, Eva. Kulturrådet svarar också.", names=["Eva"])  # noqa: B005 - the letters' own strip
    assert stripped == "Ring kommunen. Kulturrådet svarar också."
