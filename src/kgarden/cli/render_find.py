"""Terminal output for search results and answers. Paper text is never read as markup."""

from rich.console import Console
from rich.text import Text

from kgarden.embed.vectors import EmbedReport
from kgarden.search.ask import Answer
from kgarden.search.papers import SearchResult


def _marked(text: str, spans: list[tuple[int, int]]) -> Text:
    body = Text(text)
    for start, end in spans:
        if 0 <= start < end <= len(text):
            body.stylize("bold yellow", start, end)
    return body


def print_search(console: Console, result: SearchResult) -> None:
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))
    if not result.hits:
        console.print(Text("no papers found", style="yellow"))
        return
    for rank, hit in enumerate(result.hits, start=1):
        head = Text(f"{rank:>2}. ", style="bold")
        head.append(hit.title, style="bold")
        head.append(f"  [{hit.paper_id}] {hit.date or ''}", style="dim")
        console.print(head)
        line = Text("    “")
        line.append_text(_marked(hit.snippet, hit.highlights))
        line.append("”")
        console.print(line)
        ranks = [f"score {hit.score:.4f}"]
        if hit.bm25_rank:
            ranks.append(f"BM25 #{hit.bm25_rank}")
        if hit.dense_rank:
            ranks.append(f"dense #{hit.dense_rank} (cos {hit.cosine:.2f})")
        console.print(Text("    " + " · ".join(ranks), style="dim"))


def print_answer(console: Console, answer: Answer) -> None:
    for note in answer.notes:
        console.print(Text(f"note: {note}", style="dim"))
    console.print(Text(answer.answer))
    if answer.citations:
        console.print(Text("\nsources", style="bold"))
    for c in answer.citations:
        line = Text(f"  [{c.number}] ", style="bold")
        line.append(c.title)
        line.append(f"  [{c.paper_id}] {c.field} {c.start}-{c.end}", style="dim")
        console.print(line)
        if answer.mode == "llm":
            console.print(Text(f"      “{c.sentence}”"))
    if answer.path:
        names = [answer.path[0].subject] + [e.object for e in answer.path]
        console.print(Text("\nhow they connect: " + " — ".join(names), style="bold"))
        for e in answer.path:
            line = Text(f"  {e.subject}  —{e.predicate}→  {e.object}", style="magenta")
            console.print(line)
            console.print(Text(f"      “{e.sentence}”"))
            console.print(Text(f"        — {e.title} [{e.paper_id}]", style="dim"))
    elif len(answer.concepts) >= 2:
        console.print(Text("\nno evidence-backed path between " +
                           " and ".join(answer.concepts[:2]), style="dim"))
    if answer.llm:
        console.print(Text(f"\nanswered by {answer.llm['model']} ({answer.llm['prompt_id']});"
                           " every citation checked", style="dim"))


def embed_summary(report: EmbedReport) -> Text:
    passages = f", {report.passages} passages" if report.passages else ""
    text = Text(f"embedded {report.papers} papers{passages} and {report.concepts} concepts"
                f" with {report.embedder} in {report.seconds:.1f} s")
    if report.papers_missing:
        text.append(f"; {report.papers_missing} papers still without a vector", style="yellow")
    return text
