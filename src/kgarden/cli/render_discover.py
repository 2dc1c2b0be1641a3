"""Terminal output for paths between concepts. Paper text is never read as markup."""

from rich.console import Console
from rich.text import Text

from kgarden.graph.path_finder import PathResult, concept_chain
from kgarden.search.paths import PathEdge


def print_paths(console: Console, result: PathResult) -> None:
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))
    if not result.shortest:
        console.print(Text(f"no evidence-backed path from {result.source} to {result.target}",
                           style="yellow"))
    else:
        typed = all(e.predicate != "co-occurs-with" for e in result.shortest)
        label = "shortest path over typed relations" if typed else "shortest path"
        _print_path(console, label, result.source, result.shortest)
    for number, path in enumerate(result.samples, start=1):
        _print_path(console, f"alternative {number}", result.source, path)


def _print_path(console: Console, label: str, source: str, edges: list[PathEdge]) -> None:
    head = Text(f"\n{label} ({len(edges)} step{'s' if len(edges) != 1 else ''}): ",
                style="bold")
    head.append(" — ".join(concept_chain(source, edges)))
    console.print(head)
    for edge in edges:
        line = Text("  ")
        line.append(edge.subject, style="bold")
        line.append(f"  —{edge.predicate}→  ", style="magenta")
        line.append(edge.object, style="bold")
        console.print(line)
        console.print(Text(f"      “{edge.sentence}”"))
        console.print(Text(f"        — {edge.title} [{edge.paper_id}]", style="dim"))
