"""Every user-facing string, per language, from the catalogs in bot/i18n/locales/."""

from __future__ import annotations

import string
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from bot.languages import FALLBACK, LANGUAGES


class Catalog:
    """Messages by language and dotted key; `catalog(lang, key, **params)` formats one."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = messages

    def __call__(self, language: str, key: str, /, **params: Any) -> str:
        table = self.messages.get(language) or self.messages[FALLBACK]
        template = table.get(key) or self.messages[FALLBACK].get(key)
        if template is None:
            raise KeyError(f"no message {key!r}")
        return template.format(**params)

    def keys(self, language: str) -> frozenset[str]:
        """Every key a language has, for the completeness test."""
        return frozenset(self.messages.get(language, {}))


def language_of(code: str | None, default: str = FALLBACK) -> str:
    """Telegram's language_code ('sv', 'nl-BE', 'nb') to one we speak; Norwegian reads Danish best."""
    base = (code or "").split("-")[0].lower()
    if base in LANGUAGES:
        return base
    return "da" if base in ("nb", "nn", "no") else default


def placeholders(template: str) -> frozenset[str]:
    """The {names} a template needs, so the catalog test can compare languages."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_catalog() -> Catalog:
    """The shipped catalogs; the composition root reads them once and passes them on."""
    folder = resources.files("bot.i18n").joinpath("locales")
    return Catalog({lang: _flatten(yaml.safe_load(folder.joinpath(f"{lang}.yaml").read_text(encoding="utf-8")))
                    for lang in LANGUAGES})
