"""The JSON Lines reader on the real arXiv sample and on hand-made lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_arxiv_sample_maps_every_field() -> None:
    papers = read_file(FIXTURES / "arxiv_sample.jsonl")
    assert len(papers) == 30
    first = papers[0]
    assert first.id == "arxiv:2503.11731"
    assert first.arxiv_id == "2503.11731"
    assert first.title.startswith("Industrial-Grade Sensor Simulation via Gaussian Splatting")
    assert first.abstract.startswith("Sensor simulation is pivotal for scalable validation")
    assert first.authors[:2] == ("Xianming Zeng", "Sicong Du")
    assert len(first.authors) == 16
    assert first.date == "2025-03-18"
    assert first.extra["categories"] == ["cs.CV", "cs.RO"]
    assert "comment" not in first.extra  # null values are dropped
    assert papers[1].authors[0] == "Moreno D'Incà"
    assert papers[1].extra["comment"] == "Work in progress"
    assert [p.origin.rsplit(":", 1)[1] for p in papers] == [str(n) for n in range(1, 31)]
    assert {p.source for p in papers} == {"jsonl.v1"}


def test_gzipped_sample_reads_the_same_papers() -> None:
    plain = read_file(FIXTURES / "arxiv_sample.jsonl")
    zipped = read_file(FIXTURES / "arxiv_sample.jsonl.gz")
    assert [p.id for p in zipped] == [p.id for p in plain[:5]]
    assert [p.abstract for p in zipped] == [p.abstract for p in plain[:5]]


def test_field_names_and_author_shapes(tmp_path: Path) -> None:
    records = [
        {
            "Title": "One",
            "Summary": "Abstract one.",
            "Authors": "Ada Lovelace and Alan Turing",
            "Year": 2021,
            "DOI": "https://doi.org/10.1000/ABC.1",
            "Journal": "J. Tests",
        },
        {
            "title": "Two",
            "description": "Abstract two.",
            "author": "Turing, Alan; Hopper, Grace",
            "published": "2024-02-29T10:00:00Z",
            "link": "https://arxiv.org/abs/2401.00001v2",
        },
        {
            "title": "Three",
            "abstract": ["First sentence.", "Second sentence."],
            "authors": [{"name": "Grace Hopper"}, {"given": "Ada", "family": "Lovelace"}],
            "id": "W123",
            "keywords": "graphs, knowledge",
        },
    ]
    path = tmp_path / "papers.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    one, two, three = read_file(path)
    assert (one.title, one.abstract, one.date) == ("One", "Abstract one.", "2021")
    assert one.venue == "J. Tests"
    assert one.authors == ("Ada Lovelace", "Alan Turing")
    assert one.id == "doi:10.1000/abc.1"
    assert two.authors == ("Alan Turing", "Grace Hopper")
    assert two.date == "2024-02-29"
    assert two.id == "arxiv:2401.00001"
    assert three.abstract == "First sentence. Second sentence."
    assert three.authors == ("Grace Hopper", "Ada Lovelace")
    assert three.extra == {"id": "W123", "keywords": ["graphs", "knowledge"]}
    assert three.id.startswith("title:")


@pytest.mark.parametrize(
    ("line3", "words"),
    [
        ('{"title": "Broken", "abstract": "x",}', "invalid JSON: Expecting property name"),
        ('["a list", "not an object"]', "expected a JSON object on each line, found a list"),
        ('{"authors": ["A. Author"], "year": 2020}', "neither a title nor an abstract"),
        ('{"title": {"en": "Nested"}}', "field 'title' should be text, not an object"),
        ('{"title": "T", "authors": 7}', "field 'authors' should be a list of names or text"),
    ],
)
def test_malformed_line_is_reported_at_its_line(tmp_path: Path, line3: str, words: str) -> None:
    path = tmp_path / "bad.jsonl"
    good = '{"title": "Fine", "abstract": "Fine."}'
    path.write_text(f"{good}\n\n{line3}\n{good}\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == 3
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{path}:3: ")


def test_jsonl_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.data"
    lines = (FIXTURES / "arxiv_sample.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    papers = read_file(path)
    assert [p.source for p in papers] == ["jsonl.v1"] * 3
    assert read_file(path, format="jsonl") == papers
