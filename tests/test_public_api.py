"""The public surface is what we mean it to be, and the registry names what made things."""

import pytest

import kgarden
from kgarden.errors import KgardenError, UnknownFormatError
from kgarden.registry import Component, Registry, registry


def test_public_names() -> None:
    assert set(kgarden.__all__) == {
        "ConfigError", "CurationError", "DependencyError", "EmptyInputError", "EncodingError",
        "Garden",
        "GardenError", "GardenNotFoundError", "GardenStatus", "IngestReport", "InputError",
        "KgardenError", "NotAGardenError", "NotFoundError", "Paper", "ParseError", "QueryError",
        "SchemaVersionError", "Settings", "UnknownFormatError", "__version__", "load_settings",
        "make_paper", "read_file", "read_files",
    }
    for name in kgarden.__all__:
        assert hasattr(kgarden, name)


def test_every_public_error_is_rooted() -> None:
    for name in kgarden.__all__:
        obj = getattr(kgarden, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, KgardenError)


def test_builtin_components_are_registered_under_versioned_names() -> None:
    readers = {c.id for c in registry.all("reader")}
    assert readers >= {"listing.v1", "jsonl.v1", "csv.v1", "json.v1", "bibtex.v1", "ris.v1",
                       "arxiv-atom.v1", "openalex-json.v1"}
    assert registry.get("extractor", "rules").id == "rules.v1"
    assert {c.id for c in registry.all("exporter")} == {"graphml.v1", "gexf.v1", "json.v1",
                                                        "csv.v1"}
    assert registry.get("executor", "local.v1").id == "local.v1"


def test_versioned_lookup_picks_newest_unless_pinned() -> None:
    reg = Registry()
    reg.add(Component("widget", "w", 1, lambda: 1))
    reg.add(Component("widget", "w", 2, lambda: 2))
    assert reg.get("widget", "w").version == 2
    assert reg.get("widget", "w.v1").factory() == 1
    with pytest.raises(UnknownFormatError, match="unknown widget 'x'"):
        reg.get("widget", "x")
    with pytest.raises(ValueError, match="registered twice"):
        reg.add(Component("widget", "w", 1, lambda: 3))
