"""Commands that find things: embed, search, ask."""

from typing import Annotated

import typer

from kgarden.cli.common import (
    GardenOption,
    JsonOption,
    guarded,
    open_garden,
    print_json,
    progress_bar,
    stderr,
    stdout,
)
from kgarden.cli.render_find import embed_summary, print_answer, print_search
from kgarden.search.filters import Filters

SinceOption = Annotated[str | None, typer.Option(help="Only papers dated from (YYYY[-MM[-DD]]).")]
UntilOption = Annotated[str | None, typer.Option(help="Only papers dated up to (YYYY[-MM[-DD]]).")]
AuthorOption = Annotated[str | None, typer.Option(help="Only papers with this author (part of "
                                                       "the name, any case).")]
ConceptOption = Annotated[str | None, typer.Option(help="Only papers mentioning this concept.")]


@guarded
def embed(
    rebuild: Annotated[bool, typer.Option(
        help="Drop every vector first (to move the garden to another embedder).")] = False,
    only: Annotated[str | None, typer.Option(
        help="papers or concepts: make only those vectors (concepts are minutes, papers"
             " an hour at 75k papers).")] = None,
    passages: Annotated[bool | None, typer.Option(
        "--passages/--no-passages",
        help="Also embed each abstract in passages of sentences: better dense search, about"
             " 2.5x the time (setting embed_passages).")] = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Give papers and frequent concepts vectors (resumes where an earlier run stopped)."""
    with open_garden(garden, embed_only=only, embed_passages=passages) as g, \
            progress_bar("embedding", enabled=not json, unit="texts") as progress:
        report = g.embed(rebuild=rebuild, progress=progress)
    if json:
        print_json(report.to_dict())
    else:
        stdout().print(embed_summary(report))


@guarded
def search(
    query: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    k: Annotated[int, typer.Option("--k", "-k", help="How many papers.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid (BM25 + dense, fused), bm25 or dense.")] =
        "hybrid",
    fusion: Annotated[str | None, typer.Option(
        help="convex (scores; the default, setting search_fusion) or rrf (reciprocal rank"
             " fusion).")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    author: AuthorOption = None,
    concept: ConceptOption = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Find papers by meaning and by words, each with its best-matching sentence."""
    filters = Filters(since=since, until=until, author=author, concept=concept)
    with open_garden(garden) as g:
        result = g.search(query, k=k, filters=filters, mode=mode, fusion=fusion)
    if json:
        # SearchHit's fields begin paper_id, title, score, snippet: the documented keys first
        print_json([h.to_dict() for h in result.hits])
        for note in result.notes:
            stderr().print(f"note: {note}", markup=False)
    else:
        print_search(stdout(), result)


@guarded
def ask(
    question: Annotated[str, typer.Argument(help="A question about the papers in the garden.")],
    offline: Annotated[bool, typer.Option(
        "--offline", help="Answer with the garden's sentences even when an LLM is set.")] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    author: AuthorOption = None,
    concept: ConceptOption = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Answer from the garden's sentences, each cited; with an LLM set, a checked LLM answer."""
    filters = Filters(since=since, until=until, author=author, concept=concept)
    with open_garden(garden) as g:
        answer = g.ask(question, filters=filters, use_llm=not offline)
    if json:
        print_json(answer.to_dict())
        if answer.llm_error:
            stderr().print(f"warning: {answer.llm_error}", markup=False)
    else:
        print_answer(stdout(), answer)
