"""Curation: the human decides what the garden asserts (events, decisions, review)."""
