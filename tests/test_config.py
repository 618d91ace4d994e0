"""Settings: sensible defaults, paths anchored at the config file, and one-line errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import CONFIG_ENV, SHIPPED_KNOWLEDGE, ConfigError, Settings, load_settings

REPO = Path(__file__).parents[1]


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | str) -> str:
    """The message of the ConfigError that loading `path` must raise; it is always one line."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_an_empty_config_file_gives_the_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, ""))
    assert settings.default_language == "en"
    assert settings.knowledge_dir == SHIPPED_KNOWLEDGE and (SHIPPED_KNOWLEDGE / "funding.yaml").exists()
    assert settings.matching.answer_min == 0.4 and settings.matching.max_options == 5
    assert settings.telegram.poll_timeout == 30


def test_the_shipped_config_matches_the_defaults(tmp_path: Path) -> None:
    shipped = load_settings(REPO / "config.yaml")
    defaults = load_settings(write_config(tmp_path, ""))
    assert shipped.model_dump() == defaults.model_dump()
    assert shipped.root == REPO.resolve()


def test_values_in_the_file_override_defaults_section_by_section(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "default_language: sv\nmatching:\n  answer_min: 0.5\n"))
    assert settings.default_language == "sv"
    assert settings.matching.answer_min == 0.5
    assert settings.matching.clarify_min == 0.35


@pytest.mark.parametrize(("text", "key"), [
    ("colour: blue\n", "colour"),
    ("matching:\n  answer_minimum: 0.5\n", "matching.answer_minimum"),
    ("root: /etc\n", "root"),
])
def test_an_unknown_key_is_one_line_naming_the_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write_config(tmp_path, text)
    assert config_error(path) == f"{path}: {key}: unknown key"


@pytest.mark.parametrize(("text", "key"), [
    ("matching:\n  answer_min: high\n", "matching.answer_min"),
    ("matching:\n  answer_min: 1.5\n", "matching.answer_min"),
    ("matching:\n  max_options: 9\n", "matching.max_options"),
    ("knowledge: [a, b]\n", "knowledge"),
    ("default_language: fr\n", "default_language"),
])
def test_a_value_of_the_wrong_type_or_range_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = write_config(tmp_path, text)
    assert config_error(path).startswith(f"{path}: {key}: ")


def test_a_missing_config_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert config_error(missing) == f"{missing}: config file not found"


def test_a_folder_instead_of_a_file_is_a_config_error(tmp_path: Path) -> None:
    assert str(tmp_path) in config_error(tmp_path)


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "matching:\n  answer_min: 0.4\n bad: indent: here\n")
    message = config_error(path)
    assert message.startswith(f"{path}:3: not valid YAML")


def test_a_list_at_the_top_level_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, "- knowledge\n")
    assert "mapping" in config_error(path)


def test_relative_paths_are_taken_from_the_config_files_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path / "deploy", "knowledge:\n  path: ../kb\nstorage:\n  url: sqlite:///state/bot.db\n")
    settings = load_settings(Path("deploy") / "config.yaml")
    assert settings.knowledge_dir == (tmp_path / "kb").resolve()
    assert settings.database_url == f"sqlite:///{(tmp_path / 'deploy' / 'state' / 'bot.db').resolve()}"
    assert path.parent.resolve() == settings.root


def test_absolute_paths_and_non_sqlite_urls_are_kept(tmp_path: Path) -> None:
    text = f"knowledge:\n  path: {tmp_path / 'kb'}\nstorage:\n  url: postgresql+psycopg://bot@localhost/kl\n"
    settings = load_settings(write_config(tmp_path / "etc", text))
    assert settings.knowledge_dir == tmp_path / "kb"
    assert settings.database_url == "postgresql+psycopg://bot@localhost/kl"


def test_the_environment_variable_chooses_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, "default_language: da\n")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_settings().default_language == "da"
    assert load_settings(write_config(tmp_path / "explicit", "default_language: nl\n")).default_language == "nl"


def test_without_the_variable_the_config_in_the_working_folder_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, "default_language: nl\n")
    assert load_settings().default_language == "nl"


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Settings().default_language = "sv"  # type: ignore[misc]
