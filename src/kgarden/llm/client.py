"""A client for any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...).

The ``openai`` package is imported only when a client is made, so ``import kgarden`` never
needs it. Its own retries are off: we retry here, because an unusable reply (bad JSON, a
citation to nothing) deserves a retry as much as a 500 does, and one loop counts both.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from kgarden.errors import ConfigError, DependencyError, LLMError
from kgarden.llm.prompts import load_prompt
from kgarden.registry import registry

if TYPE_CHECKING:
    from openai import OpenAI

T = TypeVar("T")

# Local servers ignore the key, but the openai package refuses to start without one.
_NO_KEY = "no-key"
_MAX_BACKOFF = 30.0
_ERROR_PREFIX = re.compile(r"^Error code: \d+ - ")
_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n?(.*?)```", re.DOTALL)


class ReplyInvalid(Exception):
    """Raised by a ``validate`` callback: the reply is unusable; ask again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)  # repr=False: never in logs or tracebacks
    timeout: float = 60.0
    retries: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> LLMConfig | None:
        """The LLM settings, or None when no endpoint is configured (the LLM is optional)."""
        base_url = str(settings.llm_base_url).strip()
        if not base_url:
            return None
        model = str(settings.llm_model).strip()
        if not model:
            raise ConfigError(
                "an LLM endpoint is set but no model",
                hint="set KGARDEN_LLM_MODEL (or llm_model in kgarden.toml)",
            )
        if settings.llm_timeout <= 0:
            raise ConfigError("KGARDEN_LLM_TIMEOUT must be a positive number of seconds")
        if settings.llm_retries < 0:
            raise ConfigError("KGARDEN_LLM_RETRIES must be 0 or more")
        return cls(
            base_url,
            model,
            str(settings.llm_api_key),
            float(settings.llm_timeout),
            int(settings.llm_retries),
        )

    @property
    def endpoint(self) -> str:
        """The base URL without any user:password part, safe to print."""
        parts = urlsplit(self.base_url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class CallInfo:
    """What one ``chat_json`` call took: recorded with every answer."""

    model: str
    prompt_id: str
    attempts: int
    # Summed over every reply that reported usage (failed attempts cost tokens too).
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)


def extract_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a reply: bare, inside ```json fences, or surrounded by prose."""
    text = text.strip()
    candidates = [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
        raise ReplyInvalid(f"reply is JSON but not an object ({type(value).__name__})")
    decoder = json.JSONDecoder()
    # Prose around the object: try each "{" in turn (bounded: a reply is not a haystack).
    starts = [i for i, char in enumerate(text) if char == "{"][:64]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ReplyInvalid("reply holds no JSON object")


def _retry_after(headers: Mapping[str, str], cap: float) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, or Retry-After), capped."""
    raw_ms, raw = headers.get("retry-after-ms"), headers.get("retry-after")
    seconds: float | None = None
    try:
        if raw_ms is not None:
            seconds = float(raw_ms) / 1000.0
        elif raw is not None:
            seconds = float(raw)
    except ValueError:
        seconds = None
    if seconds is None and raw is not None:
        try:  # Retry-After may also be an HTTP date
            seconds = parsedate_to_datetime(raw).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return None if seconds is None else min(max(seconds, 0.0), cap)


@registry.register("llm", "openai-compatible", 1)
class LLMClient:
    """Sends versioned prompts, gets JSON back, validates it, retries what can be retried."""

    name = "openai-compatible"
    version = 1

    def __init__(
        self, config: LLMConfig, *, backoff: float = 1.0, retry_after_cap: float = 60.0
    ) -> None:
        try:
            import openai
        except ImportError:
            raise DependencyError(
                "the LLM client needs the openai package",
                hint="pip install 'kgarden[llm]'",
            ) from None
        self.config = config
        self.backoff = backoff
        self.retry_after_cap = retry_after_cap
        self._openai = openai
        self._client: OpenAI = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or _NO_KEY,
            timeout=config.timeout,
            max_retries=0,
        )
        # Dropped after the server rejects it once (some local servers answer 400 to it).
        self._json_mode = True

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clean(self, text: str) -> str:
        """One line, short, and never the API key (servers echo it in 401 messages)."""
        line = " ".join(text.split())[:200]
        if self.config.api_key:
            line = line.replace(self.config.api_key, "***")
        return line

    def chat_json(
        self, prompt_id: str, variables: Mapping[str, str], validate: Callable[[dict[str, Any]], T]
    ) -> tuple[T, CallInfo]:
        """Send the prompt, parse the reply's JSON object and ``validate`` it.

        Retries (up to ``config.retries``) on timeouts, connection errors, 408/409/429, 5xx,
        replies without a usable JSON object and ``ReplyInvalid`` from ``validate``; raises
        ``LLMError`` when they run out, or at once for 401/403/404 and other client errors.
        """
        prompt = load_prompt(prompt_id)
        system, user = prompt.render(variables)
        tokens: list[int | None] = [None, None]
        last = "nothing was tried"
        attempt, max_attempts = 0, max(self.config.retries, 0) + 1
        while attempt < max_attempts:
            attempt += 1
            delay = min(self.backoff * 2 ** (attempt - 1), _MAX_BACKOFF)
            try:
                content = self._send(system, user, tokens)
                value = validate(extract_json_object(content))
            except ReplyInvalid as exc:
                last = f"unusable reply: {self._clean(exc.reason)}"
            except self._openai.APITimeoutError:
                last = f"no reply within {self.config.timeout:g} s"
            except self._openai.APIConnectionError:
                last = "cannot connect"
            except self._openai.APIStatusError as exc:
                status = exc.status_code
                # The package prefixes "Error code: 500 - "; we say the status ourselves.
                message = self._clean(_ERROR_PREFIX.sub("", str(exc.message or "")))
                if status == 400 and self._json_mode:
                    # Maybe the server does not know response_format: try once more without.
                    # That try is not the model's fault, so it costs no retry.
                    self._json_mode = False
                    last = f"HTTP 400 ({message})"
                    max_attempts += 1
                    continue
                elif status in (408, 409, 429) or status >= 500:
                    last = f"HTTP {status}" + (f" ({message})" if message else "")
                    if status == 429:
                        waited = _retry_after(exc.response.headers, self.retry_after_cap)
                        delay = max(delay, waited or 0.0)
                else:
                    raise LLMError(self._fatal(status, message, attempt)) from None
            except self._openai.OpenAIError as exc:
                last = f"unusable response ({type(exc).__name__})"
            else:
                return value, CallInfo(self.config.model, prompt.id, attempt, *tokens)
            if attempt < max_attempts:
                time.sleep(delay)
        raise LLMError(
            f"LLM call failed after {attempt} attempt{'s' if attempt != 1 else ''}"
            f" to {self.config.endpoint}: {last}"
        )

    def _send(self, system: str, user: str, tokens: list[int | None]) -> str:
        """One request; returns the message text. Adds reported usage to ``tokens``."""
        extra: dict[str, Any] = (
            {"response_format": {"type": "json_object"}} if self._json_mode else {}
        )
        completion = self._client.chat.completions.create(
            model=self.config.model,
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            temperature=0,
            **extra,
        )
        usage = getattr(completion, "usage", None)
        for index, attr in enumerate(("prompt_tokens", "completion_tokens")):
            count = getattr(usage, attr, None)
            if isinstance(count, int):
                tokens[index] = (tokens[index] or 0) + count
        # The package does not validate the shape by default: a odd server gives odd objects.
        try:
            content = completion.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            raise ReplyInvalid("reply has no message") from None
        if not isinstance(content, str) or not content.strip():
            raise ReplyInvalid("reply message is empty")
        return content

    def _fatal(self, status: int, message: str, attempt: int) -> str:
        why = {
            401: "the API key was refused (check KGARDEN_LLM_API_KEY)",
            403: "the API key may not use this model or endpoint (check KGARDEN_LLM_API_KEY)",
            404: f"unknown model {self.config.model!r} or wrong URL (check KGARDEN_LLM_MODEL"
            " and KGARDEN_LLM_BASE_URL)",
        }.get(status, "the request was rejected")
        detail = f": {message}" if message else ""
        return (
            f"LLM call to {self.config.endpoint} failed with HTTP {status}"
            f" after {attempt} attempt{'s' if attempt != 1 else ''}, {why}{detail}"
        )
