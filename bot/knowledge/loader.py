"""Reading the knowledge base's YAML files into entries; every error names its file, line, entry id and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.entries import (
    ID_MAX,
    ID_PATTERN,
    KINDS,
    Entry,
    Kind,
    KnowledgeBase,
    KnowledgeError,
    KnowledgeErrors,
    Source,
)
from bot.knowledge.fields import KNOWN_FIELDS, blank, parse_field, required_fields


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # a base chosen at run time
    """Safe loading (libyaml when present: ten times faster); an impossible date such as 2027-02-30 stays
    a string, so the entry check reports it instead of the whole load crashing."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def load_knowledge(root: Path | str) -> KnowledgeBase:
    """Load the *.yaml files directly in `root` (subfolders such as drafts/ are not read); raise KnowledgeErrors."""
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeErrors([KnowledgeError("knowledge base folder not found", file=root)])
    files = sorted(p for p in root.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise KnowledgeErrors([KnowledgeError("no .yaml files in the knowledge base folder", file=root)])
    entries: list[Entry] = []
    errors: list[KnowledgeError] = []
    ids: list[tuple[str, Source]] = []
    for file in files:
        entries.extend(_load_file(file, errors, ids))
    seen: dict[str, Source] = {}
    for entry_id, source in ids:
        if first := seen.get(entry_id):
            errors.append(KnowledgeError(f"id used twice: also at {first.file}:{first.line}",
                                         file=source.file, line=source.line, entry=entry_id, field="id"))
        else:
            seen[entry_id] = source
    if errors:
        raise KnowledgeErrors(sorted(errors, key=lambda e: (e.file, e.line or 0)))
    return KnowledgeBase(entries=tuple(entries), root=root)


def _load_file(file: Path, errors: list[KnowledgeError], ids: list[tuple[str, Source]]) -> list[Entry]:
    try:
        loader = _Loader(file.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        errors.append(KnowledgeError(f"not valid YAML: {problem}", file=file, line=mark.line + 1 if mark else None))
        return []
    except UnicodeDecodeError:
        errors.append(KnowledgeError("not UTF-8 text", file=file))
        return []
    if not isinstance(data, dict):
        errors.append(KnowledgeError("expected a mapping with 'kind' and 'entries'", file=file, line=1))
        return []
    errors += [KnowledgeError("unknown field: a file holds only 'kind' and 'entries'", file=file,
                              line=_key_line(node, name), field=str(name))
               for name in data if name not in ("kind", "entries")]
    kind = data.get("kind")
    if kind not in KINDS:
        errors.append(KnowledgeError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                                     file=file, line=_key_line(node, "kind"), field="kind"))
        return []
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        errors.append(KnowledgeError("'entries' must be a list", file=file, line=_key_line(node, "entries"),
                                     field="entries"))
        return []
    entry_nodes = _value_node(node, "entries")
    result = []
    for index, raw in enumerate(raw_entries):
        entry_node = entry_nodes.value[index] if entry_nodes is not None else None
        line = entry_node.start_mark.line + 1 if entry_node is not None else None
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            ids.append((raw["id"], Source(str(file), line or 0)))
        entry = _entry(raw, kind=kind, file=file, line=line or 0, node=entry_node, errors=errors)
        if entry is not None:
            result.append(entry)
    return result


def _entry(raw: Any, *, kind: str, file: Path, line: int, node: Any,
           errors: list[KnowledgeError]) -> Entry | None:
    """Check every field of one entry, so all its problems are reported together."""
    if not isinstance(raw, dict):
        errors.append(KnowledgeError("an entry must be a mapping of fields", file=file, line=line))
        return None
    entry_id = raw.get("id")

    def fail(name: str, message: str, at: int | None = None, sub: str | None = None) -> KnowledgeError:
        """An error on field `name` (or on key `sub` inside it), at its line."""
        if at is None and sub is not None:
            at = _key_line(_value_node(node, name), sub)
        return KnowledgeError(message, file=file, line=at or _key_line(node, name) or line,
                              entry=entry_id if isinstance(entry_id, str) else None, field=str(name))

    problems: list[KnowledgeError] = [fail(name, f"field given twice (first on line {first})", at)
                                      for name, first, at in _repeated_keys(node)]
    if entry_id is None:
        problems.append(fail("id", "required field missing"))
    elif not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problems.append(fail("id", f"{entry_id!r} is not an id: use lowercase letters, digits and '-'"))
    elif len(entry_id) > ID_MAX:
        problems.append(fail("id", f"longer than {ID_MAX} characters (it travels in Telegram buttons)"))
    problems += [fail(name, "unknown field") for name in raw if name not in KNOWN_FIELDS]
    missing = {name for name in required_fields(kind) if blank(raw.get(name))}
    problems += [fail(name, "required field missing") for name in sorted(missing)]
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in KNOWN_FIELDS or name == "id" or name in missing or value is None:
            continue
        try:
            values[name] = parse_field(name, value, lambda msg, sub=None, n=name: fail(n, msg, sub=sub))
        except KnowledgeError as exc:
            problems.append(exc)
    if problems:
        errors.extend(problems)
        return None
    return Entry(id=str(entry_id), kind=Kind(kind), source=Source(str(file), line),
                 summary=values.pop("summary", None), **values)


def _value_node(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _key_line(node: Any, key: object) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == str(key):
                return int(key_node.start_mark.line) + 1
    return None


def _repeated_keys(node: Any) -> list[tuple[str, int, int]]:
    """Keys given twice in one mapping (YAML would silently keep the last): name, first line, repeat line."""
    first: dict[str, int] = {}
    repeats = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                at = key_node.start_mark.line + 1
                if key_node.value in first:
                    repeats.append((key_node.value, first[key_node.value], at))
                else:
                    first[key_node.value] = at
    return repeats
