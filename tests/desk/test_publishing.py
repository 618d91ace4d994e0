"""Publishing a staged file: errors name the file, a moved base refuses, versions are kept and undone in turn."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.config import KnowledgeSettings, Settings
from bot.desk.publishing import Publisher
from bot.matching.language_data import LanguageData
from bot.services import build_services, load_knowledge_for
from bot.storage.database import open_database

FAQ = "kind: faq\nentries:\n  - id: {id}\n    title: \"{title}\"\n    answer: \"Yes.\"\n"


def publisher(tmp_path: Path, language_data: LanguageData, kb_dir: Path) -> Publisher:
    shutil.copytree(kb_dir, tmp_path / "kb")
    settings = Settings(root=tmp_path, knowledge=KnowledgeSettings(path=tmp_path / "kb"))
    services = build_services(settings, engine=open_database("sqlite://"), secret=b"t",
                              knowledge=load_knowledge_for(settings, language_data),
                              clock=lambda: datetime(2027, 3, 10, 9, 30, tzinfo=UTC))
    return Publisher(services)


def staged(pub: Publisher, tmp_path: Path, name: str, text: str) -> str:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    outcome = pub.stage(file, name=name, by="Sara")
    assert outcome.buttons, outcome.text
    return outcome.buttons[0][1]


def test_a_yaml_file_with_errors_names_the_file_line_and_field(tmp_path: Path, language_data: LanguageData,
                                                               kb_dir: Path) -> None:
    pub = publisher(tmp_path, language_data, kb_dir)
    file = tmp_path / "new.yaml"
    file.write_text("kind: faq\nentries:\n  - id: Bad Id\n    title: \"x\"\n", encoding="utf-8")
    outcome = pub.stage(file, name="new.yaml", by="Sara")
    assert outcome.buttons == () and "new.yaml:3" in outcome.text and "field 'id'" in outcome.text
    assert str(tmp_path) not in outcome.text


def test_a_file_checked_before_the_base_changed_is_not_published(tmp_path: Path, language_data: LanguageData,
                                                                 kb_dir: Path) -> None:
    pub = publisher(tmp_path, language_data, kb_dir)
    first = staged(pub, tmp_path, "a.yaml", FAQ.format(id="faq-a", title="A?"))
    second = staged(pub, tmp_path, "b.yaml", FAQ.format(id="faq-b", title="B?"))
    assert "Published a.yaml" in pub.press(first, by="Sara").text
    assert "changed after b.yaml was checked" in pub.press(second, by="Sara").text
    assert "faq-b" not in pub.services.knowledge.kb.by_id
    assert pub.press(first, by="Sara").text == "This file was already published or cancelled."


def test_undo_goes_back_one_version_at_a_time_and_keeps_what_it_replaced(tmp_path: Path, language_data: LanguageData,
                                                                         kb_dir: Path) -> None:
    pub = publisher(tmp_path, language_data, kb_dir)
    pub.press(staged(pub, tmp_path, "a.yaml", FAQ.format(id="faq-a", title="A?")), by="Sara")
    pub.press(staged(pub, tmp_path, "b.yaml", FAQ.format(id="faq-b", title="B?")), by="Olle")
    kb = pub.services.knowledge.kb
    assert {"faq-a", "faq-b"} <= set(kb.by_id)
    pub.undo(by="Sara")
    assert "faq-a" in pub.services.knowledge.kb.by_id and "faq-b" not in pub.services.knowledge.kb.by_id
    pub.undo(by="Sara")
    assert len(pub.services.knowledge.kb) == 126
    assert pub.undo(by="Sara").text == "There is no earlier version to go back to."
    undone = sorted(p.name for p in (tmp_path / "kb" / ".history").iterdir())
    assert undone == ["0001-2027-03-10T09-30-00Z.undone", "0002-2027-03-10T09-30-00Z.undone"]
    note = json.loads((tmp_path / "kb" / ".history" / undone[1] / "publication.json").read_text(encoding="utf-8"))
    assert note == {"undone_by": "Sara"}
