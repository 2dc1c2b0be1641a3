"""OpenAlex works: one work, a list of works, or an API page ``{"meta": ..., "results": [...]}``.

The abstract is rebuilt from ``abstract_inverted_index`` (word -> positions), which is how
OpenAlex ships abstracts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from kgarden.models import Paper, make_paper, normalize_arxiv_id
from kgarden.sources.base import SourceFile, register_reader
from kgarden.sources.fields import kind_of
from kgarden.sources.json_records import json_records

READER = "openalex-json.v1"


def rebuild_abstract(index: Any, fail: Callable[[str], NoReturn]) -> str:
    """Put each word of an inverted index back at its positions."""
    if index is None:
        return ""
    if not isinstance(index, dict):
        fail(f"abstract_inverted_index should be an object, not {kind_of(index)}")
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in positions
        ):
            fail(f"abstract_inverted_index: positions of {word!r} should be a list of numbers")
        for position in positions:
            if position in slots:
                fail(f"abstract_inverted_index: two words at position {position}")
            slots[position] = word
    return " ".join(slots[p] for p in sorted(slots))


def _get(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None where any step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def _names(items: Any) -> list[str]:
    """``display_name`` of each object in a list (concepts, topics, keywords); plain strings too."""
    if not isinstance(items, list):
        return []
    names = (_get(i, "display_name") if isinstance(i, dict) else i for i in items)
    return [n for n in names if _str(n)]


def _authors(authorships: Any) -> list[str]:
    names: list[str] = []
    for authorship in authorships if isinstance(authorships, list) else []:
        name = _str(_get(authorship, "author", "display_name")) or _str(
            _get(authorship, "raw_author_name")
        )
        if name:
            names.append(name)
    return names


def _arxiv_id(work: dict[str, Any]) -> str | None:
    """An arXiv id from ``ids`` or any location's landing page or PDF URL."""
    candidates: list[Any] = []
    ids = work.get("ids")
    if isinstance(ids, dict):
        candidates.extend(ids.values())
    for location in [work.get("primary_location"), *_list(work, "locations")]:
        candidates += [_get(location, "landing_page_url"), _get(location, "pdf_url")]
    for value in candidates:
        if isinstance(value, str) and "arxiv.org/" in value.lower():
            found = normalize_arxiv_id(value)
            if found:
                return found
    doi = _str(work.get("doi")) or ""
    return normalize_arxiv_id(doi) if "10.48550/arxiv." in doi.lower() else None


def is_openalex_work(record: dict[str, Any]) -> bool:
    """An OpenAlex work object (by its id or its inverted-index abstract)."""
    work_id = record.get("id")
    return "abstract_inverted_index" in record or (
        isinstance(work_id, str) and work_id.startswith("https://openalex.org/W")
    )


def work_to_paper(work: dict[str, Any], source: SourceFile, line: int) -> Paper:
    def fail(message: str) -> NoReturn:
        raise source.error(message, line)

    title = _str(work.get("title")) or _str(work.get("display_name"))
    abstract = rebuild_abstract(work.get("abstract_inverted_index"), fail)
    if not title and not abstract:
        fail("work has neither a title nor an abstract")
    openalex_id = _str(work.get("id")) or _str(_get(work, "ids", "openalex"))
    venue = _str(_get(work, "primary_location", "source", "display_name")) or _str(
        _get(work, "host_venue", "display_name")
    )
    url = _str(_get(work, "primary_location", "landing_page_url")) or _str(work.get("doi"))
    extra: dict[str, Any] = {
        "openalex_id": openalex_id.rsplit("/", 1)[-1] if openalex_id else None,
        "type": _str(work.get("type")),
        "language": _str(work.get("language")),
        "cited_by_count": work.get("cited_by_count"),
        "concepts": _names(work.get("concepts")),
        "topics": _names(work.get("topics")),
        "keywords": _names(work.get("keywords")),
        "referenced_works": [
            w.rsplit("/", 1)[-1] for w in _list(work, "referenced_works") if _str(w)
        ],
    }
    return make_paper(
        title=title,
        abstract=abstract,
        authors=_authors(work.get("authorships")),
        date=_str(work.get("publication_date")) or work.get("publication_year"),
        venue=venue,
        doi=_str(work.get("doi")),
        arxiv_id=_arxiv_id(work),
        url=url,
        source=READER,
        origin=source.origin(line),
        extra={k: v for k, v in extra.items() if v not in (None, [])},
        id_hint=openalex_id,
    )


@register_reader(
    "openalex-json",
    suffixes=(".json",),
    description='OpenAlex works: a work, a list of works or an API page {"results": [...]}',
)
def read_openalex(source: SourceFile) -> Iterator[Paper]:
    """Title, authors, date, DOI, venue, arXiv id and the rebuilt abstract of each work."""
    for line, work in json_records(source, "results", what="works"):
        if not isinstance(work, dict):
            raise source.error(f"expected each work to be an object, found {kind_of(work)}", line)
        yield work_to_paper(work, source, line)
