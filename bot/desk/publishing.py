"""Publishing the base from the staff group: a file checked and summarised, then published, kept dated, undone.

An edited spreadsheet (the whole base, from /kb) or a YAML file (some entries, a faq draft) is staged under
`knowledge/.staged/<token>/` until a staff member presses Publish or Cancel, so a restart loses nothing. Publish
keeps the base as it was under `knowledge/.history/<nnnn>-<time>/` (with who published what) before writing
through the YAML writer and reloading; /kb undo puts the newest kept version back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.i18n.catalog import Catalog
from bot.knowledge.changes import Changes, changes_between
from bot.knowledge.entries import KnowledgeBase, KnowledgeError, KnowledgeErrors
from bot.knowledge.loader import load_knowledge
from bot.knowledge.sheet import ABOUT_GROUPS, write_workbook
from bot.knowledge.sheet_read import read_workbook
from bot.knowledge.yaml_write import apply_changes
from bot.services import Services

log = logging.getLogger(__name__)
STAGED, HISTORY = ".staged", ".history"
KEPT = re.compile(r"^\d{4}-")  # a kept version; an undone one is renamed '<name>.undone'
ERRORS_SHOWN = 15
SUFFIXES = (".xlsx", ".yaml", ".yml")
KB_PRESS = "pub:"  # the buttons' callback data start with it (Kontakt's block button is "kb:")
PUBLISH, CANCEL = KB_PRESS + "pub:", KB_PRESS + "no:"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the staff group is told, with Publish/Cancel buttons as (label, callback data) when a file is staged."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


def about_texts(catalog: Catalog, language: str) -> tuple[dict[str, str], tuple[str, str]]:
    """The spreadsheet's first sheet, explaining the columns, and its two column heads, in one language."""
    about = {group: catalog(language, f"kb_sheet.{group}") for group in ABOUT_GROUPS}
    return about, (catalog(language, "kb_sheet.column"), catalog(language, "kb_sheet.meaning"))


def read_edit(kb: KnowledgeBase, file: Path, *, name: str) -> Changes:
    """An uploaded file as the changes it makes: a spreadsheet lists the whole base, a YAML file some entries."""
    if file.suffix.lower() == ".xlsx":
        rows = read_workbook(file, name=name)
        return changes_between(kb, [r.entry for r in rows if r.entry],
                               removed_ids=[r.entry_id for r in rows if r.entry is None])
    with tempfile.TemporaryDirectory() as folder:  # the file alone, so its errors name it and nothing else
        shutil.copy(file, Path(folder) / name)
        try:
            entries = load_knowledge(folder).entries
        except KnowledgeErrors as errors:
            raise KnowledgeErrors([_renamed(e, folder, name) for e in errors.errors]) from None
    return changes_between(kb, entries, complete=False)


def _renamed(error: KnowledgeError, folder: str, name: str) -> KnowledgeError:
    return KnowledgeError(error.message, file=name if error.file.startswith(folder) else error.file, line=error.line,
                          entry=error.entry, field=error.field)


class Publisher:
    """Stage, publish, cancel and undo; one at a time, as two staff members may press at once."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.Lock()

    def t(self, key: str, **params: object) -> str:
        return self.services.catalog(self.services.settings.staff.language, key, **params)

    @property
    def root(self) -> Path:
        return self.services.settings.knowledge_dir

    def export(self) -> Path:
        """The running base as the spreadsheet staff edit and send back."""
        out = self.services.settings.resolve(Path("data/exports")) / f"kb-{self.services.today().isoformat()}.xlsx"
        out.parent.mkdir(parents=True, exist_ok=True)
        about, heads = about_texts(self.services.catalog, self.services.settings.staff.language)
        write_workbook(self.services.knowledge.kb, out, about=about, about_heads=heads)
        return out

    def stage(self, file: Path, *, name: str, by: str) -> Outcome:
        """Check a file; reply with its errors, or keep it with the summary of what it changes and the buttons."""
        if Path(name).suffix.lower() not in SUFFIXES:
            return Outcome(self.t("kb.wrong_file", name=name))
        try:
            changes = read_edit(self.services.knowledge.kb, file, name=name)
        except KnowledgeErrors as errors:
            return Outcome(self._errors(name, errors))
        if not changes:
            return Outcome(self.t("kb.no_changes", name=name))
        token = secrets.token_hex(6)
        folder = self.root / STAGED / token
        folder.mkdir(parents=True)
        shutil.copy(file, folder / name)
        (folder / "staged.json").write_text(json.dumps({"name": name, "by": by, "base": self._fingerprint()}),
                                            encoding="utf-8")
        return Outcome("\n".join(self.summary(changes, name=name)),
                       ((self.t("kb.publish"), PUBLISH + token), (self.t("kb.cancel"), CANCEL + token)))

    def press(self, data: str, *, by: str) -> Outcome:
        """Publish or Cancel on a staged file."""
        token = data.removeprefix(PUBLISH).removeprefix(CANCEL)
        folder = self.root / STAGED / token
        if not re.fullmatch(r"[0-9a-f]{12}", token) or not (folder / "staged.json").is_file():
            return Outcome(self.t("kb.gone"))
        if data.startswith(CANCEL):
            shutil.rmtree(folder)
            log.info("knowledge: staged file cancelled by %s", by)
            return Outcome(self.t("kb.cancelled"))
        with self._lock:
            return self._publish(folder, by=by)

    def _publish(self, folder: Path, *, by: str) -> Outcome:
        staged = json.loads((folder / "staged.json").read_text(encoding="utf-8"))
        name = staged["name"]
        if staged["base"] != self._fingerprint():
            shutil.rmtree(folder)
            return Outcome(self.t("kb.base_moved", name=name))
        kb = self.services.knowledge.kb
        try:
            changes = read_edit(self.services.knowledge.kb, folder / name, name=name)
            kept = self._keep(note={"published_by": by, "file": name, "changes": self.summary(changes, name=name)})
            try:
                apply_changes(kb, changes)
            except (KnowledgeErrors, RuntimeError):
                shutil.rmtree(kept)
                raise
            count = self.services.reload_knowledge()
        except (KnowledgeErrors, RuntimeError) as exc:
            log.warning("knowledge: publishing %s failed: %s", name, exc)
            return Outcome(self.t("kb.publish_failed", name=name, errors=str(exc)[:1500]))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        log.info("knowledge published by %s from %s: %d added, %d changed, %d removed; previous kept in %s", by,
                 name, len(changes.added), len(changes.changed), len(changes.removed), kept.name)
        return Outcome(self.t("kb.published", name=name, count=count, added=len(changes.added),
                              changed=len(changes.changed), removed=len(changes.removed)))

    def undo(self, *, by: str) -> Outcome:
        """Put the newest kept version back; the version it replaces is kept too, marked undone."""
        with self._lock:
            versions = self.versions()
            if not versions:
                return Outcome(self.t("kb.nothing_to_undo"))
            newest = versions[-1]
            current = {p.name: p.read_bytes() for p in _yaml_files(self.root)}
            _restore(self.root, {p.name: p.read_bytes() for p in _yaml_files(newest)})
            try:
                count = self.services.reload_knowledge()
            except KnowledgeErrors as errors:
                _restore(self.root, current)
                return Outcome(self._errors(newest.name, errors))
            _write(newest.with_name(newest.name + ".undone"), current, {"undone_by": by})
            shutil.rmtree(newest)
        log.info("knowledge: %s undone by %s; the version of %s is back", newest.name, by, newest.name)
        return Outcome(self.t("kb.undone", count=count, when=_when(newest.name)))

    def versions(self) -> list[Path]:
        """Kept versions, oldest first."""
        folder = self.root / HISTORY
        return sorted(p for p in folder.iterdir() if p.is_dir() and KEPT.match(p.name)
                      and not p.name.endswith(".undone")) if folder.is_dir() else []

    def summary(self, changes: Changes, *, name: str) -> list[str]:
        """What a file changes, by title, in the staff language."""
        lines = [self.t("kb.summary", name=name, added=len(changes.added), changed=len(changes.changed),
                        removed=len(changes.removed))]
        lines += [f"+ {c.title} ({c.entry.id})" for c in changes.added]
        lines += [f"~ {c.title} ({c.entry.id}): {', '.join(c.fields)}" for c in changes.changed]
        lines += [f"− {c.title} ({c.entry.id})" for c in changes.removed]
        if changes.kept_unlisted:
            lines.append(self.t("kb.kept_unlisted", count=changes.kept_unlisted))
        return lines

    def _errors(self, name: str, errors: KnowledgeErrors) -> str:
        shown = [f"• {e}" for e in errors.errors[:ERRORS_SHOWN]]
        more = len(errors.errors) - ERRORS_SHOWN
        return "\n".join([self.t("kb.errors", name=name, count=len(errors.errors)), *shown]
                         + ([self.t("kb.more_errors", count=more)] if more > 0 else []))

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in _yaml_files(self.root):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def _keep(self, *, note: dict[str, object]) -> Path:
        versions = [p for p in (self.root / HISTORY).glob("*") if KEPT.match(p.name)] if (
            self.root / HISTORY).is_dir() else []
        number = 1 + max((int(p.name[:4]) for p in versions), default=0)
        stamp = self.services.clock().strftime("%Y-%m-%dT%H-%M-%SZ")
        folder = self.root / HISTORY / f"{number:04d}-{stamp}"
        _write(folder, {p.name: p.read_bytes() for p in _yaml_files(self.root)},
               {**note, "published_at": self.services.clock().isoformat(timespec="seconds")})
        return folder


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def _restore(root: Path, files: dict[str, bytes]) -> None:
    for path in _yaml_files(root):
        if path.name not in files:
            path.unlink()
    for name, content in files.items():
        (root / name).write_bytes(content)


def _write(folder: Path, files: dict[str, bytes], note: dict[str, object]) -> None:
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    (folder / "publication.json").write_text(json.dumps(note, ensure_ascii=False, indent=1), encoding="utf-8")


def _when(name: str) -> str:
    """'0003-2027-03-10T12-00-00Z' → '2027-03-10 12:00 UTC'."""
    day, _, time = name[5:].partition("T")
    return f"{day} {time[:5].replace('-', ':')} UTC"
