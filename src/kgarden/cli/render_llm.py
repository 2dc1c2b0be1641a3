"""Terminal output of the LLM partner: `reextract --extractor llm` and `harvest`."""

from typing import Any

from rich.text import Text

from kgarden.curate.harvest import HarvestReport
from kgarden.pipeline.llm_extract import LLMExtractReport


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in counts.items())


def estimate_text(estimate: dict[str, Any]) -> str:
    """ "3 calls, about 2,400 prompt + 1,500 completion tokens, estimated cost $0.0012" """
    text = (f"{estimate['calls']} call{'s' if estimate['calls'] != 1 else ''}, about"
            f" {estimate['prompt_tokens']:,} prompt + {estimate['completion_tokens']:,}"
            " completion tokens")
    if estimate.get("cost") is not None:
        text += (f", estimated cost ${estimate['cost']:.4f} (per million tokens: prompt"
                 f" ${estimate['price_prompt']:g}, completion ${estimate['price_completion']:g})")
    elif estimate["calls"]:
        text += "; cost unknown (set llm_price_prompt and llm_price_completion)"
    return text


def llm_summary(report: LLMExtractReport) -> Text:
    head = f"{report.extractor} (model {report.model}, prompt {report.prompt_id})"
    if report.dry_run:
        text = Text(f"dry run, {head}: {report.read} papers selected, {report.cached} answered"
                    f" from the cache")
        if report.unsegmented:
            text.append(f", {report.unsegmented} without sentences")
        text.append(f"; {estimate_text(report.estimate)}. Nothing was sent.")
        return text
    text = Text(f"{head}: extracted {report.extracted} of {report.read} papers"
                f" ({report.cached} from the cache, {report.calls} calls) in"
                f" {report.seconds:.1f} s; tokens: {report.prompt_tokens:,} prompt +"
                f" {report.completion_tokens:,} completion")
    if report.stopped:
        text.append(f"\nstopped: {report.stopped}; {report.remaining} paper(s) left: run the"
                    " same command again to go on (papers done come from the cache)",
                    style="yellow")
    if report.unknown_predicates:
        text.append("\nrelation types outside the list, dropped: "
                    + _counts(report.unknown_predicates), style="dim")
    if report.proposed_types:
        text.append("\nnew relation types, proposed for review (partnership): "
                    + _counts(report.proposed_types))
    if report.dropped:
        text.append("\nleft out: " + _counts(report.dropped), style="dim")
    for failure in report.failed:
        text.append(f"\n  failed: {failure['paper_id']}: {failure['error']}", style="yellow")
    if report.failed:
        text.append("\n  (they keep their facts; again: kgarden reextract --extractor llm"
                    " --where failed)", style="dim")
    return text


def harvest_summary(report: HarvestReport) -> Text:
    head = (f"harvest {report.relation!r} (model {report.model}, prompts {report.prompt_id}"
            f" + {report.check_prompt_id})")
    if report.dry_run:
        return Text(f"dry run, {head}: {estimate_text(report.estimate)}. Nothing was sent.")
    text = Text(f"{head}: {len(report.pairs)} pairs, {len(report.recorded)} recorded as"
                f" proposed facts; {report.calls} calls ({report.cached} from the cache),"
                f" tokens: {report.prompt_tokens:,} prompt + {report.completion_tokens:,}"
                " completion")
    if report.stopped:
        text.append(f"\nstopped: {report.stopped}; nothing was recorded", style="yellow")
    for statement in report.statements:
        text.append(f"\n  statement: {statement}", style="dim")
    for pair in report.pairs:
        score = "" if pair.score is None else f"  consistency {pair.score:.2f}"
        line = f"\n  {pair.subject} —{report.relation}→ {pair.object}{score}  {pair.status}"
        if pair.event_id is not None:
            line += f" (event #{pair.event_id}"
            line += f", R{pair.relation_id})" if pair.relation_id is not None else ")"
        text.append(line, style=None if pair.status == "recorded" else "dim")
    if report.recorded:
        text.append("\n  decide: kgarden review, kgarden accept R<id> / reject R<id>;"
                    " withdraw one: kgarden undo <event>", style="dim")
    return text
