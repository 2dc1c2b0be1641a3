"""Shared fixtures: real gardens on disk, built from the bundled demo corpus."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from llm_server import TEST_API_KEY, ScriptedLLMServer, llm_server
from typer.testing import CliRunner

from kgarden.cli.app import app
from kgarden.extract.rules import PaperText, RulesExtractor
from kgarden.extract.types import PaperExtraction
from kgarden.garden import Garden
from kgarden.llm import LLMClient, LLMConfig
from kgarden.models import Paper
from kgarden.settings import Settings, load_settings
from kgarden.sources import read_files

FIXTURES = Path(__file__).parent / "fixtures"
_runner = CliRunner()


def kg(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the kgarden command in-process: (exit code, stdout, stderr)."""
    result = _runner.invoke(app, [str(a) for a in args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr

__all__ = ["llm_server"]  # the scripted OpenAI-compatible server (tests/llm_server.py)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Defaults only: no kgarden.toml, no KGARDEN_* from the developer's shell; no embedding
    during ingest (the tests of search embed their own gardens, see ``search_demo``)."""
    return load_settings({"embed_on_ingest": False}, env={})


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


@pytest.fixture(scope="session")
def embedded_demo(built_demo: Path, tmp_path_factory: pytest.TempPathFactory,
                  settings: Settings) -> Path:
    """The demo garden with its vectors (read-only for tests: copy to change)."""
    path = tmp_path_factory.mktemp("embedded") / "garden.db"
    shutil.copy(built_demo, path)
    with Garden.open(path, settings=settings) as garden:
        garden.embed()
    return path


@pytest.fixture(scope="session")
def search_demo(embedded_demo: Path, settings: Settings) -> Iterator[Garden]:
    """One open garden for the read-only search and ask tests."""
    with Garden.open(embedded_demo, settings=settings) as garden:
        yield garden


MakeClient = Callable[..., LLMClient]


@pytest.fixture
def make_client(llm_server: ScriptedLLMServer) -> Iterator[MakeClient]:
    """make_client(timeout=5.0, retries=2, retry_after_cap=60.0) -> a client on the server."""
    made: list[LLMClient] = []

    def make(*, timeout: float = 5.0, retries: int = 2, retry_after_cap: float = 60.0) -> LLMClient:
        config = LLMConfig(llm_server.base_url, "test-model", TEST_API_KEY, timeout, retries)
        # A short backoff keeps retry tests fast; the doubling is still exercised.
        client = LLMClient(config, backoff=0.01, retry_after_cap=retry_after_cap)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
