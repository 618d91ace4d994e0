"""The knowledge loader: curators get one-line errors naming file, line, entry and field; good YAML becomes entries."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.knowledge.entries import KINDS, ROLLING, KnowledgeBase, KnowledgeError, KnowledgeErrors, Text
from bot.knowledge.loader import load_knowledge

WriteKb = Callable[[Path, Mapping[str, str]], Path]

GOOD_FUNDING = textwrap.dedent("""\
    kind: funding
    entries:
      - id: theatre-grant
        title: "Theatre grant"
        summary: "Money for touring theatre."
        deadline: 2027-09-15
""")


def plus(extra: str) -> str:
    """GOOD_FUNDING with more entries appended at the right depth."""
    return GOOD_FUNDING + textwrap.indent(textwrap.dedent(extra).lstrip("\n"), "  ")


def with_field(line: str) -> str:
    """GOOD_FUNDING with one more field line (line 7) in its entry."""
    return f"{GOOD_FUNDING}    {line}\n"


def errors_of(root: Path) -> list[KnowledgeError]:
    """Load a base that must fail and return its errors."""
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(root)
    return caught.value.errors


def only_error(root: Path) -> KnowledgeError:
    errors = errors_of(root)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def assert_located(error: KnowledgeError, *, file: str, line: int, entry: str | None, field: str | None) -> None:
    """The error's attributes and its one-line message both name the place a curator must look."""
    text = str(error)
    assert "\n" not in text
    assert Path(error.file).name == file and error.line == line
    assert error.entry == entry and error.field == field
    assert text.startswith(f"{error.file}:{line}")
    if entry:
        assert f"entry '{entry}'" in text
    if field:
        assert f"field '{field}'" in text


# --- errors ---------------------------------------------------------------------------------------------------------

def test_invalid_yaml_is_reported_with_its_file_and_line(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"faq.yaml": """
        kind: faq
        entries:
          - id: opening-hours
            title: "Opening hours"
           answer: "Nine to five."
    """})
    error = only_error(tmp_path)
    assert_located(error, file="faq.yaml", line=5, entry=None, field=None)
    assert "not valid YAML" in str(error)


@pytest.mark.parametrize(("kind", "fields", "missing"), [
    ("funding", {"summary": "Money."}, "title"),
    ("funding", {"title": "Grant"}, "summary"),
    ("faq", {"title": "Opening hours", "summary": "Not the field a faq needs."}, "answer"),
])
def test_a_missing_required_field_names_the_entry_and_field(
        tmp_path: Path, write_kb: WriteKb, kind: str, fields: dict[str, str], missing: str) -> None:
    lines = "".join(f'    {name}: "{text}"\n' for name, text in fields.items())
    write_kb(tmp_path, {f"{kind}.yaml": f"kind: {kind}\nentries:\n  - id: some-entry\n{lines}"})
    error = only_error(tmp_path)
    assert_located(error, file=f"{kind}.yaml", line=3, entry="some-entry", field=missing)
    assert "required field missing" in str(error)


def test_a_blank_title_counts_as_missing(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": """
        kind: funding
        entries:
          - id: theatre-grant
            title: "   "
            summary: "Money."
    """})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=4, entry="theatre-grant", field="title")
    assert "required field missing" in str(error)


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("keywords", "theatre, touring", "expected a list, got str"),
    ("summary", "42", "got int"),
    ("questions", "[[nested]]", "list items must be text"),
    ("email", "{a: b}", "expected text, got dict"),
])
def test_a_field_of_the_wrong_type_is_reported_at_its_line(
        tmp_path: Path, write_kb: WriteKb, field: str, value: str, expected: str) -> None:
    base = {"title": '"Grant"', "summary": '"Money."'}
    base[field] = value
    lines = "".join(f"    {name}: {text}\n" for name, text in base.items())
    write_kb(tmp_path, {"funding.yaml": f"kind: funding\nentries:\n  - id: theatre-grant\n{lines}"})
    error = only_error(tmp_path)
    line = 4 + list(base).index(field)
    assert_located(error, file="funding.yaml", line=line, entry="theatre-grant", field=field)
    assert expected in str(error)


def test_an_unknown_kind_names_the_kind_line_and_the_allowed_kinds(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"grants.yaml": """
        # grants
        kind: grant
        entries: []
    """})
    error = only_error(tmp_path)
    assert_located(error, file="grants.yaml", line=2, entry=None, field="kind")
    assert "'grant'" in str(error) and "funding" in str(error)


def test_an_unknown_field_such_as_a_typo_is_rejected(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": with_field("dedline: 2027-01-01")})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=7, entry="theatre-grant", field="dedline")
    assert "unknown field" in str(error)


def test_an_unknown_top_level_key_in_a_file_is_rejected(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": GOOD_FUNDING + "owner: anna\n"})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=7, entry=None, field="owner")


def test_a_field_given_twice_in_one_entry_is_reported_not_silently_overwritten(
        tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": with_field('summary: "Copied twice."')})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=7, entry="theatre-grant", field="summary")
    assert "first on line 5" in str(error)


@pytest.mark.parametrize("bad_id", ["Theatre_Grant", "theatre grant", "-theatre", "theatre--grant", "42"])
def test_an_id_that_is_not_lowercase_words_and_dashes_is_rejected(
        tmp_path: Path, write_kb: WriteKb, bad_id: str) -> None:
    write_kb(tmp_path, {"funding.yaml": GOOD_FUNDING.replace("id: theatre-grant", f"id: {bad_id}")})
    error = only_error(tmp_path)
    assert error.field == "id" and error.line == 3 and "is not an id" in str(error)


def test_a_missing_id_is_reported_at_the_entry_line(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": GOOD_FUNDING.replace("- id: theatre-grant\n    title", "- title")})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=3, entry=None, field="id")


def test_an_id_used_twice_names_both_places(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {
        "faq.yaml": """
            kind: faq
            entries:
              - id: theatre-grant
                title: "Which grant?"
                answer: "Ask us."
        """,
        "funding.yaml": GOOD_FUNDING,
    })
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=3, entry="theatre-grant", field="id")
    assert f"also at {tmp_path / 'faq.yaml'}:3" in str(error)


def test_an_id_used_twice_is_found_even_when_one_copy_has_other_errors(tmp_path: Path, write_kb: WriteKb) -> None:
    twice = plus("""
        - id: theatre-grant
          title: "Copy"
          summary: "Copy."
          deadline: soon
    """)
    write_kb(tmp_path, {"funding.yaml": twice})
    messages = [str(e) for e in errors_of(tmp_path)]
    assert any("id used twice" in m for m in messages)
    assert any("field 'deadline'" in m for m in messages)


@pytest.mark.parametrize(("field", "value"), [
    ("deadline", "2027-02-30"), ("deadline", "next spring"), ("deadline", "15.09.2027"),
    ("starts", "2027-13-01T08:00"), ("starts", "tomorrow morning"),
])
def test_a_bad_date_is_reported_with_entry_and_field(tmp_path: Path, write_kb: WriteKb, field: str, value: str) -> None:
    text = GOOD_FUNDING.replace("deadline: 2027-09-15", f"{field}: {value}")
    write_kb(tmp_path, {"funding.yaml": text})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=6, entry="theatre-grant", field=field)
    assert value in str(error)


def test_an_unknown_language_key_points_at_its_own_line(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": """
        kind: funding
        entries:
          - id: theatre-grant
            title: "Theatre grant"
            summary:
              sv: "Pengar."
              se: "Pengar, fast med landskoden."
    """})
    error = only_error(tmp_path)
    assert_located(error, file="funding.yaml", line=7, entry="theatre-grant", field="summary")
    assert "unknown language 'se'" in str(error)


def test_an_empty_text_in_one_language_is_rejected(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": """
        kind: funding
        entries:
          - id: theatre-grant
            title: {en: "Theatre grant", da: ""}
            summary: "Money."
    """})
    error = only_error(tmp_path)
    assert error.field == "title" and "da text must be a non-empty string" in str(error)


def test_every_problem_in_a_base_is_reported_in_one_pass(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {
        "broken.yaml": "kind: faq\nentries: [\n",
        "contact.yaml": """
            kind: contact
            entries:
              - id: anna
                title: "Anna"
                summary: "Culture officer."
                phone: [1, 2]
                colour: blue
              - id: bo
                title: "Bo"
        """,
        "funding.yaml": GOOD_FUNDING.replace("2027-09-15", "someday"),
    })
    errors = errors_of(tmp_path)
    found = {(Path(e.file).name, e.entry, e.field) for e in errors}
    assert found == {
        ("broken.yaml", None, None),
        ("contact.yaml", "anna", "phone"),
        ("contact.yaml", "anna", "colour"),
        ("contact.yaml", "bo", "summary"),
        ("funding.yaml", "theatre-grant", "deadline"),
    }
    assert [(e.file, e.line or 0) for e in errors] == sorted((e.file, e.line or 0) for e in errors)


def test_the_errors_exception_message_has_one_line_per_error(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": with_field("colour: red").replace("2027-09-15", "x")})
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(tmp_path)
    assert str(caught.value).splitlines() == [str(e) for e in caught.value.errors]
    assert len(caught.value.errors) == 2


def test_a_missing_folder_or_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert "not found" in str(only_error(tmp_path / "nowhere"))
    assert "no .yaml files" in str(only_error(tmp_path))


# --- values ---------------------------------------------------------------------------------------------------------

def test_text_may_be_a_plain_string_or_a_mapping_per_language(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"faq.yaml": """
        kind: faq
        entries:
          - id: opening-hours
            title: "  Opening hours  "
            answer:
              sv: "Nio till fem."
              en: "Nine to five."
    """})
    entry = load_knowledge(tmp_path).by_id["opening-hours"]
    assert entry.title == Text({"": "Opening hours"})
    assert entry.title.languages == frozenset()
    assert entry.answer is not None and entry.answer.languages == {"sv", "en"}
    assert entry.body is entry.answer and entry.summary is None


def test_text_get_prefers_the_language_then_unstated_then_english_swedish_danish_dutch() -> None:
    text = Text({"sv": "Hej", "en": "Hello"})
    assert text.get("sv") == "Hej"
    assert text.get("da") == "Hello"
    assert Text({"nl": "Hallo", "da": "Hej"}).get("en") == "Hej"
    assert Text({"nl": "Hallo"}).get("da") == "Hallo"
    assert Text({"": "Plain", "en": "English"}).get("da") == "Plain"
    assert Text({}).get("en") == ""


def test_a_fallback_says_which_language_it_is_in_and_a_name_is_no_fallback() -> None:
    assert Text({"sv": "Hej", "en": "Hello"}).pick("da") == ("Hello", "en")
    assert Text({"sv": "Hej"}).pick("sv") == ("Hej", None)
    assert Text({"": "Fonds 1818"}).pick("da") == ("Fonds 1818", None)


def test_lists_and_plain_fields_are_read_as_text(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"contact.yaml": """
        kind: contact
        entries:
          - id: anna
            title: "Anna"
            summary: "Culture officer."
            keywords: [kultur, 2027]
            regions: [se, Flen]
            phone: "0157 123 456"
    """})
    entry = load_knowledge(tmp_path).by_id["anna"]
    assert entry.keywords == ("kultur", "2027") and entry.regions == ("se", "Flen")
    assert entry.phone == "0157 123 456"
    assert entry.kind == "contact" and entry.source.line == 3


def test_an_unquoted_phone_number_is_rejected_before_yaml_drops_its_leading_zero(
        tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"contact.yaml": """
        kind: contact
        entries:
          - id: anna
            title: "Anna"
            summary: "Culture officer."
            phone: 0157123456
    """})
    error = only_error(tmp_path)
    assert_located(error, file="contact.yaml", line=6, entry="anna", field="phone")
    assert "quotes" in str(error)


def test_dates_rolling_deadlines_and_start_times_are_parsed(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {
        "funding.yaml": plus("""
            - id: rolling-grant
              title: "Rolling grant"
              summary: "Apply any time."
              deadline: rolling
            - id: quoted-grant
              title: "Quoted"
              summary: "A quoted date."
              deadline: "2027-03-01"
        """),
        "event.yaml": """
            kind: event
            entries:
              - id: culture-breakfast
                title: "Culture breakfast"
                summary: "Breakfast and talks."
                starts: 2027-02-04T08:00
        """,
    })
    kb = load_knowledge(tmp_path)
    assert kb.by_id["theatre-grant"].deadline == date(2027, 9, 15)
    assert kb.by_id["rolling-grant"].deadline == ROLLING
    assert kb.by_id["quoted-grant"].deadline == date(2027, 3, 1)
    assert kb.by_id["culture-breakfast"].starts == datetime(2027, 2, 4, 8, 0)


def test_deadline_passed_only_for_dates_before_today(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": plus("""
        - id: rolling-grant
          title: "Rolling grant"
          summary: "Apply any time."
          deadline: rolling
        - id: open-grant
          title: "No deadline"
          summary: "No date given."
    """)})
    kb = load_knowledge(tmp_path)
    grant = kb.by_id["theatre-grant"]
    assert grant.deadline_passed(date(2027, 9, 16))
    assert not grant.deadline_passed(date(2027, 9, 15))
    assert not kb.by_id["rolling-grant"].deadline_passed(date(2099, 1, 1))
    assert not kb.by_id["open-grant"].deadline_passed(date(2099, 1, 1))


def test_a_drafts_subfolder_is_not_loaded(tmp_path: Path, write_kb: WriteKb) -> None:
    write_kb(tmp_path, {"funding.yaml": GOOD_FUNDING, "drafts/broken.yaml": "kind: nonsense\n"})
    assert [e.id for e in load_knowledge(tmp_path)] == ["theatre-grant"]


def test_the_reference_base_loads_with_126_entries_of_every_kind(kb_dir: Path) -> None:
    reference_kb = load_knowledge(kb_dir)
    counts = {kind: len(reference_kb.of_kind(kind)) for kind in KINDS}
    assert len(reference_kb) == 126
    assert counts == {"funding": 49, "contact": 25, "network": 18, "event": 12, "course": 10, "faq": 12}
    assert all(Path(e.source.file).stem == e.kind for e in reference_kb)
    assert len(reference_kb.by_id) == 126


def test_reference_entries_carry_their_kind_specific_facts(reference_kb: KnowledgeBase) -> None:
    grant = reference_kb.by_id["kulturradet-fri-scenkonst-projekt"]
    assert grant.deadline == date(2027, 9, 15)
    assert grant.summary is not None and grant.summary.languages == {"sv", "en"}
    assert all(e.answer is not None for e in reference_kb.of_kind("faq"))
    assert all(e.starts is not None for e in reference_kb.of_kind("event"))
    assert any(e.deadline == ROLLING for e in reference_kb.of_kind("funding"))


def test_the_shipped_starter_base_is_valid() -> None:
    shipped = load_knowledge(Path(__file__).parents[2] / "knowledge")
    assert len(shipped) >= 1 and set(KINDS) <= {e.kind for e in shipped}


def test_the_example_entry_in_the_curators_guide_is_valid(tmp_path: Path, write_kb: WriteKb) -> None:
    guide = (Path(__file__).parents[2] / "knowledge" / "README.md").read_text(encoding="utf-8")
    example = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    entry = load_knowledge(write_kb(tmp_path, {"funding.yaml": example})).by_id["flen-kulturpott"]
    assert entry.kind == "funding" and entry.deadline == date(2027, 3, 15)


def test_an_id_too_long_for_a_telegram_button_is_an_error(write_kb: WriteKb, tmp_path: Path) -> None:
    """Entry ids travel in callback data, which Telegram caps at 64 bytes."""
    long_id = "a" * 61
    folder = write_kb(tmp_path, {"faq.yaml": f"kind: faq\nentries:\n  - id: {long_id}\n    title: T\n    answer: A\n"})
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(folder)
    assert f"entry '{long_id}', field 'id'" in str(caught.value) and "64-byte" not in str(caught.value)
