"""A script that ingests with workers but has no main guard gets a clear error, not a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
from kgarden import Garden, load_settings, read_files
settings = load_settings({{"workers": 2, "parallel_min_papers": 1, "embed_on_ingest": False}},
                         env={{}})
papers = read_files([{listing!r}], "listing")
with Garden.create({garden!r}, settings=settings) as garden:
    garden.ingest_papers(papers)
print("finished")
"""


def test_unguarded_script_fails_fast_with_a_hint(tmp_path: Path, demo_listing: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT.format(listing=str(demo_listing), garden=str(tmp_path / "g.db")))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode != 0 and "finished" not in done.stdout
    assert "a parsing worker process died" in done.stderr
    assert '__name__ == "__main__"' in done.stderr
