"""Commands that analyse a garden's graph: report, path."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kgarden.cli.common import GardenOption, JsonOption, guarded, open_garden, print_json, stdout
from kgarden.cli.render_discover import print_paths
from kgarden.graph.document import Document


@guarded
def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="DIR",
                     help="Write report.md, report.html and PNG plots to this folder."),
    ] = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The structure of the concept graph: size, components, degree fits (scale-free or not),
    clustering, communities, central and bridge concepts, emerging concepts."""
    with open_garden(garden) as g:
        result = g.report(out_dir=out)
    if json:
        print_json(result.to_dict())
        return
    console = stdout()
    if out is None:
        print_document(console, result.document())
    else:
        # soft_wrap: a path is never broken across lines, so it can be copied
        console.print(Text(f"report written to {out}", style="bold"), soft_wrap=True)
        for path in result.files:
            console.print(Text(f"  {path}"), soft_wrap=True)
    console.print(Text(f"({result.timings.get('total', 0.0):.1f} s)", style="dim"))


@guarded
def path(
    source: Annotated[str, typer.Argument(metavar="A", help="The concept to start from.")],
    target: Annotated[str, typer.Argument(metavar="B", help="The concept to reach.")],
    samples: Annotated[int, typer.Option(
        "--samples", "-n", help="How many other paths to sample (0-50).")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the sampled walks (same seed, same paths).")
                    ] = 0,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The shortest evidence-backed path from A to B, and sampled alternative paths (walks
    drawn toward B by meaning), each step with its evidence sentence and paper."""
    with open_garden(garden) as g:
        result = g.paths(source, target, samples=samples, seed=seed)
    if json:
        print_json(result.to_dict())
        return
    print_paths(stdout(), result)


def print_document(console: Console, doc: Document) -> None:
    """Headings, sentences and tables; every text is a rich Text, never markup."""
    console.print(Text(doc.title, style="bold underline"))
    for block in doc.blocks:
        if block.kind == "heading":
            console.print(Text("\n" + block.text, style="bold"))
        elif block.kind == "paragraph":
            console.print(Text(block.text))
        elif block.kind == "table":
            table = Table(header_style="bold")
            for i, header in enumerate(block.headers):
                table.add_column(Text(header), justify="right" if i in block.numeric else "left")
            for row in block.rows:
                table.add_row(*(Text(cell) for cell in row))
            console.print(table)
