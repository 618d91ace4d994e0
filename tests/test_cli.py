"""The command line as a user runs it: `python -m bot ...` in a subprocess, checked for its contract and format.

Every command is started at once when the module begins, so the runs overlap and the module stays fast;
each test then waits for its own run. Matching quality is not asserted here, only what the commands print.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

import pytest

from bot.config import CONFIG_ENV
from bot.knowledge.entries import KINDS, KnowledgeBase

REPO = Path(__file__).parents[1]
KB_DIR = REPO / "tests" / "data" / "kb"
DEV_SET = REPO / "tests" / "data" / "eval" / "dev.yaml"
SECOND_SET = REPO / "tests" / "data" / "eval" / "paraphrases.yaml"
WORDLESS_QUESTION = "🙂 ?!"  # no words: it can never land on its entry
DECISIONS = {"answer", "clarify", "escalate"}
ASKED_IDS = ("kulturradet-fri-scenkonst-projekt", "naestved-kulturkonsulent")


class Run:
    """A `python -m bot` process started now and awaited when a test needs its output."""

    def __init__(self, *args: str, stdin: str | None = None, cwd: Path = REPO,
                 env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        environment.update(env or {})
        self.stdin = stdin
        self.process = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=environment, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    @cached_property
    def done(self) -> subprocess.CompletedProcess[str]:
        out, err = self.process.communicate(self.stdin, timeout=120)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, out, err)


def write(path: Path, text: str) -> None:
    """Write a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def base(two_entry_base: Mapping[str, str]) -> str:
    """The YAML of a base whose two example questions both land."""
    return two_entry_base["funding.yaml"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, base: str) -> Path:
    """Small bases and configs the commands read; the config's knowledge path is relative to the config file."""
    root = tmp_path_factory.mktemp("cli")
    write(root / "good" / "funding.yaml", base)
    write(root / "missing-question" / "funding.yaml", f'{base}      - "{WORDLESS_QUESTION}"\n')
    write(root / "broken" / "funding.yaml", base + "    deadline: next spring\n")
    write(root / "site" / "config.yaml", "knowledge:\n  path: ../good\n")
    write(root / "bad-config" / "config.yaml", "matching:\n  answer_minimum: 0.5\n")
    (root / "elsewhere").mkdir()
    return root


@pytest.fixture(scope="module")
def titles(reference_kb: KnowledgeBase) -> list[str]:
    """Entries' own titles: questions whose best match is not in doubt."""
    return [reference_kb.by_id[i].title.get("en") for i in ASKED_IDS]


@pytest.fixture(scope="module")
def runs(site: Path, titles: list[str]) -> Iterator[dict[str, Run]]:
    """Every command this module checks, started together; any still running at the end is stopped."""
    started = {
        "ask-json": Run("ask", "--kb", str(KB_DIR), "--json", titles[0], "-", "?!", stdin=f"\n{titles[1]}\n  \n"),
        "ask-text": Run("ask", "--kb", str(site / "good"), "Choir festival fund", "?!"),
        "ask-no-base": Run("ask", "--kb", str(site / "nowhere"), "hej"),
        "check-reference": Run("kb", "check", str(KB_DIR)),
        "check-broken": Run("kb", "check", str(site / "broken")),
        "test-good": Run("kb", "test", str(site / "good")),
        "test-miss": Run("kb", "test", str(site / "missing-question")),
        "eval": Run("eval", str(DEV_SET), "--kb", str(KB_DIR), "--failures", "2"),
        "eval-figures-only": Run("eval", str(DEV_SET), "--kb", str(KB_DIR)),
        "eval-pooled": Run("eval", str(DEV_SET), str(SECOND_SET), "--kb", str(KB_DIR), "--save", str(site / "run.json")),
        "config-option": Run("--config", str(site / "site" / "config.yaml"), "kb", "check", cwd=site / "elsewhere"),
        "config-env": Run("ask", "--json", "Choir festival fund", cwd=site / "elsewhere",
                          env={CONFIG_ENV: str(site / "site" / "config.yaml")}),
        "bad-config": Run("--config", str(site / "bad-config" / "config.yaml"), "kb", "check"),
        "config-after": Run("kb", "check", "--config", str(site / "site" / "config.yaml"), cwd=site / "elsewhere"),
    }
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
        run.process.communicate()


def json_lines(stdout: str) -> list[dict[str, object]]:
    """Each output line parsed as one JSON object; fails on any line that is not one."""
    objects = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(o, dict) for o in objects)
    return objects


def assert_contract(obj: dict[str, object], question: str) -> None:
    """The `ask --json` contract: question, decision and matches (id, kind, title, score) best first."""
    assert set(obj) == {"question", "decision", "matches"}
    assert obj["question"] == question and obj["decision"] in DECISIONS
    matches = obj["matches"]
    assert isinstance(matches, list)
    for match in matches:
        assert set(match) == {"id", "kind", "title", "score"}
        assert isinstance(match["id"], str) and match["kind"] in KINDS and isinstance(match["title"], str)
        assert isinstance(match["score"], float | int) and 0.0 <= match["score"] <= 1.0
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_prints_one_object_per_question_one_per_line(runs: dict[str, Run], titles: list[str]) -> None:
    done = runs["ask-json"].done
    assert done.returncode == 0, done.stderr
    objects = json_lines(done.stdout)
    assert len(objects) == 3
    for obj, question in zip(objects, [titles[0], titles[1], "?!"], strict=True):
        assert_contract(obj, question)


def test_ask_dash_reads_one_question_per_line_from_stdin_in_its_place(runs: dict[str, Run], titles: list[str]) -> None:
    objects = json_lines(runs["ask-json"].done.stdout)
    assert [o["question"] for o in objects] == [titles[0], titles[1], "?!"]


def test_ask_json_describes_each_match_by_its_entry(runs: dict[str, Run], reference_kb: KnowledgeBase) -> None:
    objects = json_lines(runs["ask-json"].done.stdout)
    for obj, entry_id in zip(objects, ASKED_IDS, strict=False):  # the third question, "?!", matches nothing
        best = obj["matches"][0]  # type: ignore[index]
        entry = reference_kb.by_id[entry_id]
        assert (best["id"], best["kind"], best["title"]) == (entry.id, entry.kind, entry.title.get("en"))
    assert objects[2]["decision"] == "escalate" and objects[2]["matches"] == []


def test_ask_prints_a_readable_answer_with_title_id_and_text(runs: dict[str, Run]) -> None:
    done = runs["ask-text"].done
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("? Choir festival fund\n")
    assert "  Choir festival fund [choir-festival-fund]\n" in done.stdout
    assert "  Support for amateur choirs that organise a festival.\n" in done.stdout
    assert "? ?!\n  No confident answer: this goes to a person.\n" in done.stdout


def test_ask_with_a_missing_base_fails_with_a_one_line_reason(runs: dict[str, Run], site: Path) -> None:
    done = runs["ask-no-base"].done
    assert done.returncode == 1 and done.stdout == ""
    assert f"  {site / 'nowhere'}: knowledge base folder not found\n" in done.stderr


def test_kb_check_on_the_reference_base_counts_each_kind(runs: dict[str, Run], reference_kb: KnowledgeBase) -> None:
    done = runs["check-reference"].done
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"126 entries in {KB_DIR}: OK\n")
    for kind in KINDS:
        assert re.search(rf"^\s+{kind}\s+{len(reference_kb.of_kind(kind))}$", done.stdout, re.MULTILINE)
    assert "languages (entries with a text in it): " in done.stdout
    assert re.search(r"^deadlines already passed.*: \d+$", done.stdout, re.MULTILINE)


def test_kb_check_on_a_broken_base_exits_1_naming_file_entry_and_field(
        runs: dict[str, Run], site: Path, base: str) -> None:
    done = runs["check-broken"].done
    assert done.returncode == 1 and done.stdout == ""
    line = base.count("\n") + 1
    assert done.stderr.splitlines() == [
        "knowledge base has 1 error(s):",
        f"  {site / 'broken' / 'funding.yaml'}:{line}, entry 'choir-festival-fund', field 'deadline': "
        "'next spring' is not a date (YYYY-MM-DD) or the word 'rolling'",
    ]


def test_kb_test_exits_0_when_every_example_question_lands(runs: dict[str, Run]) -> None:
    done = runs["test-good"].done
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2 example questions asked, 2 landed on their entry, 0 did not\n"


def test_kb_test_lists_example_questions_that_miss_and_exits_1(runs: dict[str, Run]) -> None:
    done = runs["test-miss"].done
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "3 example questions asked, 2 landed on their entry, 1 did not",
        f"  choir-festival-fund: '{WORDLESS_QUESTION}' -> escalate: nothing",
    ]


def test_eval_of_several_sets_prints_a_row_each_then_pooled_figures_and_compares_with_a_saved_run(
        runs: dict[str, Run], site: Path) -> None:
    done = runs["eval-pooled"].done
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"set\s+n\s+handled\s+wrong\s+clarify", lines[0])
    for line, name in zip(lines[1:3], ("dev.yaml", "paraphrases.yaml"), strict=True):
        assert re.fullmatch(rf"{re.escape(name)}\s+\d+(\s+\d+\.\d%){{3}}", line), line
    interval = r"\d+\.\d % \(95 % interval \d+\.\d to \d+\.\d; 263 questions in 2 sets\)"
    assert re.fullmatch(rf"pooled handled\s+{interval}", lines[3]) and re.fullmatch(rf"pooled wrong\s+{interval}", lines[4])
    languages = [re.fullmatch(r"pooled handled, (\w+)\s+\d+\.\d % \(95 % interval .+ in 2 sets\)", line) for line in lines[5:9]]
    assert [found.group(1) for found in languages if found] == ["da", "en", "nl", "sv"]
    saved = json.loads((site / "run.json").read_text(encoding="utf-8"))
    assert sorted(saved) == ["dev.yaml", "paraphrases.yaml"] and len(saved["dev.yaml"]["verdicts"]) == 200
    handled = sum(v == "handled" for run in saved.values() for v in run["verdicts"])
    assert lines[3].startswith(f"pooled handled  {100 * handled / 263:.1f} %")
    for run in saved.values():  # an earlier matcher that handled nothing: the change is all of today's handled
        run["verdicts"] = ["missed"] * len(run["verdicts"])
    (site / "nothing.json").write_text(json.dumps(saved), encoding="utf-8")
    against = Run("eval", str(DEV_SET), str(SECOND_SET), "--kb", str(KB_DIR), "--against", str(site / "nothing.json"))
    done = against.done
    assert done.returncode == 0, done.stderr
    change = re.fullmatch(r"change in handled\s+\+(\d+\.\d) points \(95 % interval .+; 263 questions in 2 sets\)",
                          done.stdout.splitlines()[-2])
    assert change is not None and change.group(1) == f"{100 * handled / 263:.1f}"
    wrong = lines[4].split()[2]  # today's wrong share: every wrong answer is new against a run that answered nothing
    assert done.stdout.splitlines()[-1].startswith(f"change in wrong    +{wrong} points")
    other = Run("eval", str(DEV_SET), "--kb", str(KB_DIR), "--against", str(site / "run.json")).done
    assert other.returncode != 0 and "not a run of the same sets" in other.stderr and "Traceback" not in other.stderr


def test_eval_prints_overall_per_language_and_per_kind_figures(runs: dict[str, Run]) -> None:
    done = runs["eval"].done
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("200 questions\n")
    for verdict in ("handled", "wrong", "missed"):
        assert re.search(rf"^{verdict}\s+\d+\.\d %$", out, re.MULTILINE), verdict
    assert re.search(r"^clarify\s+\d+\.\d % of questions$", out, re.MULTILINE)
    assert re.search(r"^by language\s+n\s+handled\s+wrong\s+missed\s+clarify$", out, re.MULTILINE)
    assert re.search(r"^by kind\s+n\s+handled\s+wrong\s+missed\s+clarify$", out, re.MULTILINE)
    row = r"\s+\d+\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%$"
    for name in ("sv", "da", "nl", "en", *KINDS, "escalate"):
        assert re.search(rf"^{name}{row}", out, re.MULTILINE), name
    assert len(re.findall(r"^  \[(?:wrong|missed)\] ", out, re.MULTILINE)) == 2
    assert re.search(r"^failures \(\d+, showing 2\):$", out, re.MULTILINE)


def test_eval_lists_no_failure_unless_asked_so_measuring_a_set_does_not_make_it_seen(runs: dict[str, Run]) -> None:
    done = runs["eval-figures-only"].done
    assert done.returncode == 0, done.stderr
    assert re.search(r"^handled\s+\d+\.\d %$", done.stdout, re.MULTILINE)
    assert "failures" not in done.stdout and "expected" not in done.stdout


def test_the_config_option_chooses_the_base_relative_to_the_config_file(runs: dict[str, Run], site: Path) -> None:
    done = runs["config-option"].done
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"2 entries in {(site / 'good').resolve()}: OK\n")


def test_the_config_option_also_follows_the_command(runs: dict[str, Run], site: Path) -> None:
    done = runs["config-after"].done
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"2 entries in {(site / 'good').resolve()}: OK\n")


def test_the_environment_variable_chooses_the_config(runs: dict[str, Run]) -> None:
    done = runs["config-env"].done
    assert done.returncode == 0, done.stderr
    [obj] = json_lines(done.stdout)
    assert_contract(obj, "Choir festival fund")
    assert obj["matches"][0]["id"] == "choir-festival-fund"  # type: ignore[index]


def test_a_bad_config_is_one_line_on_stderr_and_exit_1(runs: dict[str, Run], site: Path) -> None:
    done = runs["bad-config"].done
    assert done.returncode == 1 and done.stdout == ""
    config = site / "bad-config" / "config.yaml"
    assert done.stderr == f"config error: {config}: matching.answer_minimum: unknown key\n"
