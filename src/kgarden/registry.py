"""The one registry of swappable parts, under versioned names (``listing.v1``, ``rules.v1``).

Readers, extractors, exporters, executors (and later embedders and LLM clients) register here.
Every output records the versioned name of the component that made it, so an old garden still
says what built it. ``get(kind, "listing")`` returns the newest version; ``"listing.v1"`` pins one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kgarden.errors import UnknownFormatError

T = TypeVar("T")

# Importing these modules registers the built-in components of each kind.
_BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "reader": ("kgarden.sources",),
    "extractor": ("kgarden.extract.rules", "kgarden.extract.llm"),
    "exporter": ("kgarden.export",),
    "executor": ("kgarden.pipeline.executors",),
    "embedder": ("kgarden.embed.minilm",),
    "llm": ("kgarden.llm.client",),
    "harvester": ("kgarden.curate.harvest",),
}

_VERSIONED = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)\.v(?P<version>\d+)$")


@dataclass(frozen=True)
class Component:
    """A registered part: what kind it is, its name and version, and how to make it."""

    kind: str
    name: str
    version: int
    factory: Callable[..., Any]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The versioned name recorded with every output, e.g. ``listing.v1``."""
        return f"{self.name}.v{self.version}"


class Registry:
    def __init__(self) -> None:
        self._items: dict[str, dict[tuple[str, int], Component]] = {}
        self._loaded: set[str] = set()

    def register(
        self, kind: str, name: str, version: int = 1, **meta: Any
    ) -> Callable[[T], T]:
        """Decorator: register ``factory`` as ``kind`` component ``name.v{version}``."""

        def decorate(factory: T) -> T:
            self.add(Component(kind, name, version, factory, dict(meta)))  # type: ignore[arg-type]
            return factory

        return decorate

    def add(self, component: Component) -> None:
        key = (component.name, component.version)
        existing = self._items.setdefault(component.kind, {}).get(key)
        if existing is not None and existing.factory is not component.factory:
            raise ValueError(f"{component.kind} {component.id} is registered twice")
        self._items[component.kind][key] = component

    def _load(self, kind: str) -> None:
        if kind in self._loaded:
            return
        self._loaded.add(kind)
        for module in _BUILTIN_MODULES.get(kind, ()):
            importlib.import_module(module)

    def all(self, kind: str) -> list[Component]:
        """Every component of ``kind``, newest version of each name last."""
        self._load(kind)
        return sorted(self._items.get(kind, {}).values(), key=lambda c: (c.name, c.version))

    def latest(self, kind: str) -> list[Component]:
        """The newest version of each name of ``kind``."""
        newest: dict[str, Component] = {}
        for comp in self.all(kind):
            newest[comp.name] = comp
        return list(newest.values())

    def get(self, kind: str, name: str) -> Component:
        """Look up ``name`` (newest version) or ``name.vN`` (that version)."""
        self._load(kind)
        items = self._items.get(kind, {})
        match = _VERSIONED.match(name)
        if match:
            comp = items.get((match["name"], int(match["version"])))
        else:
            versions = [c for (n, _), c in items.items() if n == name]
            comp = max(versions, key=lambda c: c.version) if versions else None
        if comp is None:
            known = ", ".join(sorted({c.name for c in items.values()})) or "none"
            raise UnknownFormatError(f"unknown {kind} {name!r} (known: {known})")
        return comp


registry = Registry()
