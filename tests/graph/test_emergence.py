"""Concept emergence: computed when papers carry dates, skipped with a sentence otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.garden import Garden
from kgarden.graph.emergence import emergence
from kgarden.graph.views import bipartite_graph
from kgarden.models import Paper, make_paper
from kgarden.settings import Settings

EARLY = [
    "We propose a graph neural network for molecular property prediction."
    " The graph neural network passes messages between atoms and improves accuracy on a benchmark.",
    "Graph neural networks learn node representations for citation networks."
    " We evaluate the graph neural network on a standard benchmark.",
]
RECENT = [
    "We propose a diffusion model for protein structure generation."
    " The diffusion model outperforms a graph neural network on a benchmark.",
    "Diffusion models generate realistic images. We train a latent diffusion model"
    " with classifier-free guidance and report results on a benchmark.",
]


def dated_papers(dates_early: list[str], dates_recent: list[str]) -> list[Paper]:
    papers = []
    for i, date in enumerate(dates_early):
        papers.append(make_paper(title=f"Graph learning study {i}", abstract=EARLY[i % 2],
                                 date=date, source="test"))
    for i, date in enumerate(dates_recent):
        papers.append(make_paper(title=f"Generative modelling study {i}",
                                 abstract=RECENT[i % 2], date=date, source="test"))
    return papers


@pytest.fixture(scope="module")
def dated_garden(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    path = tmp_path_factory.mktemp("dated") / "garden.db"
    early = ["2024-01-10", "2024-01-20", "2024-02-03", "2024-02-14", "2024-03-01",
             "2024-03-09", "2024-04-02", "2024-04-22"]
    recent = ["2024-05-05", "2024-05-19", "2024-06-01", "2024-06-20"]
    with Garden.create(path, settings=settings) as garden:
        garden.ingest_papers(dated_papers(early, recent))
    return path


def test_emerging_concepts_of_the_recent_months(dated_garden: Path, settings: Settings,
                                                tmp_path: Path) -> None:
    with Garden.open(dated_garden, settings=settings) as garden:
        report = garden.report(out_dir=tmp_path)
    em = report.emergence
    assert em["computed"] and em["granularity"] == "month"
    assert em["periods"] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert em["papers_per_period"] == [2, 2, 2, 2, 2, 2]
    assert em["recent"] == ["2024-05", "2024-06"]
    top = em["concepts"][0]
    assert top["name"] == "diffusion model"
    assert top["new"] and top["first_seen"] == "2024-05"
    assert (top["recent_papers"], top["earlier_papers"]) == (4, 0)
    assert top["series"] == [0, 0, 0, 0, 2, 2]
    assert top["growth"] == pytest.approx((4 / 4) / (1 / 9), rel=1e-3)
    names = {c["name"] for c in em["concepts"]}
    # in every period (benchmark) or fading (graph neural network): not emerging
    assert "graph neural network" not in names and "benchmark" not in names
    assert "12 of 12 papers carry a date" in em["sentence"]
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| diffusion model | 2024-05 | 4 | 0 |" in md and "(emergence.png)" in md
    assert (tmp_path / "emergence.png").read_bytes().startswith(b"\x89PNG")


def test_long_spans_count_per_year(tmp_path: Path, settings: Settings) -> None:
    papers = dated_papers(["2015", "2016-03", "2017", "2018"], ["2021-02", "2022"])
    with Garden.create(tmp_path / "g.db", settings=settings) as garden:
        garden.ingest_papers(papers)
        em = emergence(bipartite_graph(garden.conn))
    assert em.computed and em.granularity == "year"
    assert em.periods == [str(y) for y in range(2015, 2023)]
    assert em.recent == ["2021", "2022"]
    assert em.concepts[0].name == "diffusion model" and em.concepts[0].recent_papers == 2


def test_one_period_and_no_dates_are_said_plainly(tmp_path: Path, settings: Settings,
                                                   demo_garden: Garden) -> None:
    papers = dated_papers(["2024-03-01", "2024-03-02"], ["2024-03-05"])
    with Garden.create(tmp_path / "g.db", settings=settings) as garden:
        garden.ingest_papers(papers)
        em = emergence(bipartite_graph(garden.conn))
    assert not em.computed and em.concepts == []
    assert em.sentence == ("All 3 dated papers fall in 2024-03: emergence needs papers from at"
                           " least two months.")
    demo = emergence(bipartite_graph(demo_garden.conn))
    assert not demo.computed and demo.sentence.startswith("No paper in this garden carries a date")


def test_steady_concepts_do_not_emerge(tmp_path: Path, settings: Settings) -> None:
    papers = [make_paper(title=f"Graph learning study {i}", abstract=EARLY[i % 2], date=date,
                         source="test")
              for i, date in enumerate(["2024-01", "2024-02", "2024-03", "2024-04", "2024-05",
                                        "2024-06"])]
    with Garden.create(tmp_path / "g.db", settings=settings) as garden:
        garden.ingest_papers(papers)
        em = emergence(bipartite_graph(garden.conn))
    assert em.computed and em.concepts == []
    assert em.sentence.endswith("No concept in at least 2 recent papers has grown its share"
                                " 2-fold.")
