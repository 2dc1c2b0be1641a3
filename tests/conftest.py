"""Shared fixtures: real gardens on disk, built from the bundled demo corpus."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from kgarden.extract.rules import PaperText, RulesExtractor
from kgarden.extract.types import PaperExtraction
from kgarden.garden import Garden
from kgarden.models import Paper
from kgarden.settings import Settings, load_settings
from kgarden.sources import read_files

FIXTURES = Path(__file__).parent / "fixtures"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Defaults only: no kgarden.toml, no KGARDEN_* from the developer's shell."""
    return load_settings(env={})


@pytest.fixture(scope="session")
def demo_listing() -> Iterator[Path]:
    with resources.as_file(resources.files("kgarden.demo") / "trending-papers.txt") as path:
        yield path


@pytest.fixture(scope="session")
def demo_papers(demo_listing: Path) -> list[Paper]:
    return read_files([demo_listing], "listing")


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory, demo_papers: list[Paper],
               settings: Settings) -> Path:
    """The demo garden, built once per test session (read-only for tests: copy to change)."""
    path = tmp_path_factory.mktemp("demo") / "garden.db"
    with Garden.create(path, settings=settings) as garden:
        garden.ingest_papers(demo_papers)
    return path


@pytest.fixture
def demo_garden(built_demo: Path, tmp_path: Path, settings: Settings) -> Iterator[Garden]:
    """A private copy of the demo garden."""
    path = tmp_path / "garden.db"
    shutil.copy(built_demo, path)
    with Garden.open(path, settings=settings) as garden:
        yield garden


@pytest.fixture(scope="session")
def extractor() -> RulesExtractor:
    return RulesExtractor()


@pytest.fixture(scope="session")
def extract(extractor: RulesExtractor):  # type: ignore[no-untyped-def]
    """extract(abstract, title="") -> PaperExtraction."""

    def run(abstract: str, title: str = "") -> PaperExtraction:
        return next(iter(extractor.extract([PaperText("p", title, abstract, "h")])))

    return run
