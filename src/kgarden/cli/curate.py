"""Commands that curate: accept, reject, relabel, merge, split, rename, add, retract, restore,
note, undo, log, agency, reextract. Each act prints what it did and its event number."""

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
    stdout,
)
from kgarden.cli.render import ingest_summary
from kgarden.cli.render_llm import llm_summary
from kgarden.curate.actions import Outcome
from kgarden.curate.events import Event
from kgarden.curate.keys import RelationKey
from kgarden.extract.types import PREDICATES
from kgarden.pipeline.llm_extract import LLMExtractReport

ReasonOption = Annotated[str | None, typer.Option("--reason", "-r",
                                                  help="Why: kept with the event.")]
ActorOption = Annotated[str | None, typer.Option(
    help="Who decides (default: $KGARDEN_ACTOR, then the login name).")]
RefArgument = Annotated[str, typer.Argument(
    metavar="ITEM", help="A relation (R12), a hypothesis (H3).")]


def _done(outcomes: list[Outcome], json: bool) -> None:
    if json:
        print_json([o.to_dict() for o in outcomes] if len(outcomes) > 1
                   else outcomes[0].to_dict())
        return
    console = stdout()
    for o in outcomes:
        line = Text(o.summary)
        line.append(f"   (event #{o.event.id}", style="dim")
        if o.papers_rederived:
            line.append(f"; {o.papers_rederived} paper(s) derived again", style="dim")
        line.append(f"; undo: kgarden undo {o.event.id})", style="dim")
        console.print(line, soft_wrap=True)


@guarded
def accept(ref: RefArgument, reason: ReasonOption = None, actor: ActorOption = None,
           garden: GardenOption = None, json: JsonOption = False) -> None:
    """Accept a relation or a hypothesis: it stays accepted through any re-extraction."""
    with open_garden(garden) as g:
        _done([g.accept(ref, reason=reason, actor=actor)], json)


@guarded
def reject(ref: RefArgument, reason: ReasonOption = None, actor: ActorOption = None,
           garden: GardenOption = None, json: JsonOption = False) -> None:
    """Reject a relation or a hypothesis: hidden from views, and it stays rejected."""
    with open_garden(garden) as g:
        _done([g.reject(ref, reason=reason, actor=actor)], json)


@guarded
def relabel(ref: Annotated[str, typer.Argument(metavar="RELATION", help="R12")],
            predicate: Annotated[str, typer.Argument(
                metavar="TYPE", help="The right type: " + ", ".join(PREDICATES))],
            reason: ReasonOption = None, actor: ActorOption = None,
            garden: GardenOption = None, json: JsonOption = False) -> None:
    """Give a relation another type (its evidence goes with it)."""
    with open_garden(garden) as g:
        _done([g.relabel(ref, predicate, reason=reason, actor=actor)], json)


@guarded
def merge(name: Annotated[str, typer.Argument(metavar="CONCEPT", help="The one that goes.")],
          into: Annotated[str, typer.Argument(metavar="INTO", help="The one that stays.")],
          reason: ReasonOption = None, actor: ActorOption = None,
          garden: GardenOption = None, json: JsonOption = False) -> None:
    """Make CONCEPT part of INTO: its mentions, relations and forms move there, now and after
    any re-extraction. INTO keeps its name."""
    with open_garden(garden) as g:
        _done([g.merge(name, into, reason=reason, actor=actor)], json)


@guarded
def split(name: Annotated[str, typer.Argument(metavar="CONCEPT")],
          new_name: Annotated[str, typer.Argument(metavar="NEW", help="Where the part goes.")],
          form: Annotated[list[str] | None, typer.Option(
              "--form", help="A written form (or acronym) whose mentions go; repeatable.")
          ] = None,
          paper: Annotated[list[str] | None, typer.Option(
              "--paper", help="A paper id whose mentions go; repeatable.")] = None,
          reason: ReasonOption = None, actor: ActorOption = None,
          garden: GardenOption = None, json: JsonOption = False) -> None:
    """Move part of a concept to another: the mentions written --form, and those in --paper."""
    with open_garden(garden) as g:
        _done([g.split(name, new_name, forms=form or [], papers=paper or [], reason=reason,
                       actor=actor)], json)


@guarded
def rename(name: Annotated[str, typer.Argument(metavar="CONCEPT")],
           new_name: Annotated[str, typer.Argument(metavar="NAME")],
           reason: ReasonOption = None, actor: ActorOption = None,
           garden: GardenOption = None, json: JsonOption = False) -> None:
    """Name a concept: the name stays whatever later papers write."""
    with open_garden(garden) as g:
        _done([g.rename(name, new_name, reason=reason, actor=actor)], json)


@guarded
def add(subject: Annotated[str, typer.Argument(metavar="SUBJECT")],
        predicate: Annotated[str, typer.Argument(metavar="TYPE",
                                                 help=", ".join(PREDICATES))],
        obj: Annotated[str, typer.Argument(metavar="OBJECT")],
        note: Annotated[str | None, typer.Option(help="Your evidence, in words.")] = None,
        paper: Annotated[str | None, typer.Option(
            help="A paper whose sentence is the evidence (with --sentence).")] = None,
        sentence: Annotated[str | None, typer.Option(
            help="That sentence, or enough of its words to find it.")] = None,
        negated: Annotated[bool, typer.Option("--not", help="SUBJECT does not TYPE OBJECT.")
                           ] = False,
        reason: ReasonOption = None, actor: ActorOption = None,
        garden: GardenOption = None, json: JsonOption = False) -> None:
    """State a fact by hand, with a note or a paper's sentence as evidence (accepted)."""
    with open_garden(garden) as g:
        _done([g.add_fact(subject, predicate, obj, note=note, paper_id=paper,
                          sentence=sentence, negated=negated, reason=reason, actor=actor)], json)


@guarded
def retract(paper_id: Annotated[str, typer.Argument(metavar="PAPER")],
            reason: ReasonOption = None, actor: ActorOption = None,
            garden: GardenOption = None, json: JsonOption = False) -> None:
    """Take a paper out: it and every fact only it supported leave all views; facts with other
    support lose its evidence; hypotheses that used it are flagged."""
    with open_garden(garden) as g:
        _done([g.retract(paper_id, reason=reason, actor=actor)], json)


@guarded
def restore(paper_id: Annotated[str, typer.Argument(metavar="PAPER")],
            reason: ReasonOption = None, actor: ActorOption = None,
            garden: GardenOption = None, json: JsonOption = False) -> None:
    """Bring a retracted paper and its facts back."""
    with open_garden(garden) as g:
        _done([g.restore(paper_id, reason=reason, actor=actor)], json)


@guarded
def note(ref: Annotated[str, typer.Argument(
            metavar="TARGET", help="R12, H3, a paper id or a concept name.")],
         text: Annotated[str, typer.Argument(metavar="TEXT")],
         actor: ActorOption = None, garden: GardenOption = None,
         json: JsonOption = False) -> None:
    """Write a note on anything; it is kept in the log."""
    with open_garden(garden) as g:
        _done([g.note(ref, text, actor=actor)], json)


@guarded
def undo(event_id: Annotated[int | None, typer.Argument(
            metavar="[EVENT]", help="The event to revert (default: your newest act).")] = None,
         actor: ActorOption = None, garden: GardenOption = None,
         json: JsonOption = False) -> None:
    """Revert one event by appending its inverse; the log keeps both."""
    with open_garden(garden) as g:
        _done([g.undo(event_id, actor=actor)], json)


@guarded
def log(limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 30,
        actor: Annotated[str | None, typer.Option(
            help="Only 'human', 'machine', or one actor (human:ana).")] = None,
        kind: Annotated[str | None, typer.Option(
            help="Only events on: relation, concept, paper, hypothesis, fact, garden.")] = None,
        garden: GardenOption = None, json: JsonOption = False) -> None:
    """Every curation act, newest first: who, when, what, why, before and after."""
    with open_garden(garden) as g:
        entries = g.log(limit=limit, actor=actor, kind=kind)
    if json:
        print_json([e.to_dict() for e in entries])
        return
    console = stdout()
    for e in entries:
        line = Text(f"#{e.id:<5}", style="bold")
        line.append(f" {e.at[:16].replace('T', ' ')}  {e.actor}  ", style="dim")
        line.append(_act(e))
        line.append(f"  {_target(e)}", style="cyan")
        if e.reason:
            line.append(f"  ({e.reason})", style="dim")
        console.print(line, soft_wrap=True)


def _act(e: Event) -> str:
    if e.undoes is not None:
        return f"undo of #{e.undoes} ({e.action})"
    values = [_value(p, v) for p, v in e.after.items()]
    return e.action + (" " + ", ".join(v for v in values if v) if any(values) else "")


def _value(prop: str, value: object) -> str:
    if isinstance(value, dict):
        if "into" in value:
            return f"into {value['into']}"
        if "mode" in value:
            return f"{value['mode']} ({value.get('threshold')})"
        if prop.startswith("split:"):
            return f"to {value.get('name')}"
        if prop.startswith("proposal:"):
            return str(value.get("status", ""))
        return ""
    if prop in ("status", "predicate", "name") or prop.startswith("note:"):
        text = "back to default" if value is None else str(value)
        return text if len(text) <= 60 else text[:59] + "…"
    return ""


def _target(e: Event) -> str:
    if e.target_kind in ("relation", "fact"):
        key = RelationKey.parse(e.target)
        return f"{key.subject} {'not ' if key.negated else ''}{key.predicate} {key.object}"
    return e.target if e.target_kind != "garden" else "garden"


@guarded
def agency(mode: Annotated[str | None, typer.Argument(
               metavar="[MODE]", help="directed, contributory or partnership.")] = None,
           threshold: Annotated[float | None, typer.Option(
               help="Confidence from which the machine accepts (contributory, partnership).")
           ] = None,
           reason: ReasonOption = None, actor: ActorOption = None,
           garden: GardenOption = None, json: JsonOption = False) -> None:
    """Show or set how far the machine may decide: directed (it only proposes), contributory
    (it accepts what reaches the threshold, logged as its decision), partnership (it also
    proposes merges and rejections of contradicted facts for review)."""
    with open_garden(garden) as g:
        if mode is None:
            current = g.agency()
            if json:
                print_json({"mode": current.mode, "threshold": current.threshold})
            else:
                stdout().print(Text(f"agency: {current.mode} (threshold"
                                    f" {current.threshold:.2f})"))
            return
        _done([g.set_agency(mode, threshold=threshold, reason=reason, actor=actor)], json)


@guarded
def reextract(where: Annotated[str | None, typer.Option(
                  help="Only these papers, e.g. 'year>=2025 concept:\"knowledge graph\"'.")
              ] = None,
              extractor: Annotated[str | None, typer.Option(
                  help="rules, or llm: a model reads the sentences the garden found"
                       " (default: setting `extractor`).")] = None,
              dry_run: Annotated[bool, typer.Option(
                  "--dry-run", help="llm: count the calls, tokens and cost; send nothing.")
              ] = False,
              budget_tokens: Annotated[int | None, typer.Option(
                  help="llm: stop before a call that would pass this many tokens"
                       " (default: setting `llm_budget_tokens`).")] = None,
              garden: GardenOption = None, json: JsonOption = False) -> None:
    """Extract papers again (with the garden's extractor, or --extractor llm); every human
    decision still holds."""
    with open_garden(garden) as g, progress_bar("extracting", enabled=not json and not dry_run
                                                ) as progress:
        report = g.reextract(where=where, progress=progress, extractor=extractor,
                             dry_run=dry_run, budget_tokens=budget_tokens)
    if json:
        print_json(report.to_dict())
    elif isinstance(report, LLMExtractReport):
        stdout().print(llm_summary(report), soft_wrap=True)
    else:
        stdout().print(ingest_summary(report))
