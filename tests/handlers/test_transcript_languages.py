"""Issue 11's bar: no message of the transcripts holds text of two languages outside names and quoted titles.

Every bot message of docs/transcripts/ is scanned clause by clause against words only one of the four languages
writes (the function words of bot/i18n/phrases, and the words of the catalogs and the base's per-language fields).
Names are left out: entry titles, organisations, roles, places, people; so are what people wrote themselves
(a staff answer relayed, a question quoted to staff) and a fallback the bot marks ("… (in English)").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n.catalog import Catalog, load_catalog
from bot.i18n.mixing import Cues, mixes_languages, vocabulary
from bot.i18n.phrases import load_phrases
from bot.knowledge.entries import KnowledgeBase, Text
from bot.knowledge.loader import load_knowledge
from bot.languages import LANGUAGES
from tests.handlers.transcript import DOCS, bot_messages, people_texts, topic_names

SHIPPED = Path(__file__).parents[2] / "knowledge"


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge(SHIPPED)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def cues(shipped: KnowledgeBase, catalog: Catalog) -> Cues:
    """Per language: its function words and the words only its catalog and entry texts use."""
    texts: dict[str, list[str]] = {lang: list(catalog.messages[lang].values()) for lang in LANGUAGES}
    for entry in shipped.entries:
        for field in (entry.body, entry.how_to_join):
            for lang, value in (field.by_language.items() if isinstance(field, Text) else ()):
                if lang in texts:
                    texts[lang].append(value)
    learnt = vocabulary(texts)
    function_words = load_phrases().function_words
    return {lang: function_words[lang] | learnt[lang] for lang in LANGUAGES}


@pytest.fixture(scope="module")
def names(shipped: KnowledgeBase) -> list[str]:
    """What a message may hold in any language: the names of entries, organisations, roles and places."""
    found: list[str] = []
    for entry in shipped.entries:
        found += [*entry.title.all(), *entry.regions]
        found += [str(v) for v in (entry.organisation, entry.role, entry.place, entry.municipality) if v]
    return found


def scanned(markdown: str, catalog: Catalog) -> Iterator[str]:
    """The bot's messages with what people wrote (a question's key words naming its topic too) and marked
    fallbacks left out."""
    quoted = people_texts(markdown) + topic_names(markdown)
    markers = tuple(catalog(lang, "card.in_language") for lang in LANGUAGES)
    for message in bot_messages(markdown):
        lines = [line for line in message.splitlines() if not line.rstrip().endswith(markers)]
        text = "\n".join(lines)
        for words in sorted(quoted, key=len, reverse=True):
            text = text.replace(words, " ")
        yield text


def test_the_transcripts_are_there() -> None:
    assert sorted(p.stem for p in DOCS.glob("*.md")) == ["da-music-school-naestved", "en-expat", "nl-artist-leiden",
                                                         "staff-ticket", "sv-theatre-group-flen"]


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.md")), ids=lambda p: p.stem)
def test_no_message_of_a_transcript_mixes_two_languages(path: Path, cues: Cues, names: list[str],
                                                        catalog: Catalog) -> None:
    messages = list(scanned(path.read_text(encoding="utf-8"), catalog))
    assert messages
    mixed = [m for m in messages if mixes_languages(m, cues, names=names)]
    assert mixed == [], "messages with two languages:\n\n" + "\n---\n".join(mixed)


def test_the_scan_catches_a_seeded_mixed_message(cues: Cues, names: list[str], catalog: Catalog) -> None:
    swedish = catalog("sv", "escalate.off_topic")
    assert not mixes_languages(swedish, cues, names=names)
    assert mixes_languages(swedish + "\n" + catalog("en", "escalate.choose"), cues, names=names)
    assert mixes_languages("Vem kan söka: fria grupper, professionella scenkonstnärer, independent groups", cues,
                           names=names)
    assert mixes_languages("Sådan bliver du med: kontakt koordinatoren / Heads and deputy heads of schools join",
                           cues, names=names)


def test_names_quoted_titles_and_marked_fallbacks_are_not_mixing(cues: Cues, names: list[str],
                                                                 catalog: Catalog) -> None:
    marked = "Talentnettet is a network for heads of arts schools " + catalog("en", "card.in_language")
    transcript = "\n".join(["**🤖 Kulturlots** sends:", "", "```text", "Hur man går med:", marked, "```", ""])
    assert list(scanned(transcript, catalog)) == ["Hur man går med:"]
    assert not mixes_languages('Vi har ett kort om "Where are the funds for the arts and who can apply" här.', cues)
    assert not mixes_languages("I found a few things that may fit.\nKulturrådet: projektbidrag till fri scenkonst",
                               cues, names=names)
