"""The optional LLM partner: an OpenAI-compatible client, versioned prompts, checked answers.

Nothing here imports the ``openai`` package until an ``LLMClient`` is made.
"""

from kgarden.llm.answer import (
    Claim,
    EvidenceSentence,
    LLMAnswer,
    answer_with_llm,
    check_reply,
    render_evidence,
)
from kgarden.llm.client import CallInfo, LLMClient, LLMConfig, ReplyInvalid, extract_json_object
from kgarden.llm.prompts import Prompt, available_prompts, load_prompt, parse_prompt

__all__ = [
    "CallInfo",
    "Claim",
    "EvidenceSentence",
    "LLMAnswer",
    "LLMClient",
    "LLMConfig",
    "Prompt",
    "ReplyInvalid",
    "answer_with_llm",
    "available_prompts",
    "check_reply",
    "extract_json_object",
    "load_prompt",
    "parse_prompt",
    "render_evidence",
]
