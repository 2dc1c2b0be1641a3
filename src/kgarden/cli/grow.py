"""Commands that grow a garden: init, ingest, demo."""

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from kgarden.cli.common import (
    GardenOption,
    JsonOption,
    guarded,
    open_garden,
    print_json,
    progress_bar,
    settings_for,
    stderr,
    stdout,
)
from kgarden.cli.render import concept_table, evidence_text, ingest_summary, relation_line
from kgarden.cli.render_find import print_answer, print_search
from kgarden.garden import Garden
from kgarden.models import Paper
from kgarden.pipeline.ingest import IngestReport
from kgarden.sources import read_files
from kgarden.store.queries import RelationRecord

DEMO_GARDEN = Path("demo-garden.db")
DEMO_QUERY = "shrinking a big language model into a small one"
DEMO_QUESTION = "Which benchmark holds 11,163 bilingual problems?"


@guarded
def init(garden: GardenOption = None) -> None:
    """Create an empty garden (does nothing to one that exists)."""
    with open_garden(garden, create=True) as g:
        stdout().print(Text(f"garden ready: {g.path}"))


@guarded
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Files of papers (any supported format).")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Reader to use instead of detecting it.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Parsing processes (default: setting `workers`).")
    ] = None,
    no_embed: Annotated[bool, typer.Option(
        "--no-embed", help="Skip the embedding stage (run `kgarden embed` later).")] = False,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Read papers and grow the garden with what is new or changed, then embed them."""
    with stderr().status("reading files…"):
        papers = read_files(files, format)  # every file validated before the garden is touched
    with open_garden(garden, create=True, workers=workers,
                     embed_on_ingest=False if no_embed else None) as g:
        report = _grow(g, papers, show=not json)
    if json:
        print_json(report.to_dict())
    else:
        stdout().print(ingest_summary(report))


def _grow(g: Garden, papers: list[Paper], *, show: bool) -> IngestReport:
    """Extract, then embed (when the garden's settings say so), each with its progress bar.
    The graph is committed before embedding starts: usable even if embedding is stopped."""
    with progress_bar("extracting", enabled=show) as progress:
        report = g.ingest_papers(papers, progress=progress, embed=False)
    if g.settings.embed_on_ingest:
        with progress_bar("embedding", enabled=show, unit="texts") as progress:
            report.embedding = g.embed(progress=progress).to_dict()
    return report


def _showcase(relations: list[RelationRecord], n: int = 3) -> list[RelationRecord]:
    """Relations between concepts worth showing first: direct statements (highest confidence),
    best supported, one per relation type, is-a last (it says the least)."""
    ranked = sorted(
        (r for r in relations if r.subject_kind == "concept" and not r.negated),
        key=lambda r: (-r.confidence, r.predicate == "is-a", -len(r.evidence)),
    )
    chosen: list[RelationRecord] = []
    for rel in ranked:
        if rel.predicate not in {r.predicate for r in chosen}:
            chosen.append(rel)
        if len(chosen) == n:
            break
    return chosen


@guarded
def demo(garden: GardenOption = None) -> None:
    """Grow a garden from the bundled demo corpus (75 trending papers) and show what it found."""
    target = garden or DEMO_GARDEN
    listing = resources.files("kgarden.demo") / "trending-papers.txt"
    with resources.as_file(listing) as path:
        papers = read_files([path], "listing")
    with Garden.create(target, settings=settings_for(garden, embed_on_ingest=True)) as g:
        report = _grow(g, papers, show=True)
        status = g.status()
        top = g.concepts(top=15)
        relations = _showcase(g.relations(include_paper_subjects=False))
        found = g.search(DEMO_QUERY, k=3)
        answer = g.ask(DEMO_QUESTION, use_llm=False)
    out = stdout()
    out.print(ingest_summary(report))
    out.print(Text(f"\nGarden: {target}", style="bold"))
    out.print(f"  {status.papers} papers, {status.sentences} sentences, "
              f"{status.concepts} concepts, {status.relations} typed relations, "
              f"{status.cooccurrence_pairs} co-occurring pairs")
    out.print(concept_table(top, title="Top concepts"))
    out.print(Text("Three relations and the sentences they come from", style="bold"))
    for rel in relations:
        out.print(relation_line(rel))
        out.print(evidence_text(rel.evidence[0]))
    out.print(Text(f"\nSearch by meaning: kgarden search \"{DEMO_QUERY}\"", style="bold"))
    print_search(out, found)
    out.print(Text(f"\nAsk: kgarden ask \"{DEMO_QUESTION}\"", style="bold"))
    print_answer(out, answer)
    out.print(Text(f"\nExplore: kgarden concepts -g {target} · kgarden concept \"knowledge "
                   f"distillation\" -g {target} · kgarden relations --type uses -g {target}"
                   f"\nCurate: kgarden review -g {target} (a accept, r reject, e edit, s skip)"
                   f" · kgarden log -g {target} · kgarden undo -g {target}",
                   style="dim"))
