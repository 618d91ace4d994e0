"""Splitting long Telegram HTML: under the limit as Telegram counts, at clean boundaries, tags balanced."""

from html import escape

from handlers.render import split
from tests.emulator import visible_text


def test_a_long_text_is_cut_at_paragraphs_and_nothing_is_lost() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 60 for n in range(60)]
    pieces = split("\n\n".join(paragraphs))
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert all(p.endswith("word") for p in pieces[:-1])  # each cut fell at a paragraph end
    assert [line.strip() for p in pieces for line in p.split("\n\n")] == [p.strip() for p in paragraphs]


def test_a_cut_inside_bold_closes_and_reopens_it_and_never_breaks_an_entity() -> None:
    html = "<b>" + escape("Tom & Jerry <3 " * 700) + "</b>"
    pieces = split(html)
    assert len(pieces) > 2 and all(p.startswith("<b>") and p.endswith("</b>") for p in pieces)
    shown = [visible_text(p, "HTML") for p in pieces]  # raises on broken tags or a cut &amp;
    assert " ".join(shown).split() == ("Tom & Jerry <3 " * 700).split()


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    pieces = split("🎭 " * 3000)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert sum(p.count("🎭") for p in pieces) == 3000


def test_a_short_text_is_left_whole() -> None:
    assert split("<b>Hej</b> &amp; välkommen") == ["<b>Hej</b> &amp; välkommen"]
