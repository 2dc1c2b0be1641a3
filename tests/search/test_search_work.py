"""What makes a search fast must not change what it finds: remembered counts follow the
garden's changes, the cut matrix product equals the whole one, sentences' tokens hold the
terms FTS5 finds, and searches on several threads (sharing the embedder and its worker
thread) find what one thread finds."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from kgarden import Garden
from kgarden.embed.base import get_embedder
from kgarden.embed.index import SPLIT_ROWS, VectorIndex
from kgarden.models import make_paper
from kgarden.search.lexical import term_stats
from kgarden.search.query import parse_query
from kgarden.search.snippets import parse_marks
from kgarden.search.tokens import SentenceTokens, held_terms, marked_spans
from kgarden.settings import Settings
from kgarden.store.db import Memo


def test_memo_empties_when_this_or_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "memo.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    memo = Memo()
    memo.get(conn)["rows"] = 0
    assert memo.get(conn) == {"rows": 0}  # unchanged garden: kept
    conn.execute("INSERT INTO t VALUES (1)")
    assert memo.get(conn) == {}  # this connection wrote
    memo.get(conn)["rows"] = 1
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("INSERT INTO t VALUES (2)")
    other.close()
    assert memo.get(conn) == {}  # another one committed
    conn.close()


def test_remembered_term_counts_follow_new_papers(demo_garden: Garden) -> None:
    conn, memo = demo_garden.conn, demo_garden._indexes.memo
    query = parse_query("zygomorphic distillation")
    before = term_stats(conn, "papers_fts", query, memo.get(conn))
    assert before.frequency["zygomorphic"] == 0 and before.frequency["distillation"] > 0
    assert before == term_stats(conn, "papers_fts", query)  # the memo changes nothing
    demo_garden.ingest_papers([make_paper(
        title="Zygomorphic flowers and distillation of their scent",
        abstract="We distil the scent of zygomorphic flowers. Distillation keeps it.",
        source="test")], embed=False)
    after = term_stats(conn, "papers_fts", query, memo.get(conn))
    assert after.rows == before.rows + 1
    assert after.frequency["zygomorphic"] == 1
    assert after.frequency["distillation"] == before.frequency["distillation"] + 1
    hits = demo_garden.search("zygomorphic", k=3, mode="bm25").hits
    assert [h.title for h in hits] == ["Zygomorphic flowers and distillation of their scent"]


def test_product_cut_across_cores_equals_the_whole_one() -> None:
    rng = np.random.default_rng(5)
    rows = 2 * SPLIT_ROWS + 17
    matrix = rng.normal(size=(rows, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = VectorIndex(np.arange(rows, dtype=np.int64) * 3, matrix)
    query = matrix[rows - 5]
    assert np.allclose(index.scores(query), matrix @ query, atol=1e-6)
    top = index.search(query, 5)
    assert top[0] == (3 * (rows - 5), top[0][1]) and abs(top[0][1] - 1.0) < 1e-5
    assert [i for i, _ in top] == [3 * int(i) for i in np.argsort(-(matrix @ query))[:5]]


def test_searches_on_several_threads_find_what_one_thread_finds(
        embedded_demo: Path, tmp_path: Path, settings: Settings) -> None:
    queries = ["shrinking a big language model into a small one",
               "bilingual problems benchmark", "knowledge graphs from language models",
               "teacher network transfers what it learned to a compact student"]
    copies = []
    for n in range(2):
        copies.append(tmp_path / f"copy{n}.db")
        shutil.copy(embedded_demo, copies[-1])

    def run(path: Path) -> list[list[tuple[str, str, int | None]]]:
        with Garden.open(path, settings=settings) as garden:
            return [[(h.paper_id, h.snippet, h.dense_rank) for h in garden.search(q, k=5).hits]
                    for q in queries * 3]

    alone = run(copies[0])
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(run, copies))
    assert together == [alone, alone]
    assert all(any(rank is not None for _, _, rank in hits) for hits in alone)


def test_embedding_on_one_thread_gives_the_same_vector_and_restores_torch() -> None:
    import torch

    embedder = get_embedder("minilm")
    threads = torch.get_num_threads()
    text = "knowledge distillation into a small student model"
    one = embedder.embed([text], threads=1)[0]
    assert torch.get_num_threads() == threads
    assert float(one @ embedder.embed([text])[0]) > 0.99999



def test_batches_by_word_pieces_keep_the_texts_order_and_their_vectors() -> None:
    from kgarden.embed import minilm

    embedder = get_embedder("minilm")
    texts = ["distillation", "a student model learns from a larger teacher " * 30,
             "graph", "retrieval augmented generation over papers " * 8, "", "x " * 400]
    assert isinstance(embedder, minilm.MiniLMEmbedder)
    batches = embedder._batches(texts, minilm.MAX_TOKENS, 64)
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    assert batches[0][0] in (1, 5)  # the longest go first
    assert all(len(b) * len(embedder._model.tokenizer(texts[b[0]], truncation=True,
                                                       max_length=256)["input_ids"])
               <= minilm.TOKENS_PER_BATCH or len(b) == 1 for b in batches)
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed([t])[0] for t in texts])
    assert (np.sum(together * alone, axis=1) > 0.9999).all()
def test_sentence_tokens_find_the_terms_fts5_finds(search_demo: Garden) -> None:
    conn = search_demo.conn
    tokens = SentenceTokens()
    terms = list(parse_query('distillation "knowledge transfer" language models 11,163 '
                             'bilingual problems large-scale benchmark learned').terms)
    rows = [(int(r[0]), str(r[1])) for r in conn.execute("SELECT id, text FROM sentences")]
    by_sentence = tokens.of_sentences(conn, rows)
    term_tokens = dict(zip(terms, tokens.tokenize(conn, terms), strict=True))
    assert term_tokens["knowledge transfer"] == ("knowledg", "transfer")
    for term in terms:
        fts5 = {int(r[0]) for r in conn.execute(
            "SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ?", (f'"{term}"',))}
        ours = {sid for sid, toks in by_sentence.items()
                if term in held_terms(term_tokens, toks)}
        assert ours == fts5 and fts5, term
    assert tokens.of_sentences(conn, rows[:3]) == {sid: by_sentence[sid] for sid, _ in rows[:3]}
    tokens.close()


def test_held_terms_read_from_the_query_tokens_alone_are_the_terms_fts5_finds(
        search_demo: Garden) -> None:
    conn = search_demo.conn
    terms = list(parse_query('distillation "knowledge transfer" "language models" 11,163 '
                             'bilingual problems large-scale benchmark learned "model model"'
                             ).terms)
    rows = [(int(r[0]), str(r[1])) for r in conn.execute("SELECT id, text FROM sentences")]
    for kept in (0, len(rows) // 2):  # none of the sentences' tokens kept, then half of them
        tokens = SentenceTokens()
        term_tokens = dict(zip(terms, tokens.tokenize(conn, terms), strict=True))
        tokens.of_sentences(conn, rows[:kept])
        held = tokens.held(conn, rows, term_tokens)
        for term in terms:
            fts5 = {int(r[0]) for r in conn.execute(
                "SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ?", (f'"{term}"',))}
            assert {sid for sid, found in held.items() if term in found} == fts5, term
            assert fts5 or term == "model model", term
        assert all(held.values())
        tokens.close()


def test_a_phrase_is_held_only_where_its_words_follow_each_other() -> None:
    terms = {"knowledge transfer": ("knowledg", "transfer"), "model": ("model",)}
    assert held_terms(terms, ("knowledg", "transfer", "model")) == {"knowledge transfer",
                                                                   "model"}
    assert held_terms(terms, ("transfer", "of", "knowledg")) == set()
    assert held_terms(terms, ()) == set()


def test_marks_from_tokens_are_fts5_highlights_or_left_to_fts5(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "marks.db")
    conn.execute("CREATE VIRTUAL TABLE sentences_fts USING fts5(text,"
                 " tokenize='porter unicode61 remove_diacritics 2')")
    texts = ["Knowledge transfer: the knowledge-transfer of knowledge transfer models.",
             "Schrödinger's café serves naïve Bayes models at 11,163 problems.",
             "x² and α-helix models in snake_case code, 中文 models too.",
             "Models, models; MODELS! modelling the model modeled."]
    conn.executemany("INSERT INTO sentences_fts(rowid, text) VALUES (?, ?)",
                     list(enumerate(texts, start=1)))
    tokens = SentenceTokens()
    terms = ["knowledge transfer", "models", "schrodinger", "cafe", "11 163", "helix", "case"]
    term_tokens = dict(zip(terms, tokens.tokenize(conn, terms), strict=True))
    placed = 0
    for sid, text in enumerate(texts, start=1):
        own = tokens.tokenize(conn, [text])[0]
        held = sorted(held_terms(term_tokens, own))
        assert held
        marked = conn.execute(
            "SELECT highlight(sentences_fts, 0, '\x02', '\x03') FROM sentences_fts"
            " WHERE sentences_fts MATCH ? AND rowid = ?",
            (" OR ".join(f'"{t}"' for t in held), sid)).fetchone()[0]
        spans = marked_spans(text, own, [term_tokens[t] for t in held])
        if spans is not None:
            placed += 1
            assert spans == parse_marks(marked)[1], text
    assert placed >= 3
    tokens.close()
    conn.close()
