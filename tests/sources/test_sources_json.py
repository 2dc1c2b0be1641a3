"""The JSON records reader: arrays of papers, {"papers": [...]}, and line-accurate errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_papers_object_with_mixed_field_names() -> None:
    attention, bert, lecun = read_file(FIXTURES / "papers.json")
    assert attention.id == "arxiv:1706.03762"
    assert attention.abstract.startswith("The dominant sequence transduction models")
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert (attention.date, attention.url) == ("2017-06-12", "https://arxiv.org/abs/1706.03762")
    assert attention.extra == {"categories": ["cs.CL", "cs.LG"]}
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert (bert.id, bert.date, bert.venue) == (
        "doi:10.18653/v1/n19-1423",
        "2019",
        "Proceedings of NAACL-HLT 2019",
    )
    assert bert.extra == {"citations": 98000, "keywords": ["language models", "pre-training"]}
    assert (lecun.abstract, lecun.doi, lecun.venue) == ("", "10.1038/nature14539", "Nature")
    assert lecun.authors == ("Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton")
    assert [p.origin.rsplit(":", 1)[1] for p in (attention, bert, lecun)] == ["4", "17", "27"]
    assert {p.source for p in (attention, bert, lecun)} == {"json.v1"}


def test_top_level_array_and_single_object(tmp_path: Path) -> None:
    array = tmp_path / "array.json"
    array.write_text('[\n  {"title": "A", "abstract": "x"},\n\n  {"title": "B"}\n]\n', "utf-8")
    assert [(p.title, p.origin.rsplit(":", 1)[1]) for p in read_file(array)] == [
        ("A", "2"),
        ("B", "4"),
    ]
    single = tmp_path / "one.json"
    single.write_text('{"title": "Only", "summary": "One paper."}', "utf-8")
    assert [p.abstract for p in read_file(single, format="json")] == ["One paper."]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            '[\n  {"title": "A"},\n  {"title": "B",}\n]\n',
            3,
            "invalid JSON: Expecting property name",
        ),
        ('{"papers": [\n  {"title": "A"},\n  {"year": 2020}\n]}\n', 3, "neither a title nor"),
        ('{"count": 2,\n "papers":\n   [{"title": "A"}, "B"]}\n', 3, "found text"),
        ('{"meta": {},\n "papers": 5}\n', 2, "'papers' should be a list, not a number"),
        ('\n\n"just a string"\n', 3, "expected a JSON array of papers or an object"),
    ],
)
def test_malformed_json_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path, format="json")
    assert caught.value.line == line
    assert words in caught.value.message
