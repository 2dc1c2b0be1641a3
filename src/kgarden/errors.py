"""One rooted exception tree. Every error kgarden raises on purpose is a KgardenError.

Errors carry what went wrong and where (a file and line when the input has lines), so the CLI
and the web layer can turn them into one clear line and an exit or status code without a
traceback.
"""

from __future__ import annotations

from pathlib import Path


class KgardenError(Exception):
    """Root of kgarden's own errors.

    ``exit_code`` is what the CLI exits with: 2 for a user's mistake (bad input, bad query,
    bad settings), 1 for a well-formed request that cannot be met (nothing found).
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    @property
    def where(self) -> str | None:
        """``file:line`` (or just ``file``) when known."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class InputError(KgardenError):
    """Something the user gave us (a file, a query, a setting) is not usable."""

    exit_code = 2


class ParseError(InputError):
    """A file's content is malformed; ``path`` and ``line`` say where."""


class UnknownFormatError(InputError):
    """No reader is registered for the requested or detected format."""


class EmptyInputError(InputError):
    """A file holds no papers."""


class EncodingError(InputError):
    """A file is not valid text in the expected encoding."""


class ConfigError(InputError):
    """A setting (kgarden.toml, KGARDEN_* or a flag) is invalid."""


class QueryError(InputError):
    """A query, filter or argument is invalid."""


class CurationError(InputError):
    """A curation act that cannot be done as asked (a merge into itself, the undo of an event
    a later one changed, a status a target cannot have)."""


class GardenError(KgardenError):
    """Problems with the garden file itself."""

    exit_code = 2


class GardenNotFoundError(GardenError):
    """No garden exists at the given path."""


class NotAGardenError(GardenError):
    """The file exists but is not a kgarden garden (or is corrupt)."""


class SchemaVersionError(GardenError):
    """The garden was written by a newer kgarden than this one."""


class NotFoundError(KgardenError):
    """A named thing (concept, paper, relation) is not in the garden."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        hint = "did you mean: " + ", ".join(suggestions) if suggestions else None
        super().__init__(message, hint=hint)
        self.suggestions = suggestions or []


class DependencyError(KgardenError):
    """An optional component is not installed (an extra, a model package)."""

    exit_code = 2


class LLMError(KgardenError):
    """The LLM endpoint failed or kept replying with something unusable (after retries)."""

    exit_code = 1


class EmbedderMismatchError(GardenError):
    """The garden's vectors were made by another embedder than the one asked for."""


__all__ = [
    "ConfigError",
    "CurationError",
    "DependencyError",
    "EmbedderMismatchError",
    "EmptyInputError",
    "EncodingError",
    "GardenError",
    "GardenNotFoundError",
    "InputError",
    "KgardenError",
    "LLMError",
    "NotAGardenError",
    "NotFoundError",
    "ParseError",
    "QueryError",
    "SchemaVersionError",
    "UnknownFormatError",
]
