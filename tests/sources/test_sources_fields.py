"""The shared helpers: author splitting, name order, keyword lists, line numbers."""

from __future__ import annotations

import pytest

from kgarden.sources.base import split_lines
from kgarden.sources.fields import LineIndex, person_name, split_authors, split_terms


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ada Lovelace and Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("Reimer, E J; Dunn, G S", ["E J Reimer", "G S Dunn"]),
        (
            "D. Pavlinac, R. Langer, L. Lenhard and L. Deftos",
            ["D. Pavlinac", "R. Langer", "L. Lenhard", "L. Deftos"],
        ),
        ("Whistler, R. L. and Lake, W. C.", ["R. L. Whistler", "W. C. Lake"]),
        ("De Gruyter, Walter", ["Walter De Gruyter"]),
        ("Smith, J., Doe, A.", ["J. Smith", "A. Doe"]),
        ("King, Martin, Jr.", ["Martin King Jr."]),
        ("Grace Hopper, Alan Turing, and others", ["Grace Hopper", "Alan Turing"]),
        (
            "Appenzeller-Herzog , C.; Mathes, T.; Ewald H.",
            ["C. Appenzeller-Herzog", "T. Mathes", "Ewald H."],
        ),
    ],
)
def test_split_authors(text: str, names: list[str]) -> None:
    assert split_authors(text) == names


def test_person_name() -> None:
    assert person_name("King, Martin, Jr.") == "Martin King Jr."
    assert split_authors("Doe, Jane; others") == ["Jane Doe"]
    assert person_name("Schmidhuber, Jürgen") == "Jürgen Schmidhuber"
    assert person_name("Doe, Jr., John") == "John Doe Jr."
    assert person_name("Yann LeCun") == "Yann LeCun"


def test_split_terms() -> None:
    assert split_terms("Humans; Pain, Postoperative; Child") == [
        "Humans",
        "Pain, Postoperative",
        "Child",
    ]
    assert split_terms("graphs, knowledge") == ["graphs", "knowledge"]
    assert split_terms("cs.CL cs.AI", on_spaces=True) == ["cs.CL", "cs.AI"]
    assert split_terms("knowledge graphs") == ["knowledge graphs"]


def test_lines_break_only_at_line_endings() -> None:
    text = "a\r\nb\rc\nd\x0ce\u2028f\n"
    assert split_lines(text) == ["a", "b", "c", "d\x0ce\u2028f"]
    index = LineIndex(text)
    assert [index.line(text.index(ch)) for ch in "abcdf"] == [1, 2, 3, 4, 4]
