"""What an embedder is, and how to get the one a garden uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kgarden.registry import registry

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    id: str  # versioned registry name recorded with every vector, e.g. 'minilm.v1'
    dim: int
    model: str  # what the weights are, for the record

    def embed(self, texts: Sequence[str], *, batch_size: int = 64,
              max_tokens: int | None = None, precision: str = "float32",
              threads: int | None = None) -> Matrix:
        """``batch_size``: at most this many texts a forward pass (an embedder may take
        fewer, e.g. MiniLM bounds a pass by word pieces); ``max_tokens``: truncate each text
        there (the model's own limit when None);
        ``precision``: float32, bfloat16, or auto (what the embedder finds fastest here);
        ``threads``: at most this many threads for this call (all the cores when None)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """How many of the model's input units (word pieces) each text is, untruncated."""
        ...


_LOADED: dict[str, Embedder] = {}


def get_embedder(name: str) -> Embedder:
    """The embedder registered as ``name`` (loaded once per process: loading costs ~1 s)."""
    component = registry.get("embedder", name)
    if component.id not in _LOADED:
        embedder: Embedder = component.factory()
        _LOADED[component.id] = embedder
    return _LOADED[component.id]


def embedder_id(name: str) -> str:
    """The versioned id of ``name`` without loading its model."""
    return registry.get("embedder", name).id
