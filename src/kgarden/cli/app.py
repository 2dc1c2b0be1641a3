"""The ``kgarden`` command. Commands parse input, call the library and print; nothing more."""

import typer

from kgarden import __version__
from kgarden.cli import browse, curate, discover, find, grow, harvest
from kgarden.cli.ledger import hypotheses_app
from kgarden.cli.review import review_app

app = typer.Typer(
    name="kgarden",
    help="Grow a knowledge graph from research papers, with the sentence behind every fact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kgarden {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """kgarden: a knowledge garden for research literature."""


app.command()(grow.init)
app.command()(grow.ingest)
app.command()(grow.demo)
app.command()(find.embed)
app.command()(browse.status)
app.command()(browse.papers)
app.command()(browse.concepts)
app.command()(browse.concept)
app.command()(browse.relations)
app.command()(find.search)
app.command()(find.ask)
app.command()(browse.export)
app.command()(discover.report)
app.command()(discover.path)
app.add_typer(hypotheses_app)
for command in (curate.accept, curate.reject, curate.relabel, curate.merge, curate.split,
                curate.rename, curate.add, curate.retract, curate.restore, curate.note,
                curate.undo, curate.log, curate.agency, curate.reextract):
    app.command()(command)
app.add_typer(review_app)
app.command()(harvest.harvest)


def main() -> None:
    app()
