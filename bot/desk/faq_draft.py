"""A faq entry drafted from a ticket: the staff answer without letter trimmings, a readable id, users' question."""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Container, Sequence
from datetime import date
from pathlib import Path

import yaml

from bot.knowledge.entries import ID_MAX
from bot.knowledge.loader import load_knowledge
from bot.matching.text import Lexicon

ID_WORDS = 4  # a faq id names its subject in a few words: faq-bidrag-oversattning-diktsamling
ID_LENGTH = 48
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ß": "ss"})


def readable_id(subject: str, *, taken: Container[str], lexicon: Lexicon, fallback: str) -> str:
    """'faq-' and the subject's first content words, whole words only, unique in the base."""
    folded = unicodedata.normalize("NFKD", subject.lower().translate(ASCII)).encode("ascii", "ignore").decode()
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", folded):
        if len(word) > 2 and not lexicon.is_stopword(word) and word not in words:
            words.append(word)
    base = "faq"
    for word in words[:ID_WORDS]:
        if len(f"{base}-{word}") > ID_LENGTH:
            break
        base = f"{base}-{word}"
    if base == "faq":
        base = fallback
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate[:ID_MAX]


def write_faq_draft(folder: Path, *, number: int, entry_id: str, language: str, question: str, answer: str,
                    examples: Sequence[str] = (), today: date) -> Path:
    """knowledge/drafts/faq-ticket-N.yaml: a one-entry faq file the loader reads, to publish or finish by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = list(dict.fromkeys(q.strip() for q in (question, *examples) if q.strip()))
    entry = {"id": entry_id, "title": {language: question.strip()[:120]}, "answer": {language: answer.strip()},
             "keywords": [], "questions": questions}
    path = folder / f"faq-ticket-{number}.yaml"
    header = f"# Drafted from ticket #{number} on {today.isoformat()}.\n"
    path.write_text(header + yaml.safe_dump({"kind": "faq", "entries": [entry]}, allow_unicode=True,
                                            sort_keys=False), encoding="utf-8")
    with tempfile.TemporaryDirectory() as check:  # the draft alone must load, whatever else is in drafts/
        shutil.copy(path, check)
        load_knowledge(check)
    return path
