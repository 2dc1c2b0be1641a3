"""The CSV/TSV reader on a real ASReview screening sample and on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_screening_sample_keeps_labels_in_extra() -> None:
    papers = read_file(FIXTURES / "screening_sample.csv")
    assert len(papers) == 20
    first = papers[0]
    assert first.title == "Inhibition of cellular transport processes by 5-thio-D-glucopyranose"
    assert first.abstract.startswith("5-Thio-d-glucopyranose, the nearest analogue of normal")
    assert first.authors == ("R. L. Whistler", "W. C. Lake")
    assert first.date == "1972"
    assert first.extra == {"record_id": "2", "label_included": "0"}
    assert first.origin.endswith("screening_sample.csv:2")
    assert first.source == "csv.v1"
    assert papers[2].authors == ("D. Pavlinac", "R. Langer", "L. Lenhard", "L. Deftos")
    assert papers[3].extra["label_included"] == "1"
    no_abstract = papers[12]
    assert (no_abstract.title, no_abstract.abstract) == (
        "[Novel migraine mechanisms as targets for therapy]",
        "",
    )
    assert sum(p.extra["label_included"] == "1" for p in papers) == 5


def test_quoted_newlines_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Title;Abstract;Authors;Keywords;DOI\n"
        '"First; with a semicolon";"An abstract\nover\nthree lines.";"Doe, Jane";"a; b";\n'
        "\n"
        'Second;"Short.";"Jane Doe and John Roe";;10.1000/XYZ\n',
        encoding="utf-8",
    )
    first, second = read_file(path)
    assert first.title == "First; with a semicolon"
    assert first.abstract == "An abstract over three lines."
    assert first.authors == ("Jane Doe",)
    assert first.extra == {"keywords": ["a", "b"]}
    assert first.origin.endswith(":2")
    assert second.origin.endswith(":6")  # lines 2-4 hold the first record, line 5 is blank
    assert second.id == "doi:10.1000/xyz"


def test_tsv_uses_tabs(tmp_path: Path) -> None:
    path = tmp_path / "papers.tsv"
    path.write_text(
        "title\tabstract\tyear\nA, B and C\tText, with commas.\t2020\n", encoding="utf-8"
    )
    (paper,) = read_file(path)
    assert (paper.title, paper.abstract, paper.date) == ("A, B and C", "Text, with commas.", "2020")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("title,abstract\nOne,Text.\nTwo,Text.,extra\n", 3, "expected 2 fields as in the header"),
        ("title,abstract,year\nOne,Text.,2020\n,,2021\n", 3, "neither a title nor an abstract"),
        ('title,abstract\nOne,"Text.\nTwo,Text.\n', 2, "quoted field never closes"),
        ('title,abstract\nOne,"Text" more\n', 2, "malformed CSV"),
        ("name,notes,year\nOne,Text.,2020\n", 1, "no title or abstract column"),
    ],
)
def test_malformed_table_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == line
    assert words in caught.value.message


def test_missing_text_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("record_id;name;label_included\n1;x;0\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert "'record_id', 'name', 'label_included'" in caught.value.message
