"""`kgarden harvest`: entity pairs of a relation from the LLM, as proposed facts."""

from typing import Annotated

import typer

from kgarden.cli.common import GardenOption, JsonOption, guarded, open_garden, print_json, stdout
from kgarden.cli.render_llm import harvest_summary
from kgarden.curate.harvest import MIN_SCORE, parse_example


@guarded
def harvest(relation: Annotated[str, typer.Argument(
                metavar="RELATION", help="The relation's name, e.g. uses or capital-of.")],
            definition: Annotated[str | None, typer.Option(
                help="What the relation means, in words.")] = None,
            example: Annotated[list[str] | None, typer.Option(
                "--example", help="A pair A:B for which it holds; repeatable.")] = None,
            n: Annotated[int, typer.Option("--n", help="Pairs to ask for.")] = 30,
            min_score: Annotated[float, typer.Option(
                help="Consistency (share of paraphrases judged true) a pair needs.")
            ] = MIN_SCORE,
            dry_run: Annotated[bool, typer.Option(
                "--dry-run", help="Count the calls, tokens and cost; send nothing.")] = False,
            garden: GardenOption = None, json: JsonOption = False) -> None:
    """Ask the LLM for pairs of RELATION from its definition and examples, rescore them for
    consistency over paraphrases, and enter the consistent ones as proposed facts asserted by
    the model (never a paper's sentence), for a person to accept, reject or undo."""
    examples = [parse_example(text) for text in example or []]
    with open_garden(garden) as g:
        report = g.harvest(relation, definition=definition or "", examples=examples, n=n,
                           min_score=min_score, dry_run=dry_run)
    if json:
        print_json(report.to_dict())
    else:
        stdout().print(harvest_summary(report), soft_wrap=True)
