"""The kgarden command, driven as a user would: exit codes, JSON shapes, clean errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, file_digest, kg
from typer.testing import CliRunner

from kgarden.cli.app import app

SOURCES = FIXTURES / "sources"
runner = CliRunner()


@pytest.fixture
def garden(built_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(built_demo, path)
    return path


def test_init_ingest_status_and_json_report(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    code, out, _ = kg("init", "--garden", path)
    assert code == 0 and path.exists()
    code, out, _ = kg("ingest", SOURCES / "zotero_library.bib", SOURCES / "arxiv_api.xml",
                      "--garden", path, "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["new"] == report["extracted"] > 0 and report["failed"] == []
    code, out, _ = kg("status", "--garden", path, "--json")
    status = json.loads(out)
    assert status["papers"] == report["new"]
    assert status["runs"][0]["component"] == "rules.v1"


def test_papers_json_shape(garden: Path) -> None:
    code, out, _ = kg("papers", "--garden", garden, "--json", "--limit", "3")
    papers = json.loads(out)
    assert code == 0 and len(papers) == 3
    assert {"id", "title", "abstract", "authors", "date", "source"} <= set(papers[0])
    assert papers[0]["title"].startswith("Human-AI Teaming Using Large Language Models")
    assert papers[0]["source"] == "listing.v1"


def test_concepts_json_shape_and_sensible_top(garden: Path) -> None:
    code, out, _ = kg("concepts", "--garden", garden, "--json", "--top", "20")
    concepts = json.loads(out)
    assert code == 0 and len(concepts) == 20
    assert {"id", "name", "aliases", "papers"} <= set(concepts[0])
    names = [c["name"] for c in concepts]
    assert "large language model" in names and "knowledge distillation" in names
    assert not {"aspect", "approach", "result", "development"} & set(names)
    kd = next(c for c in concepts if c["name"] == "knowledge distillation")
    assert "KD" in kd["aliases"] and kd["papers"] >= 5


def test_concept_lookup_by_name_acronym_and_unknown(garden: Path) -> None:
    code, out, _ = kg("concept", "KD", "--garden", garden, "--json")
    detail = json.loads(out)
    assert code == 0 and detail["name"] == "knowledge distillation"
    assert detail["relations"] and all(r["evidence"] for r in detail["relations"])
    code, out, _ = kg("concept", "knowledge distillation", "--garden", garden)
    assert code == 0 and "knowledge distillation" in out and "papers" in out
    code, out, err = kg("concept", "distillation of whiskey", "--garden", garden)
    assert code == 1
    assert "no concept 'distillation of whiskey'" in err and "did you mean" in err


def test_relations_json_shape_with_evidence_offsets(garden: Path) -> None:
    code, out, _ = kg("relations", "--garden", garden, "--json", "--type", "uses")
    relations = json.loads(out)
    assert code == 0 and relations
    abstracts = {p["id"]: p["abstract"] for p in
                 json.loads(kg("papers", "--garden", garden, "--json")[1])}
    for rel in relations:
        assert {"id", "subject", "predicate", "object", "status", "negated", "hedged",
                "evidence"} <= set(rel)
        assert rel["predicate"] == "uses" and rel["status"] == "proposed"
        for ev in rel["evidence"]:
            assert {"paper_id", "title", "sentence", "start", "end"} <= set(ev)
            assert abstracts[ev["paper_id"]][ev["start"]:ev["end"]] == ev["sentence"]


def test_unknown_relation_type_is_a_clear_error(garden: Path) -> None:
    code, _, err = kg("relations", "--garden", garden, "--type", "loves")
    assert code == 2 and "unknown relation type 'loves'" in err and "uses" in err


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_export_formats_parse(garden: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, _ = kg("export", "--format", fmt, "--out", target, "--garden", garden,
                      "--min-cooccurrence", "2")
    assert code == 0 and "wrote" in out
    if fmt == "json":
        doc = json.loads(target.read_text())
        assert doc["format"] == "kgarden-graph" and doc["nodes"] and doc["relations"]
        ids = {n["id"] for n in doc["nodes"]}
        assert all(r["source"] in ids and r["target"] in ids for r in doc["relations"])
        assert all(r["evidence"] for r in doc["relations"])
    elif fmt == "csv":
        assert {p.name for p in target.iterdir()} == {
            "nodes.csv", "relations.csv", "evidence.csv", "cooccurrences.csv"}
    else:
        import xml.etree.ElementTree as ET

        root = ET.parse(target).getroot()
        tag = root.tag.split("}")[0] + "}"
        assert len(root.findall(f".//{tag}node")) > 100
        assert len(root.findall(f".//{tag}edge")) > 100


BAD_INPUTS = [
    ("malformed.bib", None, "malformed.bib:"),
    ("garbage.xyz", None, "cannot tell the format"),
    ("empty.jsonl", None, "file is empty"),
    ("latin1.jsonl", None, "not UTF-8"),
    ("zotero_library.bib", "nosuchformat", "unknown reader 'nosuchformat'"),
]


@pytest.mark.parametrize(("name", "fmt", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_exit_2_and_garden_unchanged(
    garden: Path, tmp_path: Path, name: str, fmt: str | None, message: str
) -> None:
    source = tmp_path / name
    if (SOURCES / name).exists():
        shutil.copy(SOURCES / name, source)
    elif name == "garbage.xyz":
        source.write_bytes(bytes(range(256)) * 4)
    elif name == "empty.jsonl":
        source.write_text("")
    else:
        source.write_bytes('{"title": "Ok"}\n{"title": "Caf\xe9"}\n'.encode("latin-1"))
    before = file_digest(garden)
    args = ["ingest", SOURCES / "arxiv_sample.jsonl", source, "--garden", garden]
    if fmt:
        args += ["--format", fmt]
    code, _, err = kg(*args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert file_digest(garden) == before


def test_a_file_that_is_not_a_garden(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my notes\n" * 100)
    code, _, err = kg("status", "--garden", path)
    assert code == 2 and "not a kgarden garden" in err
    code, _, err = kg("status", "--garden", tmp_path / "missing.db")
    assert code == 2 and "no garden here" in err


def test_garden_from_environment(garden: Path) -> None:
    result = runner.invoke(app, ["status", "--json"], env={"KGARDEN_GARDEN": str(garden)})
    assert result.exit_code == 0 and json.loads(result.stdout)["papers"] == 75


def test_installed_console_script_runs_and_fails_cleanly(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "kgarden"
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("kgarden ")
    done = subprocess.run([exe, "ingest", SOURCES / "malformed.bib", "-g", tmp_path / "g.db"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "malformed.bib:" in done.stderr
    assert not (tmp_path / "g.db").exists()
