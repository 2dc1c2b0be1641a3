"""``kgarden hypotheses``: propose hypotheses into the ledger, list it, show one with evidence."""

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kgarden.cli.common import GardenOption, JsonOption, guarded, open_garden, print_json, stdout
from kgarden.graph.hypotheses import Hypothesis

hypotheses_app = typer.Typer(
    name="hypotheses", no_args_is_help=False, invoke_without_command=True,
    rich_markup_mode=None,
    help="Concept pairs no paper mentions together, ranked by plausibility x novelty x "
         "specificity / popularity and kept in a ledger with their evidence. `kgarden "
         "hypotheses` proposes; `list` and `show ID` read the ledger.")


@hypotheses_app.callback()
@guarded
def propose(
    ctx: typer.Context,
    about: Annotated[str | None, typer.Option(help="Only pairs with this concept.")] = None,
    n: Annotated[int, typer.Option("--n", help="How many to propose.")] = 20,
    no_llm: Annotated[bool, typer.Option(
        "--no-llm", help="Do not ask a configured LLM for hypothesis statements.")] = False,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Propose new hypotheses (and write them to the ledger; re-running never duplicates)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_garden(garden) as g:
        found = g.hypotheses(about=about, n=n, use_llm=not no_llm)
    if json:
        print_json([h.to_dict() for h in found])
        return
    console = stdout()
    if not found:
        console.print(Text("no hypotheses: the garden has too few linked concepts"))
        return
    console.print(ledger_table(found))
    console.print(Text("`kgarden hypotheses show ID` prints one with its evidence", style="dim"))


@hypotheses_app.command("list")
@guarded
def list_ledger(
    status: Annotated[str | None, typer.Option(
        help="Only this status: proposed, accepted, rejected, tested.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The ledger, best score first."""
    with open_garden(garden) as g:
        entries = g.ledger(status=status, limit=limit)
    if json:
        print_json([h.to_dict() for h in entries])
    else:
        stdout().print(ledger_table(entries))


@hypotheses_app.command("show")
@guarded
def show(
    hypothesis_id: Annotated[int, typer.Argument(metavar="ID", help="A ledger id.")],
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """One hypothesis: its scores, the components that made it, its paths with evidence."""
    with open_garden(garden) as g:
        hypothesis = g.hypothesis(hypothesis_id)
    if json:
        print_json(hypothesis.to_dict())
    else:
        print_hypothesis(stdout(), hypothesis)


def ledger_table(entries: list[Hypothesis]) -> Table:
    table = Table(header_style="bold")
    for header in ("id", "concept", "concept", "score", "plausibility", "novelty", "shared",
                   "status"):
        table.add_column(Text(header), justify="right" if header in
                         ("id", "score", "plausibility", "novelty", "shared") else "left")
    for h in entries:
        table.add_row(Text(str(h.id)), Text(h.a), Text(h.b), Text(f"{h.score:.3g}"),
                      Text(f"{h.plausibility:.2f}"), Text(f"{h.novelty:.2f}"),
                      Text(f"{h.signals.get('common_neighbours', 0):.0f}"),
                      Text(h.status + (" (flagged)" if h.flags else "")))
    return table


def _edge(console: Console, number: int, edge: dict[str, Any]) -> None:
    console.print(Text(f"  [{number}] {edge['subject']} —{edge['predicate']}→ {edge['object']}",
                       style="bold"))
    console.print(Text(f"      \u201c{edge['sentence']}\u201d"))
    console.print(Text(f"      {edge['paper_id']}: {edge['title']}", style="dim"))


def print_hypothesis(console: Console, h: Hypothesis) -> None:
    console.print(Text(f"#{h.id}  {h.a}  ↔  {h.b}   ({h.status})", style="bold underline"))
    for flag in h.flags:
        console.print(Text(f"flagged: paper {flag.get('paper_id')} was {flag.get('reason')}"
                           " (its evidence below is gone)", style="bold yellow"))
    formula = f"score {h.score:.3g} = plausibility {h.plausibility:.2f} x novelty {h.novelty:.2f}"
    if "popularity" in h.signals:  # entries ranked before interest.v1 have no such factors
        formula += (f" x specificity {h.signals['specificity']:.2f}"
                    f" / popularity {h.signals['popularity']:.1f}")
    console.print(Text(formula))
    console.print(Text("signals: " + ", ".join(f"{k} {v:.3g}" for k, v in h.signals.items()),
                       style="dim"))
    console.print(Text("made by: " + ", ".join(f"{k} {v}" for k, v in h.components.items()),
                       style="dim"))
    if h.statement:
        by = h.statement_by or {}
        console.print(Text(f"\n{h.statement}"))
        console.print(Text(f"(written by {by.get('model')}, prompt {by.get('prompt_id')};"
                           " numbers cite the evidence below)", style="dim"))
    number = 0
    for i, path in enumerate(h.paths, start=1):
        console.print(Text(f"\npath {i}", style="bold"))
        for edge in path:
            number += 1
            _edge(console, number, edge)
    console.print(Text(f"\nproposed {h.created_at}, updated {h.updated_at}", style="dim"))
