"""``kgarden report`` driven as a user would: files, JSON, terminal summary, clean errors."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import kg
from rich.console import Console

from kgarden.cli.discover import print_document
from kgarden.graph.document import Document


@pytest.fixture
def garden(built_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(built_demo, path)
    return path


def test_report_out_writes_the_files_and_says_where(garden: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"  # created when missing
    code, stdout, _ = kg("report", "--garden", garden, "--out", out)
    assert code == 0, stdout
    assert f"report written to {out}" in stdout
    for name in ("report.md", "report.html", "degree-distribution.png", "communities.png"):
        assert (out / name).is_file() and str(out / name) in stdout


def test_report_json(garden: Path) -> None:
    code, stdout, _ = kg("report", "--garden", garden, "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["files"] == [] and data["communities"]["modularity"] > 0.3
    leaders = {c["labels"][0] for c in data["communities"]["list"]}
    assert {"knowledge distillation", "continual learning", "large language model"} <= leaders


def test_report_summary_on_the_terminal(garden: Path) -> None:
    code, stdout, _ = kg("report", "--garden", garden)
    assert code == 0
    for text in ("Knowledge garden report", "Communities", "knowledge distillation",
                 "Bridge concepts", "Verdict on scale-free:",
                 "No paper in this garden carries a date"):
        assert text in stdout


@pytest.mark.parametrize("make_bad", ["file", "under_a_file"])
def test_bad_out_is_one_line_and_exit_2(garden: Path, tmp_path: Path, make_bad: str) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("not a folder")
    bad = target if make_bad == "file" else target / "sub"
    code, stdout, stderr = kg("report", "--garden", garden, "--out", bad)
    assert code == 2 and stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert ("is a file, not a folder" if make_bad == "file" else "cannot create") in lines[0]
    assert target.read_text() == "not a folder"


def test_missing_garden_is_a_clean_error(tmp_path: Path) -> None:
    code, _, stderr = kg("report", "--garden", tmp_path / "nope.db")
    assert code != 0 and stderr.startswith("error: ") and len(stderr.strip().splitlines()) == 1


def test_terminal_text_is_never_markup() -> None:
    doc = Document("T")
    doc.paragraph("[bold red]not markup[/]")
    doc.table(["concept"], [["[link=x]y[/link]"]])
    buffer = io.StringIO()
    print_document(Console(file=buffer, width=100, highlight=False), doc)
    assert "[bold red]not markup[/]" in buffer.getvalue()
    assert "[link=x]y[/link]" in buffer.getvalue()
