"""The interactive review queue, driven as a person would: the real ``kgarden review`` program
in a real pseudo-terminal, one key per decision."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgarden import Garden
from kgarden.settings import Settings

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KGARDEN = Path(sys.executable).parent / "kgarden"


class Terminal:
    """A program on the slave side of a pty; we read and type on the master side."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, close_fds=True)
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, timeout: float = 60.0) -> str:
        """Everything shown so far, once ``text`` is on the screen after the last mark."""
        deadline = time.monotonic() + timeout
        start = len(self.screen)
        while text not in self.screen[start:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the program closed the terminal
                    chunk = ""
                if not chunk and self.process.poll() is not None:
                    raise AssertionError(f"program ended before {text!r}:\n{self.screen}")
                self.screen += ANSI.sub("", chunk).replace("\r", "")
        return self.screen

    def press(self, key: str) -> None:
        os.write(self.master, key.encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


@pytest.fixture
def garden_copy(built_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(built_demo, path)
    return path


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGARDEN_")}
    env.update({"TERM": "xterm", "COLUMNS": "100", "LINES": "40", "KGARDEN_ACTOR": "ana",
                "KGARDEN_EMBED_ON_INGEST": "0", "HOME": str(tmp_path)})
    return env


def test_review_one_key_per_decision(garden_copy: Path, tmp_path: Path,
                                     settings: Settings) -> None:
    with Garden.open(garden_copy, settings=settings) as g:
        items = g.review_queue(kinds=("relation",), limit=5)
    assert len(items) == 5
    term = Terminal([str(KGARDEN), "review", "--kind", "relation", "--limit", "5", "-g",
                     str(garden_copy)], env_for(tmp_path))
    screen = term.read_until("a accept")
    assert items[0].title in " ".join(screen.split())  # the item and its evidence are shown
    assert items[0].evidence[0]["sentence"][:40] in " ".join(screen.split())
    term.press("a")
    term.read_until("a accept")
    term.press("r")
    term.read_until("a accept")
    term.press("x")  # not a key of the queue: asked again, nothing decided
    term.read_until("a accept")
    term.press("e")
    term.read_until("the right type")
    term.press("1")  # the first type offered
    term.read_until("a accept")
    term.press("s")
    term.read_until("a accept")
    term.press("q")
    screen = term.read_until("left for later")
    assert term.close() == 0
    assert "review: 1 accepted, 1 rejected, 1 edited, 1 skipped, 1 left for later" in screen
    with Garden.open(garden_copy, settings=settings) as g:
        def status(item_id: str) -> tuple[str, int]:
            row = g.conn.execute("SELECT status, evidence_count FROM relations WHERE id = ?",
                                 (int(item_id[1:]),)).fetchone()
            return str(row[0]), int(row[1])

        assert status(items[0].id) == ("accepted", 1)
        assert status(items[1].id) == ("rejected", 1)
        assert status(items[2].id)[1] == 0  # relabelled: its evidence moved to the new type
        assert status(items[3].id) == ("proposed", 1)
        acts = g.log(actor="human:ana")
        assert [e.action for e in reversed(acts)] == ["accept", "reject", "relabel", "accept"]
        relabelled = acts[0]
        assert relabelled.after == {"status": "accepted"}


def test_review_without_a_terminal_says_what_to_use(garden_copy: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(KGARDEN), "review", "-g", str(garden_copy)], input="",
                          capture_output=True, text=True, env=env_for(tmp_path), timeout=120)
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "kgarden review decide" in done.stderr
    assert "Traceback" not in done.stderr
