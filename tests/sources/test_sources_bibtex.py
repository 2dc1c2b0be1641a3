"""The BibTeX reader on a Zotero export, BibLaTeX odds and ends, and malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgarden.errors import ParseError
from kgarden.sources import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_zotero_export() -> None:
    pinn, french, attention, lora, book = read_file(FIXTURES / "zotero_library.bib")
    assert pinn.id == "doi:10.1016/j.jcp.2018.10.045"
    assert pinn.title.startswith("Physics-informed neural networks: A deep learning framework")
    assert pinn.abstract.startswith("We introduce physics-informed neural networks – neural")
    assert "reaction–diffusion systems" in pinn.abstract
    assert pinn.authors == ("M. Raissi", "P. Perdikaris", "G. E. Karniadakis")
    assert (pinn.date, pinn.venue) == ("2019-02", "Journal of Computational Physics")
    assert pinn.extra["keywords"][-1] == "Runge–Kutta methods"
    assert pinn.extra["language"] == "en"

    assert (
        french.title
        == "Réseaux de neurones et équations aux dérivées partielles : une introduction"
    )
    assert french.abstract.startswith("Nous présentons une introduction aux réseaux de neurones")
    assert "L'équation de Schrödinger non linéaire" in french.abstract
    assert french.abstract.endswith("pour 90% des cas testés.")
    assert french.authors == ("Amélie Lefèvre", "Jörg Müller", "Thị Lan Nguyễn")
    assert (french.venue, french.date) == ("Revue d'Analyse Numérique", "2022-05")
    assert french.extra == {
        "bibtex_key": "lefevre_reseaux_2022",
        "entry_type": "article",
        "keywords": ["apprentissage profond", "équations aux dérivées partielles"],
        "language": "fr",
    }

    assert attention.title == "Attention is All you Need"
    assert attention.venue == "Advances in Neural Information Processing Systems"
    assert attention.authors[-2:] == ("Łukasz Kaiser", "Illia Polosukhin")
    assert attention.extra["entry_type"] == "inproceedings"

    assert lora.title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert (lora.id, lora.arxiv_id, lora.date) == ("arxiv:2106.09685", "2106.09685", "2021-10")
    assert lora.authors[0] == "Edward J. Hu"

    assert (book.title, book.abstract, book.date) == ("Deep Learning", "", "2016")
    assert book.authors == ("Ian Goodfellow", "Yoshua Bengio", "Aaron Courville")
    assert [p.origin.rsplit(":", 1)[1] for p in (pinn, french, attention, lora, book)] == [
        "2",
        "21",
        "39",
        "52",
        "70",
    ]
    assert {p.source for p in (pinn, book)} == {"bibtex.v1"}


def test_unbalanced_brace_fails_at_its_entry() -> None:
    with pytest.raises(ParseError) as caught:
        read_file(FIXTURES / "malformed.bib")
    assert caught.value.line == 13
    assert caught.value.message.startswith("malformed entry: ")
    assert "\n" not in caught.value.message


def test_strings_comments_preambles_and_biblatex_dates(tmp_path: Path) -> None:
    path = tmp_path / "refs.bibtex"
    path.write_text(
        '@preamble{"\\newcommand{\\noop}[1]{}"}\n'
        "@string{jcp = {Journal of Computational Physics}}\n"
        "@comment{jabref-meta: databaseType:biblatex;}\n"
        "@article{key1,\n"
        '  title = {{\\"U}ber {Schr{\\"o}dinger} and {GPT}},\n'
        "  journaltitle = jcp,\n"
        "  date = {2023-05-01},\n"
        "  author = {{OpenAI} and Doe, Jr., John and Barnes and others},\n"
        "  doi = {10.1000/ab\\_c},\n"
        "}\n",
        encoding="utf-8",
    )
    (paper,) = read_file(path)
    assert paper.title == "Über Schrödinger and GPT"
    assert (paper.venue, paper.date, paper.doi) == (
        "Journal of Computational Physics",
        "2023-05-01",
        "10.1000/ab_c",
    )
    assert paper.authors == ("OpenAI", "John Doe Jr.", "Barnes")
    assert paper.origin.endswith(":4")


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "@article{a,\n  title = {A},\n  year = 2020\n  author = {B}\n}\n",
            3,
            "missing comma after the value of field 'year'",
        ),
        ("@article{a,\n  title = {A}},\n  year = {2020},\n}\n", 3, "field outside any entry"),
        ("@article{a, title = {A}}\n\n@book{a, title = {B}}\n", 3, "duplicate entry key 'a'"),
        (
            "@article{a, title = {A}}\n@misc{b,\n  year = {2020},\n}\n",
            2,
            "entry 'b' has neither a title nor an abstract",
        ),
        ("@article{a, title = {A}, title = {B}}\n", 1, "entry 'a' repeats field 'title'"),
        ("@article{a,\n  title = {A},\n", 1, "malformed entry"),
    ],
)
def test_malformed_bibtex_is_reported_at_its_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.bib"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert caught.value.line == line
    assert words in caught.value.message


def test_google_scholar_arxiv_preprint(tmp_path: Path) -> None:
    path = tmp_path / "scholar.bib"
    path.write_text(
        "@article{hu2021lora,\n"
        "  title={Lora: Low-rank adaptation of large language models},\n"
        "  author={Hu, Edward J and Shen, Yelong and Wallis, Phillip},\n"
        "  journal={arXiv preprint arXiv:2106.09685},\n"
        "  year={2021}\n"
        "}\n",
        encoding="utf-8",
    )
    (paper,) = read_file(path)
    assert (paper.id, paper.venue) == ("arxiv:2106.09685", "arXiv preprint arXiv:2106.09685")
    assert paper.authors == ("Edward J Hu", "Yelong Shen", "Phillip Wallis")
