"""What every reader shares: the input file, decoding with line-accurate errors, registration.

A reader is a function ``(SourceFile) -> Iterator[Paper]`` registered under a format name and
the file suffixes it claims. It raises :class:`ParseError` with the line it was on for anything
malformed; it never returns half a record silently.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kgarden.errors import EmptyInputError, EncodingError, InputError, ParseError
from kgarden.models import Paper
from kgarden.registry import registry

ReaderFn = Callable[["SourceFile"], Iterator[Paper]]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Physical lines (CRLF, CR or LF). ``str.splitlines`` also breaks at form feeds and U+2028,
    which would make our line numbers disagree with the user's editor."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@dataclass(frozen=True)
class SourceFile:
    """A file to read. ``name`` is how messages refer to it (the path as the user typed it)."""

    path: Path
    name: str

    @classmethod
    def of(cls, path: str | Path) -> SourceFile:
        return cls(Path(path), str(path))

    @property
    def suffixes(self) -> list[str]:
        """Lower-case suffixes without a trailing ``.gz`` (``x.jsonl.gz`` -> ``['.jsonl']``)."""
        parts = [s.lower() for s in self.path.suffixes]
        if parts and parts[-1] == ".gz":
            parts = parts[:-1]
        return parts[-1:]  # the format is decided by the last real suffix

    def read_bytes(self) -> bytes:
        if not self.path.exists():
            raise InputError("no such file", path=self.name)
        if self.path.is_dir():
            raise InputError("is a folder, not a file", path=self.name)
        data = self.path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise ParseError(f"broken gzip data ({exc})", path=self.name) from None
        return data

    def text(self) -> str:
        """The whole file as text: UTF-8 (BOM allowed) or UTF-16 with a BOM; else a clear error."""
        data = self.read_bytes()
        if not data.strip():
            raise EmptyInputError("file is empty", path=self.name)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                raise EncodingError("not valid UTF-16 text", path=self.name) from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise EncodingError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start})",
                path=self.name,
                line=line,
                hint="re-save the file as UTF-8",
            ) from None

    def lines(self) -> list[str]:
        """Physical lines without their endings; index ``i`` is line ``i + 1``."""
        return split_lines(self.text())

    def error(self, message: str, line: int | None = None) -> ParseError:
        return ParseError(message, path=self.name, line=line)

    def origin(self, line: int | None = None) -> str:
        return f"{self.name}:{line}" if line is not None else self.name


def register_reader(
    name: str, *, suffixes: tuple[str, ...], description: str, version: int = 1
) -> Callable[[ReaderFn], ReaderFn]:
    """Register a reader for format ``name`` claiming ``suffixes`` (e.g. ``(".bib",)``)."""
    lowered = tuple(s.lower() for s in suffixes)
    return registry.register("reader", name, version, suffixes=lowered, description=description)


def require_papers(papers: list[Paper], source: SourceFile) -> list[Paper]:
    if not papers:
        raise EmptyInputError("no papers found in this file", path=source.name)
    return papers
