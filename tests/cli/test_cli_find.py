"""``kgarden embed``, ``search``, ``ask`` and fuzzy ``concept``, driven as a user would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import file_digest, kg
from llm_server import TEST_API_KEY, ScriptedLLMServer, chat, error


@pytest.fixture
def garden(embedded_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(embedded_demo, path)
    return path


def test_search_json_is_a_ranked_list(garden: Path) -> None:
    code, out, _ = kg("search", "shrinking a big language model into a small one",
                      "--k", "5", "--json", "-g", garden)
    hits = json.loads(out)
    assert code == 0 and len(hits) == 5
    assert list(hits[0])[:4] == ["paper_id", "title", "score", "snippet"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert any("Distillation" in h["title"] for h in hits[:2])


def test_search_prints_hits_with_their_sentence(garden: Path) -> None:
    code, out, _ = kg("search", "bilingual problems", "--k", "2", "-g", garden)
    text = " ".join(out.split())  # the terminal wraps long lines
    assert code == 0
    assert "1. OlympicArena" in text and "11,163 bilingual problems" in text and "BM25 #" in text


def test_search_bad_input_is_one_line_and_exit_2(garden: Path) -> None:
    before = file_digest(garden)
    for args in (["   "], ["x", "--since", "yesterday"], ["x", "--mode", "magic"],
                 ["x", "--k", "0"]):
        code, out, err = kg("search", *args, "-g", garden)
        assert code == 2, (args, out, err)
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    code, _, err = kg("search", "x", "--concept", "quantum gravity", "-g", garden)
    assert code == 1 and "no concept" in err
    assert file_digest(garden) == before


def test_ask_json_shape_and_right_sentence(garden: Path) -> None:
    code, out, _ = kg("ask", "Which benchmark holds 11,163 bilingual problems?", "--json",
                      "-g", garden)
    answer = json.loads(out)
    assert code == 0 and {"answer", "citations", "path"} <= set(answer)
    first = answer["citations"][0]
    assert {"paper_id", "title", "sentence", "start", "end"} <= set(first)
    assert "11,163 bilingual problems" in first["sentence"]
    assert first["title"].startswith("OlympicArena")


def test_ask_with_a_failing_llm_warns_and_answers_offline(garden: Path) -> None:
    with ScriptedLLMServer() as server:
        server.script([], then=error(503, "busy"))
        env = {"KGARDEN_LLM_BASE_URL": server.base_url, "KGARDEN_LLM_MODEL": "m",
               "KGARDEN_LLM_API_KEY": TEST_API_KEY, "KGARDEN_LLM_RETRIES": "0",
               "KGARDEN_LLM_TIMEOUT": "2"}
        code, out, err = kg("ask", "Which benchmark holds 11,163 bilingual problems?",
                            "--json", "-g", garden, env=env)
    answer = json.loads(out)
    assert code == 0 and answer["mode"] == "offline"
    assert "503" in answer["llm_error"] and err.startswith("warning:")
    assert TEST_API_KEY not in err + out


def test_ask_with_an_llm_prints_its_checked_answer(garden: Path) -> None:
    with ScriptedLLMServer() as server:
        server.script([chat({"enough_evidence": True,
                             "claims": [{"text": "OlympicArena has them.", "cites": [1]}]})])
        env = {"KGARDEN_LLM_BASE_URL": server.base_url, "KGARDEN_LLM_MODEL": "m"}
        code, out, _ = kg("ask", "Which benchmark holds 11,163 bilingual problems?",
                          "-g", garden, env=env)
    assert code == 0 and "OlympicArena has them. [1]" in out and "every citation checked" in out


def test_embed_command_and_no_embed_ingest(tmp_path: Path, demo_listing: Path) -> None:
    path = tmp_path / "g.db"
    code, out, _ = kg("ingest", demo_listing, "--no-embed", "--json", "-g", path)
    assert code == 0 and json.loads(out)["embedding"] is None
    code, out, _ = kg("search", "knowledge distillation", "--json", "-g", path)
    assert code == 0 and json.loads(out)  # usable before any vector exists (BM25)
    code, out, _ = kg("embed", "--json", "-g", path)
    report = json.loads(out)
    assert code == 0 and report["papers"] == 75 and report["embedder"] == "minilm.v1"
    code, out, _ = kg("embed", "--json", "-g", path)
    assert json.loads(out)["papers"] == 0
    code, out, _ = kg("status", "--json", "-g", path)
    vectors = json.loads(out)["vectors"]
    assert vectors["embedder"] == "minilm.v1" and vectors["papers"] == vectors["papers_live"] == 75
    assert vectors["concepts"] == vectors["concepts_wanted"] > 0


def test_embed_only_concepts_then_papers(tmp_path: Path, demo_listing: Path) -> None:
    path = tmp_path / "g.db"
    assert kg("ingest", demo_listing, "--no-embed", "-g", path)[0] == 0
    code, out, _ = kg("embed", "--only", "concepts", "--json", "-g", path)
    report = json.loads(out)
    assert code == 0 and report["papers"] == 0 and report["concepts"] > 0
    assert report["papers_missing"] == 75
    code, out, _ = kg("status", "--json", "-g", path)
    vectors = json.loads(out)["vectors"]
    assert vectors["papers"] == 0 and vectors["concepts"] == vectors["concepts_wanted"] > 0
    code, out, _ = kg("embed", "--only", "papers", "--json", "-g", path)
    report = json.loads(out)
    assert code == 0 and report["papers"] == 75 and report["concepts"] == 0
    assert report["papers_missing"] == 0
    before = file_digest(path)
    code, _, err = kg("embed", "--only", "sentences", "-g", path)
    assert code == 2 and "embed_only must be papers or concepts" in err
    assert file_digest(path) == before


def test_concept_lookup_is_fuzzy(garden: Path) -> None:
    code, out, _ = kg("concept", "knowledge distilation", "--json", "-g", garden)
    detail = json.loads(out)
    assert code == 0 and detail["name"] == "knowledge distillation"
    assert "by spelling" in detail["matched"]
    code, _, err = kg("concept", "compressing networks into students", "-g", garden)
    assert code == 1 and "did you mean" in err and "(meaning)" in err
