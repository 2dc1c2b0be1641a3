"""Replies of the model kept in the garden, keyed by (prompt id, model, input hash).

The input hash covers the values a prompt was filled with (the prompt id covers its text), so
the same question to the same model under the same prompt version is asked once. Entries hold
the reply's JSON object after it passed validation; callers validate it again when they use it
(cheap, and a reply cached by an older kgarden is then checked by today's rules).

``put`` runs in the caller's transaction: the LLM extractor writes a paper's entry together with
that paper's facts; harvest commits each entry as soon as the reply is in.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kgarden.llm.client import CallInfo, LLMClient
from kgarden.store.db import now

T = TypeVar("T")


def input_hash(variables: Mapping[str, str]) -> str:
    """sha256 of the filled-in values, independent of their order."""
    text = json.dumps(dict(variables), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheKey:
    prompt_id: str
    model: str
    input_hash: str


def key_for(prompt_id: str, model: str, variables: Mapping[str, str]) -> CacheKey:
    return CacheKey(prompt_id, model, input_hash(variables))


def get(conn: sqlite3.Connection, key: CacheKey) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT reply FROM llm_cache WHERE prompt_id = ? AND model = ? AND input_hash = ?",
        (key.prompt_id, key.model, key.input_hash)).fetchone()
    if row is None:
        return None
    value = json.loads(row[0])
    return value if isinstance(value, dict) else None


def has(conn: sqlite3.Connection, key: CacheKey) -> bool:
    return get(conn, key) is not None


def put(conn: sqlite3.Connection, key: CacheKey, reply: Mapping[str, Any], info: CallInfo) -> None:
    """Keep a validated reply (in the caller's transaction); a newer reply replaces an old one."""
    conn.execute(
        "INSERT INTO llm_cache(prompt_id, model, input_hash, reply, prompt_tokens,"
        " completion_tokens, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(prompt_id, model, input_hash) DO UPDATE SET reply = excluded.reply,"
        " prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,"
        " attempts = excluded.attempts, created_at = excluded.created_at",
        (key.prompt_id, key.model, key.input_hash,
         json.dumps(dict(reply), ensure_ascii=False, sort_keys=True), info.prompt_tokens,
         info.completion_tokens, info.attempts, now()))


def ask_json(client: LLMClient, prompt_id: str, variables: Mapping[str, str],
             validate: Callable[[dict[str, Any]], T]) -> tuple[T, dict[str, Any], CallInfo]:
    """``client.chat_json`` that also gives back the raw reply object that passed ``validate``
    (what the cache keeps)."""
    def check(reply: dict[str, Any]) -> tuple[T, dict[str, Any]]:
        return validate(reply), reply

    (value, raw), info = client.chat_json(prompt_id, variables, check)
    return value, raw, info
