"""What LLM work will cost before it is done, and a cap on what it may spend.

Token counts are estimated without a tokenizer (the endpoint's model is unknown to us): about
4 characters per token for English prompts (``CHARS_PER_TOKEN``), plus a few tokens of chat
framing per message. Replies are estimated by each caller from what it asks for. Calls that
report usage count what they report; a call that failed, or reported nothing, counts at its
estimate. Prices are per million tokens, from the settings ``llm_price_prompt`` and
``llm_price_completion`` (0 means unknown: no cost is claimed).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

from kgarden.errors import ConfigError, DependencyError, QueryError
from kgarden.llm.client import CallInfo, LLMConfig
from kgarden.llm.prompts import Prompt, load_prompt
from kgarden.settings import Settings

CHARS_PER_TOKEN = 4.0
MESSAGE_OVERHEAD = 8  # role markers and separators of one chat message, in tokens
NO_ENDPOINT = ("no LLM endpoint configured (set KGARDEN_LLM_BASE_URL and KGARDEN_LLM_MODEL,"
               " or llm_base_url and llm_model in kgarden.toml)")


def require_llm(settings: Settings) -> LLMConfig:
    """The configured endpoint, or one clear error: no endpoint, no model, or no ``openai``."""
    config = LLMConfig.from_settings(settings)
    if config is None:
        raise ConfigError(NO_ENDPOINT)
    require_openai()
    return config


def require_openai() -> None:
    try:
        import openai  # noqa: F401
    except ImportError:
        raise DependencyError("the LLM needs the openai package",
                              hint="pip install 'kgarden[llm]'") from None


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@functools.cache
def _prompt(prompt_id: str) -> Prompt:
    return load_prompt(prompt_id)  # packaged files: read once per process


def prompt_tokens(prompt_id: str, variables: dict[str, str]) -> int:
    """Estimated prompt tokens of one call: both messages as they would be sent."""
    system, user = _prompt(prompt_id).render(variables)
    return estimate_tokens(system) + estimate_tokens(user) + 2 * MESSAGE_OVERHEAD


@dataclass
class Estimate:
    """Calls to make and the tokens they will take, with the cost at the configured prices."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None  # None: the prices are not set
    price_prompt: float = 0.0  # per million tokens
    price_completion: float = 0.0

    def add(self, prompt: int, completion: int) -> None:
        self.calls += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def priced(self, settings: Settings) -> Estimate:
        self.price_prompt = float(settings.llm_price_prompt)
        self.price_completion = float(settings.llm_price_completion)
        if self.price_prompt > 0 or self.price_completion > 0:
            self.cost = round((self.prompt_tokens * self.price_prompt
                               + self.completion_tokens * self.price_completion) / 1e6, 6)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Budget:
    """A cap on tokens (0: none). ``allows`` before each call; ``spend`` after it."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise QueryError("a token budget is 0 (no cap) or a positive number of tokens")
        self.limit = limit
        self.prompt_tokens = 0
        self.completion_tokens = 0

    @classmethod
    def of(cls, settings: Settings, override: int | None = None) -> Budget:
        return cls(int(settings.llm_budget_tokens) if override is None else int(override))

    @property
    def used(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def allows(self, estimated: int) -> bool:
        return not self.limit or self.used + estimated <= self.limit

    def spend(self, info: CallInfo | None, estimated_prompt: int,
              estimated_completion: int) -> None:
        """Count a call: what it reported, else its estimate."""
        if info is not None and info.total_tokens is not None:
            self.prompt_tokens += info.prompt_tokens or 0
            self.completion_tokens += info.completion_tokens or 0
        else:
            self.prompt_tokens += estimated_prompt
            self.completion_tokens += estimated_completion

    def stop_reason(self, estimated: int) -> str:
        return (f"token budget: the next call (about {estimated:,} tokens) would pass the cap of"
                f" {self.limit:,} ({self.used:,} used)")
