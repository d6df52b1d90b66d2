"""What analyses return and renderers draw: sections of prose, lists, tables of typed cells, figures.

An analysis builds these once; benchmarks/outputs/render.py draws them for the terminal, Markdown and HTML, so
`fwbench compare`, README and the docs say the same thing in the same words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Union


@dataclass
class Cell:
    """One table cell: its text, and for a time ratio the ratio itself (what the HTML heat map colours)
    and its interval as text."""
    text: str
    ratio: Optional[float] = None
    interval: str = ""

    def __str__(self) -> str:
        return f"{self.text} {self.interval}" if self.interval else self.text


def ratio_cell(ratio: float, lo: float, hi: float) -> Cell:
    return Cell(f"{ratio:.2f}×", ratio, f"[{lo:.2f}, {hi:.2f}]")


@dataclass
class Paragraph:
    text: str  # Markdown inline: **bold**, *italics*, `code`
    lead: bool = False  # the answer itself: HTML sets it apart


@dataclass
class Bullets:
    items: List[str]


@dataclass
class Table:
    header: Sequence[str]
    rows: List[Sequence[Union[Cell, str]]]
    heat: bool = False  # HTML colours each Cell by its ratio
    css: str = "results"


@dataclass
class Figure:
    path: Path  # a PNG on disk

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass
class Section:
    title: str
    blocks: List["Block"] = field(default_factory=list)
    anchor: str = ""  # HTML id, for the contents bar
    folded: bool = False  # HTML: closed until opened


Block = Union[Section, Paragraph, Bullets, Table, Figure]


def prose(*texts: str) -> List[Block]:
    """Paragraphs of the texts that are not empty."""
    return [Paragraph(t) for t in texts if t]
