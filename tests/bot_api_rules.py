"""What the Bot API accepts from a bot, as documented at https://core.telegram.org/bots/api.

Pure checks for the emulator: each raises ApiError with Telegram's own wording (from the Bot API
server and TDLib) where it is known, so an end-to-end test that passes also proves the bot sends
only what api.telegram.org would accept. Where real Telegram is laxer than its documentation
(a bare '&' or '>' in HTML is kept as text there), these rules follow the documentation.
"""

from __future__ import annotations

import re
from typing import Any

TEXT_MAX = 4096  # message text, after entity parsing, in UTF-16 code units
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 64  # bytes
ANSWER_TEXT_MAX = 200  # answerCallbackQuery notification text
TOPIC_NAME_MAX = 128
COMMANDS_MAX = 100
COMMAND_MAX, COMMAND_DESCRIPTION_MAX = 32, 256

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
                  "callback_game", "pay")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}

# Telegram's HTML: the documented tags, what each may contain, and the only named entities.
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
             "code", "pre", "blockquote"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+));")
_NAME = re.compile(r"[a-zA-Z0-9_-]*")
_UNQUOTED = re.compile(r"[a-zA-Z0-9.\-]*")
_COMMAND = re.compile(r"[a-z0-9_]+")


class ApiError(Exception):
    """A refused call: the HTTP status, Telegram's description, and retry_after for 429."""

    def __init__(self, code: int, description: str, retry_after: int | None = None, *, injected: bool = False) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.injected = injected  # a fault a test asked for, not a rule the bot broke


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def require(params: dict[str, Any], *names: str) -> None:
    """Missing or empty required parameters, worded as the Bot API server words them."""
    for name in names:
        if params.get(name) in (None, ""):
            if name == "chat_id":
                raise bad_request("chat_id is empty")
            if name == "text":
                raise bad_request("message text is empty")
            raise bad_request(f'parameter "{name}" is required')


# ---------------------------------------------------------------- HTML parse mode
def _entity_error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


def parse_html(html: str) -> str:
    """The visible text of Telegram HTML; refuses what the documented HTML style does not allow."""
    out: list[str] = []
    stack: list[str] = []
    i = 0

    def at(index: int) -> int:  # Telegram reports positions as UTF-8 byte offsets
        return len(html[:index].encode())

    while i < len(html):
        char = html[i]
        if char == "&":
            match = _ENTITY.match(html, i)
            if match is None or (match.group(3) is not None and match.group(3) not in NAMED_ENTITIES):
                raise _entity_error(f"unsupported or unescaped '&' at byte offset {at(i)}; only &lt;, &gt;, "
                                    "&amp;, &quot; and numeric entities are supported")
            number, hexa, name = match.groups()
            out.append(NAMED_ENTITIES[name] if name else chr(int(number) if number else int(hexa, 16)))
            i = match.end()
        elif char == ">":
            raise _entity_error(f"unescaped '>' at byte offset {at(i)}")
        elif char != "<":
            out.append(char)
            i += 1
        elif html.startswith("</", i):
            i = _end_tag(html, i, stack, at)
        else:
            i = _start_tag(html, i, stack, at)
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _end_tag(html: str, start: int, stack: list[str], at: Any) -> int:
    end = html.find(">", start)
    if not stack:
        raise _entity_error(f"Unexpected end tag at byte offset {at(start)}")
    if end < 0:
        raise _entity_error(f"Unclosed end tag at byte offset {at(start)}")
    name = html[start + 2:end].strip().lower()
    if name and name != stack[-1]:
        raise _entity_error(f'Unmatched end tag at byte offset {at(start)}, expected "</{stack[-1]}>", '
                            f'found "</{name}>"')
    stack.pop()
    return end + 1


def _start_tag(html: str, start: int, stack: list[str], at: Any) -> int:
    name_match = _NAME.match(html, start + 1)
    assert name_match is not None
    name = name_match.group().lower()
    if name not in HTML_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}" at byte offset {at(start)}')
    attributes: dict[str, str] = {}
    i = name_match.end()
    while True:
        while i < len(html) and html[i].isspace():
            i += 1
        if i >= len(html):
            raise _entity_error(f"Unclosed start tag at byte offset {at(start)}")
        if html[i] == ">":
            break
        attribute = _NAME.match(html, i)
        assert attribute is not None
        if not attribute.group():
            raise _entity_error(f'Empty attribute name in the tag "{name}" at byte offset {at(i)}')
        i = attribute.end()
        while i < len(html) and html[i].isspace():
            i += 1
        value = ""
        if i < len(html) and html[i] == "=":
            i += 1
            while i < len(html) and html[i].isspace():
                i += 1
            if i < len(html) and html[i] in "'\"":
                close = html.find(html[i], i + 1)
                if close < 0:
                    raise _entity_error(f"Unclosed start tag at byte offset {at(start)}")
                value, i = html[i + 1:close], close + 1
            else:
                token = _UNQUOTED.match(html, i)
                assert token is not None
                if not token.group():
                    raise _entity_error(f"Unexpected end of name token at byte offset {at(i)}")
                value, i = token.group(), token.end()
        attributes[attribute.group().lower()] = value
    _check_tag(name, attributes, stack, at(start))
    stack.append(name)
    return i + 1


def _check_tag(name: str, attributes: dict[str, str], stack: list[str], offset: int) -> None:
    """The documented attributes and nesting rules: code and pre hold plain text (pre may wrap one code), no
    blockquote in a blockquote, no link in a link."""
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attributes.get("emoji-id"):
        raise _entity_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
    parent = stack[-1] if stack else None
    if parent == "code" or (parent == "pre" and name != "code"):
        raise _entity_error(f'Tag "{name}" can\'t be nested inside "{parent}" at byte offset {offset}')
    if name in ("blockquote", "a") and name in stack:
        raise _entity_error(f'Tag "{name}" can\'t be nested inside "{name}" at byte offset {offset}')


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees: HTML parsed and validated; other parse modes are not used by Kulturlots."""
    mode = (parse_mode or "").strip()
    if not mode:
        return text
    if mode.upper() == "HTML":
        return parse_html(text)
    if mode in ("Markdown", "MarkdownV2"):
        raise NotImplementedError(f"the emulator does not parse {mode}")
    raise bad_request(f"unsupported parse_mode {mode!r}")


def check_text(text: Any, parse_mode: str | None) -> str:
    """A message text: 1-4096 UTF-16 code units once entities are parsed (blank counts as empty)."""
    shown = visible_text(str(text), parse_mode)
    if not shown.strip():
        raise bad_request("message text is empty")
    if utf16_len(shown) > TEXT_MAX:
        raise bad_request("message is too long")
    return shown


def check_caption(caption: Any, parse_mode: str | None) -> str:
    shown = visible_text(str(caption or ""), parse_mode)
    if utf16_len(shown) > CAPTION_MAX:
        raise bad_request("message caption is too long")
    return shown


# ---------------------------------------------------------------- keyboards, commands
def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """An inline keyboard: rows of buttons, each with text and exactly one action."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards and their removal: Kulturlots sends none
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or "text" not in button:
        raise bad_request('can\'t parse inline keyboard button: Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: text must be non-empty")
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(f"can't parse inline keyboard button: exactly one of the optional fields must be used, "
                          f"not {', '.join(actions)}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        if not re.match(r"(?i)(https?://[^\s/?#]+|tg://)\S*$", url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")


def check_commands(commands: Any, language_code: Any) -> list[dict[str, str]]:
    """setMyCommands: at most 100 commands of 1-32 [a-z0-9_] with a 1-256 character description."""
    if language_code not in (None, "") and not re.fullmatch(r"[a-z]{2}", str(language_code)):
        raise bad_request("invalid language code specified")
    if not isinstance(commands, list):
        raise bad_request('parameter "commands" is required')
    if len(commands) > COMMANDS_MAX:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name = str(command.get("command", "")).strip().removeprefix("/")
        description = str(command.get("description", "")).strip()
        if not name:
            raise bad_request("command must be non-empty")
        if len(name) > COMMAND_MAX:
            raise bad_request(f"command length must not exceed {COMMAND_MAX}")
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > COMMAND_DESCRIPTION_MAX:
            raise bad_request(f"command description length must not exceed {COMMAND_DESCRIPTION_MAX}")
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
    return commands
