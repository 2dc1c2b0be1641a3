"""The RIS reader on Zotero and EndNote exports and on malformed records."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_zotero_export_with_crlf_lines() -> None:
    pinn, bert, lora = read_file(FIXTURES / "zotero_export.ris")
    assert pinn.id == "doi:10.1016/j.jcp.2018.10.045"
    assert pinn.authors == ("M. Raissi", "P. Perdikaris", "G. E. Karniadakis")
    assert (pinn.date, pinn.venue) == ("2019-02-01", "Journal of Computational Physics")
    assert pinn.abstract.startswith("We introduce physics-informed neural networks – neural")
    assert pinn.extra == {
        "type": "JOUR",
        "keywords": ["Machine learning", "Nonlinear dynamics", "Runge–Kutta methods"],
        "language": "en",
    }
    assert (bert.date, bert.venue, bert.doi) == (
        "2019-06",
        "NAACL-HLT 2019",
        "10.18653/v1/n19-1423",
    )
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert (lora.id, lora.date, lora.url) == (
        "arxiv:2106.09685",
        "2021-10-16",
        "http://arxiv.org/abs/2106.09685",
    )
    assert [p.origin.rsplit(":", 1)[1] for p in (pinn, bert, lora)] == ["1", "26", "48"]
    assert {p.source for p in (pinn, bert, lora)} == {"ris.v1"}


def test_endnote_export_with_header_and_continuation_lines() -> None:
    lstm, lecun = read_file(FIXTURES / "endnote_export.ris")
    assert lstm.title == "Long Short-Term Memory"
    assert lstm.authors == ("Sepp Hochreiter", "Jürgen Schmidhuber")
    assert lstm.abstract == (
        "Learning to store information over extended time intervals by recurrent backpropagation "
        "takes a very long time, mostly because of insufficient, decaying error backflow. We "
        "briefly review Hochreiter's (1991) analysis of this problem, then address it by "
        "introducing a novel, efficient, gradient-based method called long short-term memory "
        "(LSTM)."
    )
    assert (lstm.date, lstm.venue) == ("1997-11-15", "Neural Computation")
    assert lstm.extra["ris_id"] == "1034"
    assert lstm.origin.endswith(":5")
    assert (lecun.date, lecun.id) == ("2015", "doi:10.1038/nature14539")


def test_malformed_tag_line() -> None:
    with pytest.raises(ParseError) as caught:
        read_file(FIXTURES / "malformed.ris")
    assert caught.value.line == 13
    assert "malformed tag line: expected 'AU  - value'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("TY  - JOUR\nTI  - A\nER  - \n\nTY  - JOUR\nTI  - B\n", 5, "missing 'ER  -'"),
        ("TY  - JOUR\nTI  - A\nTY  - JOUR\nTI  - B\nER  -\n", 3, "before the one at line 1 ended"),
        ("TY  - JOUR\nTI  - A\nER  -\nstray words\n", 4, "text outside a record"),
        ("TY  - JOUR\nTI  - A\nER  -\nAU  - Doe, J.\n", 4, "'AU' tag outside a record"),
        ("TY  - JOUR\nTI  -A\nER  -\n", 2, "malformed tag line"),
        ("TY  - JOUR\nPY  - 2020\nER  -\n", 1, "neither a title (TI) nor an abstract (AB)"),
    ],
)
def test_malformed_ris_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.ris"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == line
    assert words in caught.value.message
