"""The OpenAlex reader: abstracts rebuilt from inverted indexes, venues, arXiv ids, API pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
STATE_OF_OA = (
    "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need "
    "for large-scale, up-to-date, and reproducible studies assessing the prevalence and "
    "characteristics of OA. We address this need using oaDOI, an open online service that "
    "determines OA status for 67 million articles."
)
PINN = (
    "We introduce physics-informed neural networks – neural networks that are trained to solve "
    "supervised learning tasks while respecting any given laws of physics described by general "
    "nonlinear partial differential equations."
)


def test_single_work() -> None:
    (paper,) = read_file(FIXTURES / "openalex_work.json")
    assert paper.source == "openalex-json.v1"
    assert paper.id == "doi:10.7717/peerj.4375"
    assert paper.title.startswith("The state of OA: a large-scale analysis")
    assert paper.abstract == STATE_OF_OA
    assert paper.authors[:3] == ("Heather Piwowar", "Jason Priem", "Vincent Larivière")
    assert len(paper.authors) == 9
    assert (paper.date, paper.venue) == ("2018-02-13", "PeerJ")
    assert paper.extra["openalex_id"] == "W2741809807"
    assert paper.extra["concepts"] == ["Citation", "Computer science"]
    assert paper.extra["topics"] == ["scientometrics and bibliometrics research"]
    assert paper.extra["keywords"] == ["Open Access", "Unpaywall"]
    assert paper.extra["referenced_works"] == ["W1491283650", "W1551286582", "W1966217451"]
    assert paper.extra["language"] == "en"


def test_api_page_of_three_works() -> None:
    lora, pinn, attention = read_file(FIXTURES / "openalex_page.json")
    assert lora.arxiv_id == "2106.09685"
    assert lora.abstract.startswith("An important paradigm of natural language processing")
    assert lora.abstract.endswith(
        "full fine-tuning, which retrains all model parameters, becomes less feasible."
    )
    assert lora.url == "http://arxiv.org/abs/2106.09685"
    assert pinn.abstract == PINN
    assert pinn.venue == "Journal of Computational Physics"  # from the legacy host_venue
    assert pinn.extra["referenced_works"] == ["W1522301498", "W2194775991"]
    assert attention.abstract == ""  # OpenAlex had no abstract for it
    assert (attention.date, attention.venue) == ("2017", "Neural Information Processing Systems")
    assert attention.authors[6] == "Łukasz Kaiser"
    assert attention.id.startswith("title:")
    assert [p.origin.rsplit(":", 1)[1] for p in (lora, pinn, attention)] == ["10", "227", "389"]


def test_plain_list_of_works(tmp_path: Path) -> None:
    works = [
        {
            "id": "https://openalex.org/W1",
            "display_name": "Shown Name",
            "abstract_inverted_index": {"world": [1], "Hello": [0], "again.": [3], "hello": [2]},
        }
    ]
    path = tmp_path / "works.json"
    path.write_text(json.dumps(works, indent=1), encoding="utf-8")
    (paper,) = read_file(path, format="openalex-json")
    assert (paper.title, paper.abstract) == ("Shown Name", "Hello world hello again.")


@pytest.mark.parametrize(
    ("index", "words"),
    [
        ('{"Hello": [0], "world": "1"}', "positions of 'world' should be a list of numbers"),
        ('{"Hello": [0], "world": [0]}', "two words at position 0"),
        ('["Hello", "world"]', "abstract_inverted_index should be an object, not a list"),
    ],
)
def test_broken_inverted_index_is_reported_at_its_work(
    tmp_path: Path, index: str, words: str
) -> None:
    path = tmp_path / "page.json"
    path.write_text(
        '{"meta": {"count": 2},\n "results": [\n'
        '  {"id": "https://openalex.org/W1", "title": "Fine"},\n'
        f'  {{"id": "https://openalex.org/W2",\n   "abstract_inverted_index": {index}}}\n]}}\n',
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == 4
    assert words in caught.value.message


def test_work_without_title_or_abstract(tmp_path: Path) -> None:
    path = tmp_path / "work.json"
    path.write_text('{"id": "https://openalex.org/W9", "authorships": []}', encoding="utf-8")
    with pytest.raises(ParseError, match="neither a title nor an abstract") as caught:
        read_file(path, format="openalex-json")
    assert caught.value.line == 1
