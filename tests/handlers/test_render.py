"""Splitting long Telegram HTML: under the limit as Telegram counts, at clean boundaries, tags balanced."""

from html import escape

from bot.conversation.events import Button, Reply
from handlers.render import fit, keyboard, link_url, split, split_plain
from tests.bot_api_rules import visible_text


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


def test_plain_text_is_split_under_the_limit_without_adding_tags() -> None:
    text = "A <b> & question. " * 500
    pieces = split_plain(text)
    assert len(pieces) > 1 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert " ".join(pieces).split() == text.split() and "</b>" not in "".join(pieces)


def test_a_caption_or_toast_is_fitted_in_utf16_units() -> None:
    assert fit("kort", 200) == "kort"
    fitted = fit("🎭" * 300, 200)
    assert len(fitted.encode("utf-16-le")) // 2 <= 200 and fitted.endswith("…")


def test_link_buttons_carry_only_urls_telegram_opens() -> None:
    assert link_url("https://www.kulturradet.se/bidrag") == "https://www.kulturradet.se/bidrag"
    assert link_url(" www.flen.se/kultur ") == "https://www.flen.se/kultur"
    assert link_url("mailto:kultur@flen.se") is None and link_url("ring oss") is None
    reply = Reply("x", buttons=((Button("Mail", url="mailto:a@b.se"),), (Button("Web", url="flen.se"),)))
    markup = keyboard(reply)
    assert markup is not None and [[b.url for b in row] for row in markup.inline_keyboard] == [["https://flen.se"]]


def test_a_text_of_zero_width_spaces_is_split_only_into_pieces_a_reader_sees() -> None:
    assert split_plain("\u200b" * 4096 + " " + "\u200b" * 10) == []
    pieces = split_plain("Svar: " + "\u200b" * 5000)
    assert len(pieces) == 1 and pieces[0].startswith("Svar:")
    assert split("<b>\u200b</b>") == []
