"""The listing reader on the real trending-papers page and on small hand-made pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import EmptyInputError, ParseError
from kgarden.sources import read_file
from kgarden.sources.base import SourceFile
from kgarden.sources.listing import read_listing

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
ABSTRACT = (
    "We study a problem that matters. Our method is simple and it works well on three "
    "benchmarks, beating strong baselines by a wide margin while using a fraction of the "
    "compute. We release code and data so that others can build on the results reported here."
)


def test_trending_page_gives_75_papers_in_order() -> None:
    papers = read_file(FIXTURES / "trending-papers.txt")
    assert len(papers) == 75
    first, last = papers[0], papers[-1]
    assert first.title == (
        "Human-AI Teaming Using Large Language Models: Boosting Brain-Computer Interfacing (BCI) "
        "and Brain Research"
    )
    assert first.abstract.startswith(
        "Recently, there is an increasing interest in using artificial"
    )
    assert first.abstract.endswith("to scientific AI systems in general.")
    assert first.origin.endswith("trending-papers.txt:11")  # the chrome lines 1-9 are skipped
    assert first.source == "listing.v1"
    assert first.id.startswith("title:")
    assert last.title == (
        "State2Explanation: Concept-Based Explanations to Benefit Agent Learning and User "
        "Understanding"
    )
    assert papers[2].title == "Neurosymbolic AI -- Why, What, and How"
    assert len({p.id for p in papers}) == 75


def test_wrapped_abstract_lines_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    wrapped = ABSTRACT.replace(" it works", "\nit works").replace(" We release", "\n  We release")
    path.write_text(
        f"new\n\nSubscribe\n\nJun 10\n\nA First Title\n\n{wrapped}\n\n"
        f"A Second Title\n\n{ABSTRACT}\n",
        encoding="utf-8",
    )
    papers = list(read_listing(SourceFile.of(path)))
    assert [p.title for p in papers] == ["A First Title", "A Second Title"]
    assert papers[0].abstract == ABSTRACT
    assert [p.origin.rsplit(":", 1)[1] for p in papers] == ["7", "13"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # after the first paper, a title followed by another title
        (f"Jun 10\n\nT1\n\n{ABSTRACT}\n\nT2\n\nT3\n\n{ABSTRACT}\n", 7, "followed by another short"),
        # an abstract split into two paragraphs
        (f"T1\n\n{ABSTRACT}\n\n{ABSTRACT}\n\nT2\n\n{ABSTRACT}\n", 5, "second paragraph in a row"),
        # the last title has nothing after it
        (f"T1\n\n{ABSTRACT}\n\nT2\n", 5, "'T2' has no abstract after it"),
        # a paragraph before any title
        (f"{ABSTRACT}\n\nT1\n\n{ABSTRACT}\n", 1, "no title line before it"),
    ],
)
def test_malformed_listing_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == line
    assert words in caught.value.message


def test_a_page_of_short_lines_holds_no_papers(tmp_path: Path) -> None:
    path = tmp_path / "chrome.txt"
    path.write_text("new\n\nSubscribe\n\nJun 10\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        read_file(path)


def test_listing_is_detected_without_a_known_suffix(tmp_path: Path) -> None:
    path = tmp_path / "saved-page.text"
    path.write_text(f"Jun 10\n\nA Title\n\n{ABSTRACT}\n", encoding="utf-8")
    papers = read_file(path)
    assert [(p.title, p.source) for p in papers] == [("A Title", "listing.v1")]
    assert read_file(path, format="listing") == papers
