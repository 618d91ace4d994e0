"""Writing an edit into the YAML: the entries it names change, every other byte (comments too) stays."""

from __future__ import annotations

import dataclasses
import difflib
import shutil
from pathlib import Path

import pytest

from bot.knowledge.changes import changes_between
from bot.knowledge.entries import Kind, KnowledgeBase, Text
from bot.knowledge.loader import load_knowledge
from bot.knowledge.yaml_write import apply_changes


@pytest.fixture
def base(kb_dir: Path, tmp_path: Path) -> KnowledgeBase:
    shutil.copytree(kb_dir, tmp_path / "kb")
    return load_knowledge(tmp_path / "kb")


def snapshot(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.yaml"))}


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_a_changed_field_rewrites_only_that_line_and_nothing_else(base: KnowledgeBase) -> None:
    before = snapshot(base.root)
    entry = base.by_id["kulturradet-kulturskola-utveckling"]
    edited = dataclasses.replace(entry, amount=Text({"": "upp till 2 000 000 SEK"}))
    written = apply_changes(base, changes_between(base, [edited]))
    after = snapshot(base.root)
    assert [p.name for p in written] == ["funding.yaml"]
    assert {k: v for k, v in after.items() if k != "funding.yaml"} == {
        k: v for k, v in before.items() if k != "funding.yaml"}
    assert changed_lines(before["funding.yaml"], after["funding.yaml"]) == [
        '-    amount: "upp till 1 000 000 SEK"', '+    amount: "upp till 2 000 000 SEK"']
    assert load_knowledge(base.root).by_id[entry.id].amount == Text({"": "upp till 2 000 000 SEK"})


def test_every_entry_rewritten_still_reads_back_the_same_with_the_comments_kept(base: KnowledgeBase) -> None:
    comments = [line for text in snapshot(base.root).values() for line in text.splitlines()
                if line.lstrip().startswith("#")]
    edited = [dataclasses.replace(e, title=Text({"en": e.title.get("en") + " (new)"})) for e in base]
    apply_changes(base, changes_between(base, edited))
    reloaded = load_knowledge(base.root)
    assert all(reloaded.by_id[e.id].same_as(e) for e in edited)
    assert [line for text in snapshot(base.root).values() for line in text.splitlines()
            if line.lstrip().startswith("#")] == comments


def test_a_removed_entry_goes_and_the_section_comment_after_it_stays(base: KnowledgeBase) -> None:
    before = snapshot(base.root)["contact.yaml"]
    gone = base.of_kind("contact")[2]
    apply_changes(base, changes_between(base, [], removed_ids=[gone.id]))
    after = snapshot(base.root)["contact.yaml"]
    assert gone.id not in load_knowledge(base.root).by_id and f"id: {gone.id}" not in after
    assert all(line.startswith("-") for line in changed_lines(before, after))
    assert "\n\n\n" not in after


def test_added_entries_go_to_the_end_of_their_kinds_file_or_a_new_one(base: KnowledgeBase, tmp_path: Path) -> None:
    template = base.of_kind("funding")[0]
    new = dataclasses.replace(template, id="flen-kulturpott", title=Text({"": "Flens kulturpott"}))
    (base.root / "faq.yaml").unlink()
    kb = load_knowledge(base.root)
    faq = dataclasses.replace(new, id="a-new-faq", kind=Kind.FAQ, summary=None, answer=Text({"en": "Yes."}),
                              amount=None, deadline=None, organisation=None, audience=())
    apply_changes(kb, changes_between(kb, [new, faq]))
    funding = snapshot(base.root)["funding.yaml"]
    assert funding.rindex("\n  - id: ") == funding.index("\n  - id: flen-kulturpott\n")
    reloaded = load_knowledge(base.root)
    assert reloaded.by_id["flen-kulturpott"].same_as(new) and reloaded.by_id["a-new-faq"].same_as(faq)
    assert snapshot(base.root)["faq.yaml"].startswith("kind: faq\nentries:\n")


def test_an_entry_moved_to_another_kind_leaves_one_file_for_the_other(base: KnowledgeBase) -> None:
    event = base.of_kind("event")[0]
    apply_changes(base, changes_between(base, [dataclasses.replace(event, kind=Kind.COURSE)]))
    assert load_knowledge(base.root).by_id[event.id].kind == Kind.COURSE
    assert f"id: {event.id}\n" not in snapshot(base.root)["event.yaml"]
