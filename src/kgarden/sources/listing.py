"""A "trending papers" listing page saved as text: title line, blank line, abstract paragraph.

The file is read as blocks of non-blank lines. A paper is a title block (one line of at most
``TITLE_MAX`` characters) followed by an abstract paragraph (any other block: longer, or wrapped
over several lines, which are joined with spaces). Short blocks before the first paper are page
chrome ("new", "Subscribe", "Jun 10") and are skipped. From the first paper on, blocks must
alternate title, abstract; anything else is reported at its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kgarden.models import Paper, make_paper
from kgarden.sources.base import SourceFile, register_reader, split_lines

READER = "listing.v1"
# Longer than nearly every real title, shorter than nearly every real abstract.
TITLE_MAX = 250


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines; ``line`` is the 1-based line of its first line."""

    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(part.strip() for part in self.lines)

    @property
    def is_title(self) -> bool:
        return len(self.lines) == 1 and len(self.text) <= TITLE_MAX


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate([*split_lines(text), ""], start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            found.append(Block(start, tuple(current)))
            current = []
    return found


def first_paper(found: list[Block]) -> int | None:
    """Index of the first title block that is followed by an abstract paragraph."""
    for index in range(len(found) - 1):
        if found[index].is_title and not found[index + 1].is_title:
            return index
    return None


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


@register_reader(
    "listing",
    suffixes=(".txt",),
    description="a listing page saved as text: title line, blank line, abstract paragraph, ...",
)
def read_listing(source: SourceFile) -> Iterator[Paper]:
    """Papers in page order; the origin of each is the line of its title."""
    found = blocks(source.text())
    start = first_paper(found)
    for block in found[: len(found) if start is None else start]:
        if not block.is_title:
            raise source.error("a paragraph with no title line before it", block.line)
    if start is None:
        return  # only short lines: no papers (the caller reports an empty input)
    for index in range(start, len(found), 2):
        title = found[index]
        if not title.is_title:
            raise source.error(
                "expected a title line but found a second paragraph in a row "
                "(is an abstract split by a blank line?)",
                title.line,
            )
        if index + 1 == len(found):
            raise source.error(f"title {_short(title.text)} has no abstract after it", title.line)
        abstract = found[index + 1]
        if abstract.is_title:
            raise source.error(
                f"title {_short(title.text)} is followed by another short line "
                f"(line {abstract.line}), not an abstract paragraph",
                title.line,
            )
        yield make_paper(
            title=title.text,
            abstract=abstract.text,
            source=READER,
            origin=source.origin(title.line),
        )
