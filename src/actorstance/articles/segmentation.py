"""Paragraphs and sentences, in character offsets into the article; quotations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .mentions import Mention


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    speaker: Mention | None = None  # set when the sentence lies inside an attributed quote


#: Abbreviations that stand before a number; elsewhere the same letters are a word ("voted no.").
_NUMBER_ABBREV = frozenset("no nos fig".split())
_ABBREV = frozenset("""mr mrs ms dr prof gen lt col sgt capt sen rep gov st jr sr inc corp co ltd vs etc
jan feb mar apr jun jul aug sep sept oct nov dec mt ft rev hon est approx dept univ sens reps govs gens messrs""".split())
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
#: A line that opens a list item ("• ...", "- ...", "1. ..."): a paragraph of its own even in hard-wrapped text.
_ITEM = re.compile(r"[ \t]*(?:[•·▪‣◦●○■□►▶*–—-]|\d{1,2}[.)])[ \t]+\S")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph: blocks between blank lines (``\\n`` or ``\\r\\n`` line
    ends); inside a block, each line is a paragraph unless the block looks hard-wrapped (all
    lines at most 100 chars), and a list item's line always starts one."""
    out = []
    for block in re.finditer(r"(?:[^\n]|\n(?![ \t\r]*\n))+", text):
        lines = [m for m in re.finditer(r"[^\n]+", block.group(0)) if m.group(0).strip()]
        wrapped = len(lines) > 1 and max(len(m.group(0)) for m in lines) <= 100
        if not lines:
            continue
        if wrapped:  # one paragraph, but a list item's line opens a new one
            cuts = [0] + [m.start() for m in lines[1:] if _ITEM.match(m.group(0))] + [len(block.group(0))]
            spans = [(block.start() + a, block.start() + b) for a, b in zip(cuts, cuts[1:])]
        else:
            spans = [(block.start() + m.start(), block.start() + m.end()) for m in lines]
        for s, e in spans:
            seg = text[s:e]
            lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
            if e - trail > s + lead:
                out.append((s + lead, e - trail))
    return out


def _is_abbreviation(text: str, dot: int) -> bool:
    found = re.search(r"[\w.]*$", text[:dot])  # matches the empty string at least
    word = found.group(0) if found else ""
    if not word or text[dot] != ".":
        return False
    if word.lower() in _NUMBER_ABBREV:  # "No. 2" is one sentence; "voted no. Whitfield ..." two
        return bool(re.match(r"\s*\d", text[dot + 1:dot + 4]))
    if word.lower() in _ABBREV or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word):
        return True  # "Gen.", "U.S.", "J." initials
    return False


def count_sentences(text: str) -> int:
    """The number of sentences the pipeline will find in ``text`` (no recogniser, so cheap):
    for limits checked before the work."""
    return sum(len(split_sentences(text, s, e)) for s, e in paragraphs(text))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans in ``text[start:end]``: a boundary is end punctuation (with any closing
    quotation marks kept on its side) before a capitalised word; abbreviations do not end
    sentences, so '"...," said Gen. Morozan.' stays one sentence."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    out, pos = [], 0
    for m in _BOUNDARY.finditer(chunk):
        if _is_abbreviation(chunk, m.start()):
            continue
        out.append((start + pos, start + m.end()))
        pos = m.end() + len(chunk[m.end():]) - len(chunk[m.end():].lstrip())
    if chunk[pos:].strip():
        out.append((start + pos, start + len(chunk.rstrip())))
    return out


def find_quotes(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each quotation in a paragraph, marks included.

    Straight and curly double quotes, and single quotes that open after a space or colon;
    a quote left open at the paragraph's end closes there (news style for quotes that run
    on into the next paragraph).
    """
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    open_at: int | None = None
    opener = ""
    i = start
    while i < end:
        c = text[i]
        if open_at is None:
            if c in "\"“":
                open_at, opener = i, c
            elif c in "'‘" and (i == start or text[i - 1] in " \t(:—–-") and i + 1 < end and text[i + 1].isalpha():
                open_at, opener = i, c
        else:
            closes = (opener in "\"“" and c in "\"”") or (
                opener in "'‘" and c in "'’" and (i + 1 >= end or not text[i + 1].isalpha()))
            if closes:
                out.append((open_at, i + 1))
                open_at = None
        i += 1
    if open_at is not None:
        out.append((open_at, end))
    return out
