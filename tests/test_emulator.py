"""The emulator speaks the Bot API closely enough for the real python-telegram-bot."""

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from tests.emulator import BotApiEmulator


def bot_for(emu: BotApiEmulator) -> Bot:
    return Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)


async def test_a_bot_sends_html_with_a_keyboard_and_a_document(emulator: BotApiEmulator) -> None:
    user = emulator.user(42)
    async with bot_for(emulator) as bot:
        assert (await bot.get_me()).username == "kulturlots_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Helpful", callback_data="fb:1:y")]])
        sent = await bot.send_message(42, "<b>Title</b> &amp; more", parse_mode="HTML", reply_markup=markup)
        await bot.send_document(42, document=b"a,b\n1,2\n", filename="needs.csv")
    assert sent.text == "Title & more"
    assert user.messages[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "fb:1:y"
    assert emulator.documents[0]["filename"] == "needs.csv" and emulator.documents[0]["content"] == b"a,b\n1,2\n"


async def test_errors_reach_ptb_as_the_right_exceptions(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    async with bot_for(emulator) as bot:
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(42, "a <script> b", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="x" * 65)]]))
        emulator.fail("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "x")
        assert "3" in str(flood.value)
        emulator.fail("sendMessage", 500)
        with pytest.raises(NetworkError):
            await bot.send_message(42, "x")
        emulator.blocked.add(42)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(42, "x")


async def test_an_application_polls_answers_text_and_button_presses(emulator: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}",
                                                  reply_markup=InlineKeyboardMarkup(
                                                      [[InlineKeyboardButton("ok", callback_data="ok")]]))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("thanks")
        await update.callback_query.edit_message_text("pressed")

    app = (ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)
           .base_file_url(emulator.base_file_url).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    user = emulator.user(7)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await user.send("hej")
        reply = await user.next_message()
        assert reply["text"] == "echo: hej"
        await user.press(reply, "ok")
        await emulator.wait_for(lambda: user.messages[0]["text"] == "pressed")
        assert emulator.answered_callbacks[0]["text"] == "thanks"
        await app.updater.stop()
        await app.stop()
    await asyncio.sleep(0)
