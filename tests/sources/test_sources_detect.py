"""Format detection and what every reader shares: empty, mis-encoded, gzipped, unknown files."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

from kgarden.errors import EmptyInputError, EncodingError, InputError, UnknownFormatError
from kgarden.sources import detect_format, read_file
from kgarden.sources.base import SourceFile
from kgarden.sources.sniff import sniff_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
EXPECTED = {
    "trending-papers.txt": "listing",
    "arxiv_sample.jsonl": "jsonl",
    "arxiv_sample.jsonl.gz": "jsonl",
    "screening_sample.csv": "csv",
    "papers.json": "json",
    "openalex_page.json": "openalex-json",
    "openalex_work.json": "openalex-json",
    "arxiv_api.xml": "arxiv-atom",
    "zotero_library.bib": "bibtex",
    "zotero_export.ris": "ris",
    "endnote_export.ris": "ris",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_each_fixture_is_detected_and_reads_the_same_with_its_format(name: str, fmt: str) -> None:
    path = FIXTURES / name
    assert detect_format(SourceFile.of(path)).name == fmt
    detected = read_file(path)
    assert detected == read_file(path, format=fmt)
    assert {p.source for p in detected} == {f"{fmt}.v1"}
    assert [p.id for p in read_file(path)] == [p.id for p in detected]  # stable across reads


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_content_is_recognised_without_a_suffix(tmp_path: Path, name: str, fmt: str) -> None:
    path = tmp_path / "download"
    path.write_bytes((FIXTURES / name).read_bytes())
    assert sniff_format(SourceFile.of(path), None) == fmt
    assert [p.id for p in read_file(path)] == [p.id for p in read_file(FIXTURES / name)]


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".bib", ".txt", ".unknown"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"  \n\n")
    with pytest.raises(EmptyInputError):
        read_file(path)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".ris"])
def test_latin1_file_is_an_encoding_error_at_its_line(tmp_path: Path, suffix: str) -> None:
    text = {
        ".csv": "title,abstract\nOne,Plain.\nCaf\u00e9,Na\u00efve.\n",
        ".json": '[\n {"title": "One"},\n {"title": "Caf\u00e9"}\n]\n',
        ".ris": "TY  - JOUR\nTI  - One\nTI  - Caf\u00e9\nER  -\n",
    }[suffix]
    path = tmp_path / f"latin1{suffix}"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(EncodingError) as caught:
        read_file(path)
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.message


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "title\tabstract\nÜber\tText.\n".encode("utf-16-le"))
    assert [p.title for p in read_file(path)] == ["Über"]


@pytest.mark.parametrize(
    "content",
    [b"just some words\nand more words\n", bytes(range(256)) * 4, b"<html><body/></html>"],
)
def test_unknown_suffix_and_content(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mystery.dat"
    path.write_bytes(content)
    with pytest.raises(UnknownFormatError):
        read_file(path)


def test_gzip_with_an_ambiguous_suffix(tmp_path: Path) -> None:
    path = tmp_path / "works.json.gz"
    path.write_bytes(gzip.compress((FIXTURES / "openalex_work.json").read_bytes()))
    (paper,) = read_file(path)
    assert (paper.source, paper.id) == ("openalex-json.v1", "doi:10.7717/peerj.4375")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_file(tmp_path / "nowhere.json")


def test_sniff_picks_only_among_candidates() -> None:
    source = SourceFile.of(FIXTURES / "openalex_page.json")
    assert sniff_format(source, ["json", "openalex-json"]) == "openalex-json"
    assert sniff_format(source, ["json"]) == "json"
    assert sniff_format(source, ["csv", "ris"]) is None
