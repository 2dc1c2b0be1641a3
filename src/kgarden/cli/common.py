"""What every command shares: the garden option, error handling, JSON output, progress."""

import functools
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kgarden.errors import KgardenError
from kgarden.garden import Garden
from kgarden.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])

GardenOption = Annotated[
    Path | None,
    typer.Option(
        "--garden", "-g",
        help="Garden file. Default: $KGARDEN_GARDEN, then kgarden.toml, then ./garden.db.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str, code: int) -> NoReturn:
    # soft_wrap: an error is one line, whatever the terminal width (scripts grep it)
    stderr().print(f"[bold red]error:[/] {_escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def guarded(command: F) -> F:
    """Turn kgarden's errors into one line on stderr and the error's exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KgardenError as exc:
            fail(str(exc), exc.exit_code)
        except sqlite3.DatabaseError as exc:
            fail(f"the garden database failed: {exc}", 2)
        except KeyboardInterrupt:
            fail("interrupted; finished batches are kept, run the command again to resume", 130)

    return wrapper  # type: ignore[return-value]


def settings_for(garden: Path | None, **overrides: Any) -> Settings:
    return load_settings({"garden": garden, **overrides})


def open_garden(garden: Path | None, *, create: bool = False, **overrides: Any) -> Garden:
    settings = settings_for(garden, **overrides)
    return Garden(settings.garden, create=create, settings=settings)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress_bar(label: str, enabled: bool = True,
                 unit: str = "papers") -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal; yields a ``(done, total)`` callback.
    (Off a terminal a bar is only noise in a log, and its last refresh left a blank line
    before any error message.)"""
    console = stderr()
    if not enabled or not console.is_terminal:
        yield lambda done, total: None
        return
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn(unit), TimeRemainingColumn(), console=console, transient=True,
    )
    task = progress.add_task(label, total=None)
    with progress:
        yield lambda done, total: progress.update(task, completed=done, total=total)
