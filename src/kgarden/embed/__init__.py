"""Embeddings: embedders (registered as ``embedder`` components), vectors and the vector index."""
