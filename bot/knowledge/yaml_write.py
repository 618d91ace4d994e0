"""Writing changes into the base's YAML: only changed entries' lines are rewritten; the rest stays byte for byte."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from bot.knowledge.changes import Changes
from bot.knowledge.entries import Entry, Kind, KnowledgeBase, KnowledgeErrors, Text
from bot.knowledge.fields import FIELD_ORDER, LIST_FIELDS
from bot.knowledge.loader import load_knowledge

PLAIN = re.compile(r"[^\W\d_][\w .&/'-]*", re.UNICODE)
YAML_WORDS = frozenset(("yes", "no", "on", "off", "true", "false", "null", "y", "n"))
BLOCK_LISTS = frozenset(("questions",))


def apply_changes(kb: KnowledgeBase, changes: Changes) -> list[Path]:
    """Rewrite the files the changes touch, check the result loads as expected, and return the files written.

    On any surprise the files are restored and KnowledgeErrors or RuntimeError is raised."""
    texts = {path: path.read_text(encoding="utf-8") for path in _files(kb.root)}
    edited = dict(texts)
    replaced = [(c.before, c.after if c.after and c.after.kind == c.before.kind else None)
                for c in changes.changed + changes.removed if c.before]
    for before, after in sorted(replaced, key=lambda pair: -pair[0].source.line):  # bottom up: lines stay put
        path = Path(before.source.file)
        edited[path] = _splice(edited[path], before, after)
    moved = [c.after for c in changes.changed if c.after and c.before and c.after.kind != c.before.kind]
    for entry in [c.after for c in changes.added if c.after] + [e for e in moved if e]:
        path = _file_for(kb.root, entry.kind, edited)
        edited[path] = _append(edited.get(path, f"kind: {entry.kind.value}\nentries:\n"), entry)
    written = [path for path, text in edited.items() if texts.get(path) != text]
    for path in written:
        path.write_text(edited[path], encoding="utf-8")
    try:
        _verify(kb, changes)
    except (KnowledgeErrors, RuntimeError):
        for path in written:
            if path in texts:
                path.write_text(texts[path], encoding="utf-8")
            else:
                path.unlink()
        raise
    return written


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def _verify(kb: KnowledgeBase, changes: Changes) -> None:
    """The written base must hold exactly the old entries with the changes made."""
    after = load_knowledge(kb.root)
    expected = {e.id: e for e in kb}
    for change in changes.removed:
        expected.pop(change.entry.id)
    expected.update({c.after.id: c.after for c in changes.added + changes.changed if c.after})
    if set(after.by_id) != set(expected) or any(not after.by_id[i].same_as(e) for i, e in expected.items()):
        raise RuntimeError("the written base does not read back as the edit says; nothing was changed")


def _file_for(root: Path, kind: Kind, edited: dict[Path, str]) -> Path:
    for path, text in edited.items():
        if re.search(rf"^kind:\s*{kind.value}\s*(#.*)?$", text, re.MULTILINE):
            return path
    return root / f"{kind.value}.yaml"


def _splice(text: str, before: Entry, after: Entry | None) -> str:
    """Replace (or drop) the lines of one entry; comments before the next entry stay."""
    lines = text.splitlines(keepends=True)
    start = before.source.line - 1
    indent = len(lines[start]) - len(lines[start].lstrip(" -"))
    dash = lines[start].index("-")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= indent
                                or lines[end].lstrip().startswith("#")) and not _starts_entry(lines[end], dash):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or (
            lines[end - 1].lstrip().startswith("#") and _indent(lines[end - 1]) <= dash)):
        end -= 1
    if after is None and end < len(lines) and not lines[end].strip() and start > 0 and not lines[start - 1].strip():
        end += 1  # a removed entry takes one of the blank lines around it along
    new = entry_yaml(after, dash=dash) if after else ""
    return "".join(lines[:start]) + new + "".join(lines[end:])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _starts_entry(line: str, dash: int) -> bool:
    return _indent(line) == dash and line.lstrip().startswith("- ")


def _append(text: str, entry: Entry) -> str:
    match = re.search(r"^( *)- ", text, re.MULTILINE)
    dash = len(match.group(1)) if match else 2
    text = re.sub(r"^entries:\s*\[\]\s*$", "entries:", text, flags=re.MULTILINE)
    return text + ("" if text.endswith("\n") else "\n") + "\n" + entry_yaml(entry, dash=dash)


def entry_yaml(entry: Entry, *, dash: int = 2) -> str:
    """One entry in the style of the shipped base: quoted texts, short lists in brackets, questions one a line."""
    pad = " " * (dash + 2)
    lines = [f"{' ' * dash}- id: {entry.id}"]
    for name in FIELD_ORDER[1:]:
        value = getattr(entry, name)
        if value is None or value == ():
            continue
        if isinstance(value, Text):
            if list(value.by_language) == [""]:
                lines.append(f"{pad}{name}: {_quote(value.by_language[''])}")
            else:
                lines.append(f"{pad}{name}:")
                lines += [f"{pad}  {lang}: {_quote(text)}" for lang, text in value.by_language.items()]
        elif name in BLOCK_LISTS:
            lines.append(f"{pad}{name}:")
            lines += [f"{pad}  - {_quote(item)}" for item in value]
        elif name in LIST_FIELDS:
            lines.append(f"{pad}{name}: [{', '.join(_item(item) for item in value)}]")
        elif isinstance(value, datetime):
            lines.append(f"{pad}{name}: {value.isoformat(timespec='minutes' if not value.second else 'seconds')}")
        elif isinstance(value, (date, int)):
            lines.append(f"{pad}{name}: {value.isoformat() if isinstance(value, date) else value}")
        else:
            lines.append(f"{pad}{name}: {_quote(str(value))}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _item(text: str) -> str:
    plain = PLAIN.fullmatch(text) and text.lower() not in YAML_WORDS and text == text.strip()
    return text if plain else _quote(text)
