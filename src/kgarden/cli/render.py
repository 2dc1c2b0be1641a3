"""Turning records into terminal output. Text from papers is never read as rich markup."""

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kgarden.garden import GardenStatus
from kgarden.pipeline.ingest import IngestReport
from kgarden.store.queries import (
    Assertion,
    ConceptDetail,
    ConceptRecord,
    Evidence,
    PaperRecord,
    RelationRecord,
)

_ARROW = "→"


def relation_line(rel: RelationRecord) -> Text:
    text = Text(f"R{rel.id} ", style="dim")
    text.append(rel.subject, style="bold" if rel.subject_kind == "concept" else "italic")
    predicate = ("not " if rel.negated else "") + rel.predicate
    text.append(f"  —{predicate}{_ARROW}  ", style="magenta")
    text.append(rel.object, style="bold")
    flags = [f"{len(rel.evidence)} evidence", rel.status]
    if rel.assertions:
        flags.insert(1, f"{len(rel.assertions)} asserted")
    if rel.hedged:
        flags.append("hedged")
    text.append(f"   ({', '.join(flags)})", style="dim")
    return text


def evidence_text(ev: Evidence, indent: str = "    ") -> Text:
    """The evidence sentence with subject (cyan) and object (green) highlighted, then its paper."""
    text = Text(indent + "“")
    body = Text(ev.sentence)
    spans = [(ev.object_span, "green")]
    if ev.subject_span is not None:
        spans.append((ev.subject_span, "cyan"))
    for (start, end), style in spans:
        local_start, local_end = start - ev.start, end - ev.start
        if 0 <= local_start < local_end <= len(ev.sentence):
            body.stylize(f"bold {style}", local_start, local_end)
    text.append_text(body)
    text.append("”\n")
    text.append(f"{indent}  — {ev.title} [{ev.paper_id}]", style="dim")
    return text


def print_relations(
    console: Console, relations: list[RelationRecord], per_relation: int = 1
) -> None:
    for rel in relations:
        console.print(relation_line(rel))
        for ev in rel.evidence[:per_relation]:
            console.print(evidence_text(ev))
        for said in rel.assertions[:per_relation]:
            console.print(assertion_text(said))


def assertion_text(said: Assertion, indent: str = "    ") -> Text:
    """Support that is not an extracted sentence: who said so, and on what."""
    if said.kind == "model":
        who = f"model {said.model}, prompt {said.prompt_id}"
        if said.score is not None:
            who += f", consistency {said.score:.2f}"
    else:
        who = said.actor
    text = Text(f"{indent}asserted by {who} (event #{said.event_id})", style="dim")
    if said.sentence:
        text.append(f"\n{indent}“{said.sentence}”\n{indent}  — {said.title} [{said.paper_id}]")
    if said.note:
        text.append(f"\n{indent}note: {said.note}")
    return text


def concept_table(concepts: list[ConceptRecord], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    table.add_column("#", justify="right", style="dim")
    table.add_column("concept")
    table.add_column("papers", justify="right")
    table.add_column("mentions", justify="right")
    table.add_column("also written", style="dim")
    for i, c in enumerate(concepts, 1):
        table.add_row(str(i), Text(c.name), str(c.papers), str(c.mentions),
                      Text(", ".join(c.aliases[:4])))
    return table


def paper_table(papers: list[PaperRecord]) -> Table:
    table = Table(header_style="bold")
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("title")
    table.add_column("authors", style="dim")
    for p in papers:
        authors = ", ".join(p.authors[:3]) + (" et al." if len(p.authors) > 3 else "")
        table.add_row(Text(p.id), p.date or "", Text(p.title), Text(authors))
    return table


def print_concept(console: Console, detail: ConceptDetail) -> None:
    c = detail.concept
    if detail.matched:
        console.print(Text(f"({detail.matched})", style="dim"))
    console.print(Text(c.name, style="bold underline"))
    if c.aliases:
        console.print(Text("also written: " + ", ".join(c.aliases), style="dim"))
    console.print(f"{c.papers} papers, {c.mentions} mentions")
    console.print(Text("\npapers", style="bold"))
    for p in detail.papers:
        console.print(Text(f"  {p.date or '----'}  {p.title}  [{p.id}]"))
    console.print(Text(f"\nrelations ({len(detail.relations)})", style="bold"))
    if not detail.relations:
        console.print(Text("  none extracted yet", style="dim"))
    print_relations(console, detail.relations)
    if detail.cooccurring:
        console.print(Text("\noften in the same sentence (count, PMI)", style="bold"))
        for co in detail.cooccurring:
            other = co.b if co.a == c.name else co.a
            console.print(Text(f"  {other}  ({co.sentences}, {co.pmi:.2f})"))


def print_status(console: Console, status: GardenStatus) -> None:
    console.print(Text(status.path, style="bold"))
    console.print(f"  papers      {status.papers}" + (f"  ({status.retracted} retracted)"
                                                      if status.retracted else ""))
    console.print(f"  sentences   {status.sentences}")
    console.print(f"  concepts    {status.concepts}")
    by_type = ", ".join(f"{k} {v}" for k, v in status.relations_by_type.items())
    console.print(f"  relations   {status.relations}" + (f"  ({by_type})" if by_type else ""))
    console.print(f"  co-occurring pairs {status.cooccurrence_pairs}")
    vec = status.vectors
    if vec["embedder"] is None:
        console.print(Text("  vectors     none yet (run `kgarden embed` for search by meaning)",
                           style="dim"))
    else:
        console.print(f"  vectors     {vec['papers']} of {vec['papers_live']} papers, "
                      f"{vec['concepts']} of {vec['concepts_wanted']} concepts ({vec['embedder']})")
        if vec.get("papers_with_passages"):
            console.print(f"  passages    {vec['papers_with_passages']} of "
                          f"{vec['papers_for_passages']} papers (embed_passages)")
    cur = status.curation
    rel = cur["relations"]
    console.print(f"  curation    {cur['agency']} mode; relations {rel['accepted']} accepted,"
                  f" {rel['proposed']} proposed, {rel['rejected']} rejected;"
                  f" {cur['human_events']} decisions by people, {cur['machine_events']} by"
                  " the machine")
    if status.extraction_errors:
        console.print(f"  [yellow]papers that failed extraction: {status.extraction_errors}[/]")
    for run in status.runs[-3:]:
        console.print(Text(f"  run {run['id']}: {run['component']} · {run['model']} · "
                           f"{run['papers']} papers · {run['started_at'][:19]}", style="dim"))


def ingest_summary(report: IngestReport) -> Text:
    rate = report.extracted / report.seconds if report.seconds > 0 else 0.0
    parts = [f"{report.new} new", f"{report.changed} changed", f"{report.unchanged} unchanged"]
    if report.metadata_updated:
        parts.append(f"{report.metadata_updated} with new metadata")
    if report.duplicates:
        parts.append(f"{report.duplicates} duplicates skipped")
    text = Text(f"read {report.read} papers: " + ", ".join(parts) + "; ")
    text.append(f"extracted {report.extracted} in {report.seconds:.1f} s ({rate:.0f} papers/s)")
    if report.second_pass:
        text.append(f"; {report.second_pass} again, whose acronyms used without a definition"
                    " follow definitions this pass replaced")
    if report.embedding is not None:
        emb = report.embedding
        text.append(f"\nembedded {emb['papers']} papers and {emb['concepts']} concepts "
                    f"({emb['embedder']}) in {emb['seconds']:.1f} s")
    for failure in report.failed:
        text.append(f"\n  failed: {failure['paper_id']}: {failure['error']}", style="yellow")
    return text
