"""``build_report`` and ``Garden.report`` on the demo garden: what a researcher reads."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from kgarden.garden import Garden
from kgarden.graph.analytics import VERDICTS
from kgarden.graph.report import Report, build_report
from kgarden.settings import Settings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_report(built_demo: Path, tmp_path_factory: pytest.TempPathFactory,
                settings: Settings) -> tuple[Report, Path]:
    out = tmp_path_factory.mktemp("report")
    path = out / "garden.db"
    shutil.copy(built_demo, path)
    with Garden.open(path, settings=settings) as garden:
        return garden.report(out_dir=out / "report"), out / "report"


def labels(report: Report) -> list[list[str]]:
    return [c["labels"] for c in report.communities["list"]]


def community_of(report: Report, concept: str) -> dict[str, Any]:
    for c in report.communities["list"]:
        if concept in c["labels"]:
            return c  # type: ignore[no-any-return]
    raise AssertionError(f"{concept!r} labels no community: {labels(report)}")


def test_communities_are_the_fields_of_the_demo_corpus(demo_report: tuple[Report, Path]) -> None:
    report, _ = demo_report
    comms = report.communities
    assert comms["modularity"] > 0.3
    big = [c for c in comms["list"] if c["size"] >= 10]
    assert len(big) >= 5
    # the fields a reader of the 75 trending papers would name, each leading its own community
    distillation = community_of(report, "knowledge distillation")
    continual = community_of(report, "continual learning")
    llm = community_of(report, "large language model")
    agents = community_of(report, "AI agent")
    graphs = community_of(report, "knowledge graph")
    assert len({c["id"] for c in (distillation, continual, llm, agents, graphs)}) == 5
    assert distillation["labels"][0] == "knowledge distillation"
    assert {"student model", "distillation"} <= set(distillation["labels"])
    assert "catastrophic forgetting" in continual["labels"]
    assert "reinforcement learning" in graphs["labels"]
    # labels are distinct names, ranked by salience
    for names in labels(report):
        assert len({n.casefold() for n in names}) == len(names)


def test_structure_sizes_and_components(demo_report: tuple[Report, Path]) -> None:
    report, _ = demo_report
    s, g = report.structure, report.garden
    assert g == {"papers": 75, "retracted_papers": 0, "sentences": 780,
                 "concepts": g["concepts"]} and g["concepts"] > 2000
    assert s["min_papers"] == 2 and s["min_sentences"] == 1  # a small garden
    assert 200 < s["nodes"] <= report.views["concept_graph"]["concepts"]
    assert s["nodes"] + s["left_out"] == report.views["concept_graph"]["concepts"]
    assert report.components["largest_share"] > 0.9
    assert sum(c["size"] for c in report.communities["list"]) == s["nodes"]
    cl = report.clustering
    assert cl["global"] > 5 * cl["random_expectation"]  # far more clustered than chance
    assert report.views["citation"]["note"] == "no citation data in this garden"


def test_degree_fit_verdict_with_its_tests(demo_report: tuple[Report, Path]) -> None:
    d = demo_report[0].degrees
    assert d["verdict"] in VERDICTS and d["verdict"] != "too few nodes"
    assert {c["alternative"] for c in d["comparisons"]} == {
        "exponential", "lognormal", "truncated_power_law"}
    for c in d["comparisons"]:
        assert isinstance(c["R"], float) and 0.0 <= c["p"] <= 1.0
        assert f"R = {c['R']:.2f}" in d["sentence"] or c["alternative"] != "exponential"
    assert d["xmin"] >= 1 and d["alpha"] > 1 and d["tail"] >= 20
    assert "scale-free" in d["sentence"]


def test_central_and_bridge_concepts(demo_report: tuple[Report, Path]) -> None:
    report, _ = demo_report
    c = report.centrality
    assert c["exact"] and c["betweenness_method"].startswith("exact")
    assert c["degree"][0]["name"] == "large language model"
    assert {"large language model", "artificial intelligence"} <= {
        x["name"] for x in c["betweenness"][:3]}
    assert c["pagerank"][0]["value"] >= c["pagerank"][-1]["value"]
    bridges = report.bridges
    assert len(bridges) >= 5
    names = [b["name"] for b in bridges]
    # "large language model" tops betweenness but is no bridge under the rule since lexicon 2:
    # half its links stay home and the rest spread thinly (8 % to each of three communities)
    assert "artificial intelligence" in names and "knowledge distillation" in names
    assert len(set(names)) == len(names)
    # an everyday word links everything but bridges nothing (weighted down by specificity)
    assert "development" not in names and "training" not in names
    assert [b["score"] for b in bridges] == sorted((b["score"] for b in bridges), reverse=True)
    for b in bridges:
        assert len(b["joins"]) >= 2 and b["participation"] >= 0.3
        ids = {j["community"] for j in b["joins"]}
        assert len(ids) == len(b["joins"])
        assert all(j["label"] for j in b["joins"])


def test_files_markdown_html_and_pngs(demo_report: tuple[Report, Path]) -> None:
    report, out = demo_report
    names = {Path(f).name for f in report.files}
    assert names == {"report.md", "report.html", "degree-distribution.png", "communities.png"}
    for f in report.files:
        assert Path(f).parent == out
    for png in ("degree-distribution.png", "communities.png"):
        data = (out / png).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Graph views", "## Degree distribution", "## Communities",
                    "## Central concepts", "## Bridge concepts", "## Emerging concepts"):
        assert heading in md
    assert "![Degree distribution" in md and "(communities.png)" in md
    assert "No paper in this garden carries a date" in md
    assert re.search(r"^\| \d+ \| \d+ \| knowledge distillation, student model", md, re.M)
    html = (out / "report.html").read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(uris) == 2
    assert all(base64.b64decode(u).startswith(PNG_MAGIC) for u in uris)
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from elsewhere
    assert "<h2>Communities</h2>" in html and "knowledge distillation" in html


def test_json_shape(demo_report: tuple[Report, Path]) -> None:
    data = json.loads(json.dumps(demo_report[0].to_dict()))
    assert set(data) == {"garden", "views", "structure", "components", "degrees", "clustering",
                         "communities", "centrality", "bridges", "emergence", "parameters",
                         "timings", "files"}
    assert set(data["views"]) == {"concept_graph", "paper_concept", "citation"}
    assert {"id", "size", "labels"} == set(data["communities"]["list"][0])
    assert data["emergence"]["computed"] is False
    assert data["timings"]["total"] > 0 and "communities" in data["timings"]
    assert data["parameters"]["seed"] == 0 and data["parameters"]["igraph"]


def test_same_garden_same_report(demo_garden: Garden, tmp_path: Path,
                                 demo_report: tuple[Report, Path]) -> None:
    first, first_out = demo_report
    again = build_report(demo_garden.conn, demo_garden.settings, out_dir=tmp_path / "again")
    assert again.communities == first.communities
    assert again.bridges == first.bridges and again.centrality == first.centrality
    assert ((tmp_path / "again" / "report.md").read_text(encoding="utf-8")
            == (first_out / "report.md").read_text(encoding="utf-8"))


def test_report_without_out_writes_nothing(demo_garden: Garden, tmp_path: Path) -> None:
    report = demo_garden.report()
    assert report.files == [] and "plots" not in report.timings
    assert report.document().markdown().startswith("# Knowledge garden report")


def test_tiny_and_empty_gardens_still_report(tmp_path: Path, settings: Settings) -> None:
    with Garden.create(tmp_path / "empty.db", settings=settings) as garden:
        report = garden.report(out_dir=tmp_path / "out")
    assert report.structure["nodes"] == 0 and report.communities["list"] == []
    assert report.degrees["verdict"] == "too few nodes"
    assert "too small" in report.degrees["sentence"]
    assert (tmp_path / "out" / "report.html").exists()
    assert not (tmp_path / "out" / "communities.png").exists()
