"""Typed settings read from config.yaml; secrets come only from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.languages import Language

CONFIG_ENV = "KULTURLOTS_CONFIG"
DEFAULT_CONFIG = Path("config.yaml")


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming file and key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SHIPPED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


class KnowledgeSettings(_Section):
    path: Path | None = None  # None: the base shipped with Kulturlots
    review_after_days: Annotated[int, Field(gt=0)] = 180  # an entry not reviewed for this long is listed for a look


Score = Annotated[float, Field(ge=0.0, le=1.0)]


class MatchingSettings(_Section):
    """Decision thresholds on the matcher's 0..1 confidence scale."""

    answer_min: Score = 0.4
    answer_margin: Score = 0.16
    sure_closed: Score = 0.63
    sure_open: Score = 0.5
    offer_below: Score = 0.45
    clarify_min: Score = 0.35
    answer_sure: Score = 0.7       # the confidence model's thresholds (bot/matching/confidence.py)...
    answer_offer: Score = 0.5
    options_keep: Score = 0.4
    escalation_offer: Score = 0.7
    clarify_window: Score = 0.2
    max_options: Annotated[int, Field(ge=2, le=5)] = 5
    place_boost: Score = 0.06
    place_penalty: Score = 0.75
    profile_boost: Score = 0.04
    intent_boost: Score = 0.12


class StorageSettings(_Section):
    url: str = "sqlite:///data/kulturlots.db"


class WebhookSettings(_Section):
    """Where `run --webhook URL` listens; the public URL (behind a proxy) is given on the command line."""

    listen: str = "127.0.0.1"  # the address of this instance's server (the proxy in front terminates HTTPS)
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    max_connections: Annotated[int, Field(ge=1, le=100)] = 40  # Telegram's simultaneous requests (setWebhook)


class TelegramSettings(_Section):
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: Annotated[int, Field(ge=0, le=60)] = 30
    concurrent_updates: Annotated[int, Field(ge=1, le=256)] = 16  # chats handled at once (each chat in order)
    # seconds a call waits for Telegram's answer (python-telegram-bot's default is 5), so a slow answer is waited
    # for. A message whose request went out in full but whose answer came later (a read timeout) is taken as sent
    # and not sent again, counted on its row as ambiguous; one that never left in full (a connect, write or pool
    # timeout) is sent again; a new topic waits longer (handlers/delivery.py, TOPIC_WAIT), as its thread id is needed
    send_timeout: Annotated[float, Field(gt=0, le=120)] = 20.0
    # messages a second in all that the bot keeps itself: Telegram's free limit is about 30, counted as they arrive,
    # so 28 leaves room for jitter; a bot that pays for broadcasts (allow_paid_broadcast) may send up to 1000 (per
    # chat and per group the limits stay)
    messages_per_second: Annotated[int, Field(ge=1, le=1000)] = 28
    webhook: WebhookSettings = WebhookSettings()


ANSWER_TIME: dict[Language, str] = {"sv": "inom två arbetsdagar", "da": "inden for to arbejdsdage",
                                    "nl": "binnen twee werkdagen", "en": "within two working days"}


class StaffSettings(_Section):
    """Who answers escalated questions, where, and what users are promised."""

    group_chat_id: int | None = None  # the staff supergroup; without it escalations are only logged
    topics: bool = True               # one forum topic per ticket where the group has topics
    user_ids: tuple[int, ...] = ()    # staff by Telegram user id
    group_members_are_staff: bool = True
    member_cache_seconds: Annotated[int, Field(ge=0)] = 300
    language: Language = "en"         # the language of staff-side messages
    answer_time: dict[Language, str] = Field(default_factory=lambda: dict(ANSWER_TIME))
    remind_after_hours: Annotated[float, Field(gt=0)] = 24.0
    keep_chat_days: Annotated[float, Field(gt=0)] = 30.0  # a closed ticket forgets the user's chat id after this
    export_questions: bool = True     # the xlsx export's 'questions' sheet for staff (contact details masked)


class ContactSettings(_Section):
    """Kontakt's limits: how many introductions one asker may have open or ask in a day, how long one waits."""

    open_per_asker: Annotated[int, Field(ge=1)] = 3
    per_day: Annotated[int, Field(ge=1)] = 5
    expire_days: Annotated[float, Field(gt=0)] = 7.0
    page_size: Annotated[int, Field(ge=1, le=10)] = 3


class PrivacySettings(_Section):
    """How long what people wrote is kept."""

    retention_days: Annotated[float, Field(gt=0)] = 365.0  # question texts, raw updates, closed tickets' chat ids


class FloodSettings(_Section):
    """Per-user limits, so one person (or a script) cannot drown the bot or the staff group."""

    messages_per_minute: Annotated[int, Field(gt=0)] = 20
    tickets_per_day: Annotated[int, Field(gt=0)] = 5


class ReminderSettings(_Section):
    """When deadline reminders go: so many days before, from a local hour on (the three countries share a zone)."""

    days_before: tuple[Annotated[int, Field(ge=0, le=365)], ...] = (14, 3)
    hour: Annotated[int, Field(ge=0, le=23)] = 9
    timezone: str = "Europe/Stockholm"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A zone name the system knows, so a typo fails at start rather than at the first reminder."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Settings(_Section):
    """The whole configuration; `root` is the folder of the config file."""

    root: Path = Field(default=Path("."), exclude=True)
    default_language: Language = "en"
    knowledge: KnowledgeSettings = KnowledgeSettings()
    matching: MatchingSettings = MatchingSettings()
    storage: StorageSettings = StorageSettings()
    telegram: TelegramSettings = TelegramSettings()
    staff: StaffSettings = StaffSettings()
    contact: ContactSettings = ContactSettings()
    privacy: PrivacySettings = PrivacySettings()
    flood: FloodSettings = FloodSettings()
    reminders: ReminderSettings = ReminderSettings()

    def resolve(self, path: Path) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        return path if path.is_absolute() else (self.root / path).resolve()

    @property
    def knowledge_dir(self) -> Path:
        """The configured base; without one, the shipped base, so a minimal config file still runs."""
        return self.resolve(self.knowledge.path) if self.knowledge.path is not None else SHIPPED_KNOWLEDGE

    @property
    def database_url(self) -> str:
        """The storage URL with a relative SQLite path anchored at the config folder."""
        prefix = "sqlite:///"
        url = self.storage.url
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve(Path(url[len(prefix):])))
        return url


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the config lives: an explicit path, then $KULTURLOTS_CONFIG, then ./config.yaml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate a config file; every problem becomes a one-line ConfigError."""
    file = config_path(path)
    try:
        raw: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the config file ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{file}{where}: not valid YAML ({problem})") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    return settings_from_mapping(from_environment(raw, os.environ, source=str(file)), root=file.resolve().parent,
                                 source=str(file))


ENV_REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


def from_environment(raw: Any, environ: Mapping[str, str], *, source: str, key: str = "") -> Any:
    """Each `${NAME}` in a text value replaced by that environment variable, so a secret (a database URL with its
    password) stays out of the file; an unset variable is a ConfigError naming it and the key."""
    if isinstance(raw, dict):
        return {name: from_environment(value, environ, source=source, key=f"{key}.{name}".lstrip("."))
                for name, value in raw.items()}
    if isinstance(raw, list):
        return [from_environment(value, environ, source=source, key=key) for value in raw]
    if not isinstance(raw, str):
        return raw

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in environ:
            raise ConfigError(f"{source}: {key}: the environment variable {match.group(1)} is not set")
        return environ[match.group(1)]

    return ENV_REFERENCE.sub(value, raw)


def settings_from_mapping(raw: dict[str, Any], *, root: Path, source: str = "config") -> Settings:
    """Validate an already-parsed mapping, as tests and load_settings do."""
    if "root" in raw:
        raise ConfigError(f"{source}: root: unknown key")
    try:
        return Settings.model_validate({**raw, "root": root})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        raise ConfigError(f"{source}: {key}: {message}") from None
