"""Versioned prompt files: loading, pinning, and substitution that evidence cannot break."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import KgardenError, NotFoundError
from kgarden.llm import available_prompts, load_prompt

PROMPT = "notes for maintainers {ignored}\n\n## system\n\nBe {tone}.\n\n## user\n\nQ: {question}\n"


def write(folder: Path, name: str, text: str = PROMPT) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_packaged_ask_prompt_is_newest_and_pinnable() -> None:
    newest = load_prompt("ask")
    assert newest.id == "ask.v1"
    assert load_prompt("ask.v1") == newest
    assert newest.placeholders == {"question", "evidence"}
    assert '"enough_evidence"' in newest.system and '"cites"' in newest.system
    # The maintainers' note before "## system" is never sent.
    assert "Never edit a released version" not in newest.system + newest.user
    assert "ask.v1" in available_prompts()


def test_newest_version_is_numeric_and_other_files_are_ignored(tmp_path: Path) -> None:
    for name in ("x.v2.md", "x.v10.md", "x.v9.md", "x.md", "notes.txt", "y.v1.md"):
        write(tmp_path, name)
    assert available_prompts(tmp_path) == ["x.v2", "x.v9", "x.v10", "y.v1"]
    assert load_prompt("x", tmp_path).id == "x.v10"
    assert load_prompt("x.v2", tmp_path).version == 2


@pytest.mark.parametrize("prompt_id", ["missing", "ask.v99", "ask.v", "../ask"])
def test_unknown_prompt_is_a_kgarden_error_with_suggestions(prompt_id: str) -> None:
    with pytest.raises(NotFoundError) as info:
        load_prompt(prompt_id)
    assert "ask.v1" in info.value.suggestions
    assert prompt_id in str(info.value)


def test_render_fills_placeholders_and_keeps_other_braces(tmp_path: Path) -> None:
    write(tmp_path, "t.v1.md", '## system\n\nJSON like {"a": [1]} and {tone}\n\n## user\n\n{q}')
    system, user = load_prompt("t", tmp_path).render({"tone": "terse", "q": "why?"})
    assert system == 'JSON like {"a": [1]} and terse'
    assert user == "why?"


def test_braces_in_values_cannot_break_or_inject(tmp_path: Path) -> None:
    write(tmp_path, "t.v1.md", "## system\n\nS {a}\n\n## user\n\n{a} | {b}")
    nasty = "{b} {} {0} {__class__} {a!r} }{"
    system, user = load_prompt("t", tmp_path).render({"a": nasty, "b": "B"})
    assert system == f"S {nasty}"
    assert user == f"{nasty} | B"  # "{b}" inside a value was not filled in


def test_missing_or_unused_variables_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "t.v1.md")
    prompt = load_prompt("t", tmp_path)
    with pytest.raises(KgardenError, match="missing question"):
        prompt.render({"tone": "x"})
    with pytest.raises(KgardenError, match="unused extra"):
        prompt.render({"tone": "x", "question": "q", "extra": "e"})


@pytest.mark.parametrize(
    "text",
    [
        "no headers at all",
        "## user\n\nu\n\n## system\n\ns",
        "## system\n\n\n## user\n\nu",
        "## system\n\ns\n",
    ],
)
def test_malformed_prompt_file_names_the_file(tmp_path: Path, text: str) -> None:
    write(tmp_path, "bad.v1.md", text)
    with pytest.raises(KgardenError) as info:
        load_prompt("bad", tmp_path)
    assert info.value.path == "bad.v1.md"
