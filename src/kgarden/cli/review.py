"""``kgarden review``: the queue of what the machine proposed, decided one key at a time in the
terminal (a accept, r reject, e edit, s skip, q quit), or listed with ``--json`` and decided
with ``kgarden review decide ID accept|reject`` from a script."""

import os
import sys
import termios
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from kgarden.cli.common import GardenOption, JsonOption, guarded, open_garden, print_json, stdout
from kgarden.cli.curate import ActorOption, ReasonOption, _done
from kgarden.curate.review import KINDS, ReviewItem
from kgarden.errors import KgardenError, QueryError
from kgarden.extract.types import PREDICATES
from kgarden.garden import Garden

review_app = typer.Typer(
    name="review", no_args_is_help=False, invoke_without_command=True, rich_markup_mode=None,
    help="Decide what the machine proposed: relations, hypotheses and, in partnership mode,"
         " its merges and rejections. Interactive in a terminal; --json for scripts.")

KEYS = "a accept · r reject · e edit · s skip · q quit"


@review_app.callback()
@guarded
def review(
    ctx: typer.Context,
    kind: Annotated[list[str] | None, typer.Option(
        help="Only items of this kind: " + ", ".join(KINDS) + "; repeatable.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 50,
    actor: ActorOption = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """The review queue: in a terminal, one key per decision; with --json, the list."""
    if ctx.invoked_subcommand is not None:
        return
    with open_garden(garden) as g:
        items = g.review_queue(kinds=tuple(kind or KINDS), limit=limit)
        if json:
            print_json([i.to_dict() for i in items])
            return
        if not sys.stdin.isatty():
            raise QueryError("the interactive review needs a terminal",
                             hint="use `kgarden review --json` and `kgarden review decide ID"
                                  " accept|reject`")
        with single_keys() as read_key:
            _interactive(g, items, actor, read_key)


@contextmanager
def single_keys() -> Iterator[Callable[[], str]]:
    """The terminal in cbreak mode for the whole session: each key arrives alone, unechoed,
    and a key typed ahead is kept (raw mode entered per key would flush it). Ctrl-C still
    interrupts; the terminal is restored however the session ends."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)
    try:
        # up to 8 bytes: an arrow key's escape sequence is read (and ignored) as one key
        yield lambda: os.read(fd, 8).decode("utf-8", "replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@review_app.command("decide")
@guarded
def decide(
    item: Annotated[str, typer.Argument(metavar="ID", help="A queue item: R12, H3 or P40.")],
    decision: Annotated[str, typer.Argument(metavar="DECISION", help="accept or reject")],
    reason: ReasonOption = None,
    actor: ActorOption = None,
    garden: GardenOption = None,
    json: JsonOption = False,
) -> None:
    """Accept or reject one item of the queue."""
    with open_garden(garden) as g:
        _done(g.decide(item, decision, reason=reason, actor=actor), json)


def _show(console: Console, item: ReviewItem, position: int, total: int) -> None:
    console.print(Text(f"\n[{position}/{total}] {item.id}  {item.kind}"
                       f"  (proposed by {item.proposed_by}, score {item.score:g})", style="dim"))
    console.print(Text(item.title, style="bold"))
    for ev in item.evidence[:2]:
        sentence = Text("  “" + ev["sentence"] + "”")
        for span, style in ((ev.get("subject_span"), "cyan"), (ev.get("object_span"), "green")):
            if span and "start" in ev:
                start, end = span[0] - ev["start"] + 3, span[1] - ev["start"] + 3
                if 3 <= start < end <= len(sentence):
                    sentence.stylize(f"bold {style}", start, end)
        console.print(sentence)
        console.print(Text(f"    — {ev['title']} [{ev['paper_id']}]", style="dim"))
    if item.kind in ("merge", "contradiction"):
        console.print(Text(f"  {item.detail.get('reason', '')}", style="dim"))


def _interactive(g: Garden, items: list[ReviewItem], actor: str | None,
                 read_key: Callable[[], str]) -> None:
    console = stdout()
    if not items:
        console.print(Text("nothing to review: the queue is empty"))
        return
    counts = {"accepted": 0, "rejected": 0, "edited": 0, "skipped": 0}
    for position, item in enumerate(items, start=1):
        _show(console, item, position, len(items))
        while True:
            console.print(Text(KEYS, style="dim"))
            key = read_key().lower()
            try:
                if key == "q":
                    _summary(console, counts, len(items) - position + 1)
                    return
                if key == "s":
                    counts["skipped"] += 1
                elif key in ("a", "r"):
                    done = g.decide(item.id, "accept" if key == "a" else "reject",
                                    actor=actor)
                    counts["accepted" if key == "a" else "rejected"] += 1
                    console.print(Text("  " + done[0].summary, style="green" if key == "a"
                                       else "red"))
                elif key == "e":
                    if not _edit(console, g, item, actor, read_key):
                        continue
                    counts["edited"] += 1
                else:
                    continue
            except KgardenError as exc:  # one decision failed: say so, go on with the queue
                console.print(Text(f"  error: {exc}", style="bold red"))
                continue
            break
    _summary(console, counts, 0)


def _edit(console: Console, g: Garden, item: ReviewItem, actor: str | None,
          read_key: Callable[[], str]) -> bool:
    """Relations only: choose the right type (a digit); it is relabelled and accepted."""
    if item.kind != "relation":
        console.print(Text("  only a relation can be edited (its type); accept or reject this"))
        return False
    choices = [p for p in PREDICATES if p != item.detail.get("predicate")]
    console.print(Text("  the right type: " + " · ".join(
        f"{i} {p}" for i, p in enumerate(choices, start=1)) + " · any other key: back"))
    key = read_key()
    if not key.isdigit() or not 1 <= int(key) <= len(choices):
        return False
    predicate = choices[int(key) - 1]
    relabelled = g.curator(actor).relabel(item.id, predicate, accept=True)
    console.print(Text("  " + relabelled.summary, style="yellow"))
    return True


def _summary(console: Console, counts: dict[str, int], left: int) -> None:
    parts = [f"{n} {what}" for what, n in counts.items()]
    if left:
        parts.append(f"{left} left for later")
    console.print(Text("\nreview: " + ", ".join(parts), style="bold"))
