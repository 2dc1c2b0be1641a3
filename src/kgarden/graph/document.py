"""A small document model, so one text renders as Markdown, self-contained HTML or terminal
output. Text from papers (concept names) is escaped in each target, never interpreted."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|])")
# what would start a heading, a quote or a list at the beginning of a line
_MD_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|[+-](?=\s|$)|>|\d+[.)](?=\s|$))")


def md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    found = _MD_LINE_START.match(text)
    if found is None:
        return text
    cut = found.end() - 1 if found.group(1)[0].isdigit() else 0  # "1\." but "\#", "\-"
    return text[:cut] + "\\" + text[cut:]


@dataclass
class Block:
    kind: str  # heading, paragraph, table, image
    text: str = ""
    level: int = 2
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()  # right-aligned columns


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Block("heading", text, level))

    def paragraph(self, text: str) -> None:
        self.blocks.append(Block("paragraph", text))

    def table(self, headers: list[str], rows: list[list[str]],
              numeric: set[int] | None = None) -> None:
        self.blocks.append(Block("table", headers=headers, rows=rows,
                                 numeric=frozenset(numeric or ())))

    def image(self, name: str, alt: str) -> None:
        """``name``: a PNG file written next to the document."""
        self.blocks.append(Block("image", name, headers=[alt]))

    def markdown(self) -> str:
        out = [f"# {md_escape(self.title)}", ""]
        for b in self.blocks:
            if b.kind == "heading":
                out += ["#" * b.level + " " + md_escape(b.text), ""]
            elif b.kind == "paragraph":
                out += [md_escape(b.text), ""]
            elif b.kind == "table":
                out.append("| " + " | ".join(md_escape(h) for h in b.headers) + " |")
                out.append("|" + "|".join("---:" if i in b.numeric else "---"
                                          for i in range(len(b.headers))) + "|")
                out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in b.rows]
                out.append("")
            elif b.kind == "image":
                out += [f"![{md_escape(b.headers[0])}]({b.text})", ""]
        return "\n".join(out).rstrip() + "\n"

    def html(self, images: dict[str, bytes]) -> str:
        """One file: styles inline, PNGs as data URIs, every text escaped."""
        esc = html.escape
        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               f"<title>{esc(self.title)}</title>", f"<style>{_CSS}</style></head><body>",
               f"<h1>{esc(self.title)}</h1>"]
        for b in self.blocks:
            if b.kind == "heading":
                out.append(f"<h{b.level}>{esc(b.text)}</h{b.level}>")
            elif b.kind == "paragraph":
                out.append(f"<p>{esc(b.text)}</p>")
            elif b.kind == "table":
                head = "".join(f"<th>{esc(h)}</th>" for h in b.headers)
                body = "".join(
                    "<tr>" + "".join(
                        f'<td class="num">{esc(c)}</td>' if i in b.numeric else f"<td>{esc(c)}</td>"
                        for i, c in enumerate(row)) + "</tr>"
                    for row in b.rows)
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif b.kind == "image" and b.text in images:
                data = base64.b64encode(images[b.text]).decode("ascii")
                out.append(f'<figure><img src="data:image/png;base64,{data}"'
                           f' alt="{esc(b.headers[0])}"></figure>')
        out.append("</body></html>")
        return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}"
    "th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;"
    "vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "img{max-width:100%}figure{margin:1rem 0}h2{margin-top:2rem;border-bottom:1px solid #eee}"
)
