"""Commands that read a garden: status, papers, concepts, concept, relations, export."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from kgarden.cli.common import GardenOption, JsonOption, guarded, open_garden, print_json, stdout
from kgarden.cli.render import (
    concept_table,
    paper_table,
    print_concept,
    print_relations,
    print_status,
)
from kgarden.errors import QueryError
from kgarden.export import default_target, export_formats, export_garden
from kgarden.extract.types import PREDICATES


@guarded
def status(garden: GardenOption = None, json: JsonOption = False) -> None:
    """Counts of papers, sentences, concepts and relations, and the extraction runs."""
    with open_garden(garden) as g:
        report = g.status()
    if json:
        print_json(report.to_dict())
    else:
        print_status(stdout(), report)


@guarded
def papers(
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The papers in the garden, in the order they were added."""
    with open_garden(garden) as g:
        records = g.papers(limit=limit, offset=offset)
    if json:
        print_json([p.to_dict() for p in records])
    else:
        stdout().print(paper_table(records))


@guarded
def concepts(
    top: Annotated[int, typer.Option(help="How many, most salient first.")] = 30,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The most salient concepts: in many papers, specific rather than everyday words."""
    if top < 1:
        raise QueryError("--top must be at least 1")
    with open_garden(garden) as g:
        records = g.concepts(top=top)
    if json:
        print_json([c.to_dict() for c in records])
    else:
        stdout().print(concept_table(records))


@guarded
def concept(
    name: Annotated[str, typer.Argument(help="A concept name, written form or acronym.")],
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """One concept: its other names, papers, relations with evidence, co-occurring concepts."""
    with open_garden(garden) as g:
        detail = g.concept(name)
    if json:
        print_json(detail.to_dict())
    else:
        print_concept(stdout(), detail)


@guarded
def relations(
    type: Annotated[
        str | None, typer.Option("--type", "-t", help="Only this type: " + ", ".join(PREDICATES))
    ] = None,
    status: Annotated[str | None, typer.Option(
        help="Only this status: accepted, proposed or rejected (default: all but rejected)."
    )] = None,
    accepted_only: Annotated[bool, typer.Option(
        "--accepted-only", help="Only what a person (or the machine, in its modes) accepted."
    )] = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    concepts_only: Annotated[
        bool, typer.Option("--concepts-only", help="Leave out relations whose subject is a paper.")
    ] = False,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Typed relations, best supported first, each with the sentence it comes from."""
    with open_garden(garden) as g:
        records = g.relations(type, status="accepted" if accepted_only else status, limit=limit,
                              include_paper_subjects=not concepts_only)
    if json:
        print_json([r.to_dict() for r in records])
    else:
        print_relations(stdout(), records)


@guarded
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf, json or csv.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Target file (a folder for csv).")
    ] = None,
    min_cooccurrence: Annotated[
        int, typer.Option(help="Co-occurrence edges seen in fewer sentences are left out.")
    ] = 2,
    accepted_only: Annotated[bool, typer.Option(
        "--accepted-only", help="Only the typed relations that were accepted.")] = False,
    garden: GardenOption = None,
) -> None:
    """Write the graph: concepts, typed relations with evidence, co-occurrence edges (PMI).
    Rejected relations are left out."""
    if format not in export_formats():
        raise QueryError(f"unknown export format {format!r}",
                         hint="one of: " + ", ".join(export_formats()))
    with open_garden(garden) as g:
        target = out or default_target(g.path, format)
        written = export_garden(g.conn, format, target, min_cooccurrence=min_cooccurrence,
                                accepted_only=accepted_only)
    for path in written:
        stdout().print(Text(f"wrote {path}"))
