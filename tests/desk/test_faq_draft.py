"""A faq draft's id names its subject in whole words and is new to the base; the draft loads."""

from datetime import date
from pathlib import Path

from bot.desk.faq_draft import readable_id, write_faq_draft
from bot.knowledge.loader import load_knowledge
from bot.matching.language_data import LanguageData


def test_the_id_is_the_subjects_content_words_whole(language_data: LanguageData) -> None:
    made = readable_id("Hvor kan vores musikskole søge penge til talentudvikling?", taken=(),
                       lexicon=language_data.lexicon, fallback="faq-ticket-7")
    assert made == "faq-musikskole-soge-penge-talentudvikling"


def test_an_id_the_base_has_gets_a_number_and_an_empty_subject_the_ticket(language_data: LanguageData) -> None:
    lexicon = language_data.lexicon
    assert readable_id("rehearsal space", taken={"faq-rehearsal-space"}, lexicon=lexicon,
                       fallback="x") == "faq-rehearsal-space-2"
    assert readable_id("hej?", taken=(), lexicon=lexicon, fallback="faq-ticket-7") == "faq-ticket-7"


def test_the_draft_holds_the_users_question_first_and_loads(tmp_path: Path) -> None:
    path = write_faq_draft(tmp_path, number=7, entry_id="faq-talent", language="da",
                           question="Kan musikskoler søge talentmidler?", answer="Ja, hos Talentpuljen.",
                           examples=("hvor søger vi talentpenge",), today=date(2027, 3, 10))
    entry = load_knowledge(tmp_path).entries[0]
    assert path.name == "faq-ticket-7.yaml" and entry.id == "faq-talent"
    assert entry.questions == ("Kan musikskoler søge talentmidler?", "hvor søger vi talentpenge")
