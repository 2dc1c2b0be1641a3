"""The arXiv Atom reader on an API response and on broken or hostile XML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgarden.errors import EmptyInputError, ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
FEED = '<feed xmlns="http://www.w3.org/2005/Atom">\n{}</feed>\n'


def test_api_response_entries() -> None:
    safe, ros, h1 = read_file(FIXTURES / "arxiv_api.xml")
    sample = {
        r["id"]: r
        for r in map(json.loads, (FIXTURES / "arxiv_sample.jsonl").read_text("utf-8").splitlines())
    }
    assert safe.id == "arxiv:2503.11742"
    assert safe.title == sample["2503.11742"]["title"]
    assert safe.abstract == sample["2503.11742"]["abstract"]  # the wrapped summary, unwrapped
    assert list(safe.authors) == sample["2503.11742"]["authors"]
    assert safe.date == "2025-03-14"
    assert safe.url == "http://arxiv.org/abs/2503.11742v1"
    assert safe.extra == {
        "updated": "2025-03-14T17:59:58Z",
        "primary_category": "cs.CV",
        "categories": ["cs.CV", "cs.AI"],
        "comment": "Work in progress",
        "pdf_url": "http://arxiv.org/pdf/2503.11742v1",
    }
    assert (
        ros.title
        == "ROS-SAM: High-Quality Interactive Segmentation for Remote Sensing Moving Object"
    )
    assert ros.extra["updated"] == "2025-03-20T02:10:44Z"
    assert h1.arxiv_id == "hep-ex/0307015"
    assert h1.id == "doi:10.1140/epjc/s2003-01326-x"
    assert h1.venue == "Eur.Phys.J. C31 (2003) 17-29"
    assert (
        h1.title == "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
    )
    assert h1.abstract.endswith(r"of 0.30 \pm 0.04 and 0.23 \pm 0.04, respectively.")
    assert [p.origin.rsplit(":", 1)[1] for p in (safe, ros, h1)] == ["10", "57", "109"]
    assert {p.source for p in (safe, ros, h1)} == {"arxiv-atom.v1"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            FEED.format("  <entry>\n    <title>T</title>\n  </entri>\n"),
            4,
            "invalid XML: mismatched tag",
        ),
        ('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n', 2, "not an Atom feed"),
        (
            FEED.format("  <entry><id>http://arxiv.org/abs/2501.00001v1</id></entry>\n"),
            2,
            "neither a title nor a summary",
        ),
        (
            FEED.format(
                "  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1</id>\n"
                "    <title>Error</title>\n    <summary>incorrect id format for 1</summary>\n"
                "  </entry>\n"
            ),
            2,
            "arXiv API returned an error: incorrect id format for 1",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY lol "lol">\n]>\n'
            "<feed>&lol;</feed>\n",
            3,
            "entity or DTD declarations",
        ),
    ],
)
def test_bad_xml_is_reported_at_its_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == line
    assert words in caught.value.message


def test_feed_without_entries_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "none.atom"
    path.write_text(FEED.format("  <title>ArXiv Query: search_query=all:zzzz</title>\n"), "utf-8")
    with pytest.raises(EmptyInputError):
        read_file(path)
