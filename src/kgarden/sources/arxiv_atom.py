"""The arXiv API's response: an Atom feed with one ``<entry>`` per paper.

Parsed with defusedxml (no entity expansion, no external resources). A single ``<entry>`` as
the root element is read as a feed of one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import ParseError as XMLParseError
from defusedxml.ElementTree import XMLParser

from kgarden.models import Paper, make_paper, normalize_arxiv_id
from kgarden.sources.base import SourceFile, register_reader, require_papers

READER = "arxiv-atom.v1"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_POSITION = re.compile(r":? line \d+, column \d+$")


class _LineTrackingBuilder(TreeBuilder):
    """Remembers the line of the root and of each entry start tag, for errors and origins."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        if (not self.lines or tag == ATOM + "entry") and self.expat is not None:
            self.lines[id(element)] = self.expat.CurrentLineNumber  # the root and each entry
        return element


def _parse(source: SourceFile) -> tuple[Element, dict[int, int]]:
    builder = _LineTrackingBuilder()
    parser = XMLParser(target=builder)
    builder.expat = getattr(parser, "parser", None)  # the expat parser knows the current line
    try:
        parser.feed(source.text())
        root: Element = parser.close()
    except XMLParseError as exc:
        line = exc.position[0] if exc.position else None
        raise source.error(f"invalid XML: {_POSITION.sub('', str(exc))}", line) from None
    except DefusedXmlException:
        line = getattr(builder.expat, "CurrentLineNumber", None)
        raise source.error("XML with entity or DTD declarations is not accepted", line) from None
    return root, builder.lines


def _text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return "".join(child.itertext()).strip() if child is not None else ""


def entry_to_paper(entry: Element, source: SourceFile, line: int | None) -> Paper:
    entry_id = _text(entry, ATOM + "id")
    title, summary = _text(entry, ATOM + "title"), _text(entry, ATOM + "summary")
    if "/api/errors" in entry_id:  # how the API reports a bad query
        raise source.error(f"the arXiv API returned an error: {summary or title}", line)
    if not title and not summary:
        raise source.error("entry has neither a title nor a summary", line)
    links = {
        (link.get("title") or link.get("rel") or ""): link.get("href")
        for link in entry.findall(ATOM + "link")
    }
    primary = entry.find(ARXIV + "primary_category")
    extra: dict[str, Any] = {
        "updated": _text(entry, ATOM + "updated"),
        "primary_category": primary.get("term") if primary is not None else None,
        "categories": [c.get("term") for c in entry.findall(ATOM + "category") if c.get("term")],
        "comment": _text(entry, ARXIV + "comment"),
        "journal_ref": _text(entry, ARXIV + "journal_ref"),
        "pdf_url": links.get("pdf"),
    }
    return make_paper(
        title=title,
        abstract=summary,
        authors=[_text(a, ATOM + "name") for a in entry.findall(ATOM + "author")],
        date=_text(entry, ATOM + "published") or None,
        venue=extra["journal_ref"] or None,
        doi=_text(entry, ARXIV + "doi") or None,
        arxiv_id=normalize_arxiv_id(entry_id),
        url=links.get("alternate") or entry_id or None,
        source=READER,
        origin=source.origin(line),
        extra={k: v for k, v in extra.items() if v},
    )


@register_reader(
    "arxiv-atom",
    suffixes=(".xml", ".atom"),
    description="arXiv API responses (Atom feeds of entries)",
)
def read_arxiv_atom(source: SourceFile) -> Iterator[Paper]:
    """Each entry's id, title, summary, authors, dates, DOI, journal ref, categories, links."""
    root, lines = _parse(source)
    if root.tag == ATOM + "entry":
        entries = [root]
    elif root.tag == ATOM + "feed":
        entries = root.findall(ATOM + "entry")
    else:
        name = root.tag.rsplit("}", 1)[-1]
        raise source.error(
            f"not an Atom feed: the root element is <{name}>, expected an Atom <feed>",
            lines.get(id(root), 1),
        )
    papers = [entry_to_paper(e, source, lines.get(id(e))) for e in entries]
    yield from require_papers(papers, source)  # a valid search with no results is still empty
