"""Versioned prompt files: ``prompts/<name>.v<N>.md``.

A prompt file is Markdown with two level-2 headers, ``## system`` and ``## user``, each
followed by that message's text. Anything before ``## system`` is a note for maintainers and
is never sent. ``{placeholder}`` (lower-case letters, digits and ``_``) marks a value to fill
in; other braces (a JSON example) are left alone.

Placeholders are filled in one pass over the template, so a value is never scanned again:
braces or ``{names}`` inside evidence text cannot break the template or pull in another value.

``load_prompt("ask")`` gives the newest version, ``load_prompt("ask.v1")`` pins one; the
prompt's ``id`` (``ask.v1``) is recorded with every answer so an old answer says what made it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from kgarden.errors import KgardenError, NotFoundError

_FILE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)\.v(?P<version>\d+)\.md$")
_ID = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)(?:\.v(?P<version>\d+))?$")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_HEADER = re.compile(r"^##[ \t]+(system|user)[ \t]*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    """One version of a prompt: its system and user templates."""

    name: str
    version: int
    system: str
    user: str

    @property
    def id(self) -> str:
        """The versioned name recorded with every answer, e.g. ``ask.v1``."""
        return f"{self.name}.v{self.version}"

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.system) + _PLACEHOLDER.findall(self.user))

    def render(self, variables: Mapping[str, str]) -> tuple[str, str]:
        """(system, user) with every placeholder filled; missing or unused values are errors."""
        wanted = self.placeholders
        missing = sorted(wanted - set(variables))
        extra = sorted(set(variables) - wanted)
        if missing or extra:
            # A typo in a variable name would otherwise send a prompt with a hole in it.
            detail = "; ".join(
                part
                for part in (
                    "missing " + ", ".join(missing) if missing else "",
                    "unused " + ", ".join(extra) if extra else "",
                )
                if part
            )
            raise KgardenError(f"prompt {self.id}: {detail}")

        def fill(match: re.Match[str]) -> str:
            return str(variables[match.group(1)])

        return _PLACEHOLDER.sub(fill, self.system), _PLACEHOLDER.sub(fill, self.user)


def parse_prompt(text: str, name: str, version: int, *, path: str | None = None) -> Prompt:
    """Split a prompt file into its ``## system`` and ``## user`` parts."""
    headers = list(_HEADER.finditer(text))
    kinds = [h.group(1).lower() for h in headers]
    if kinds != ["system", "user"]:
        raise KgardenError(
            "a prompt file needs a '## system' header, then a '## user' header", path=path
        )
    system = text[headers[0].end() : headers[1].start()].strip()
    user = text[headers[1].end() :].strip()
    if not system or not user:
        raise KgardenError("a prompt's system and user parts must not be empty", path=path)
    return Prompt(name, version, system, user)


def _prompt_files(directory: Path | None) -> dict[tuple[str, int], Traversable]:
    """(name, version) -> file, for every well-named prompt file in the folder."""
    folder: Traversable = (
        directory if directory is not None else resources.files("kgarden.llm").joinpath("prompts")
    )
    found: dict[tuple[str, int], Traversable] = {}
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match and entry.is_file():
            found[(match["name"], int(match["version"]))] = entry
    return found


def available_prompts(directory: Path | None = None) -> list[str]:
    """Every prompt id in ``directory`` (default: the packaged prompts), sorted."""
    return [f"{name}.v{version}" for name, version in sorted(_prompt_files(directory))]


def load_prompt(prompt_id: str, directory: Path | None = None) -> Prompt:
    """``"ask"`` loads the newest version of ``ask``; ``"ask.v1"`` loads exactly that one."""
    files = _prompt_files(directory)
    match = _ID.match(prompt_id)
    key: tuple[str, int] | None = None
    if match and match["version"] is not None:
        key = (match["name"], int(match["version"]))
    elif match:
        versions = [version for name, version in files if name == match["name"]]
        key = (match["name"], max(versions)) if versions else None
    if key is None or key not in files:
        raise NotFoundError(
            f"unknown prompt {prompt_id!r}", suggestions=available_prompts(directory)
        )
    entry = files[key]
    return parse_prompt(entry.read_text(encoding="utf-8"), *key, path=entry.name)
