"""The actor file: canonical names with aliases (JSON or CSV), matched in text with word
boundaries; the same names across articles. Also the topic list of ``--target``/``--targets``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from ..errors import DataError

class ActorLexicon:
    """Canonical names with aliases, matched in text with word boundaries.

    An alias that starts with a capital letter matches only as written ("Front" must not
    match "front lines"); one that starts in lower case ("the council") also matches
    capitalised at the start of a sentence.
    """

    def __init__(self, entries: dict[str, list[str]] | None = None, ignore_case: bool = False):
        self.ignore_case = ignore_case
        self.canonical_of: dict[str, str] = {}
        for canonical, aliases in (entries or {}).items():
            for name in [canonical, *aliases]:
                name = " ".join(str(name).split())
                if name:
                    self.canonical_of.setdefault(name, canonical)
        self._lower = {k.lower(): v for k, v in self.canonical_of.items()}
        self._regex: re.Pattern | None | bool = None  # False: no names to match

    def __bool__(self) -> bool:
        return bool(self.canonical_of)

    @property
    def canonicals(self) -> set[str]:
        return set(self.canonical_of.values())

    def lookup(self, name: str) -> str | None:
        """The canonical name for ``name`` (exact, else case-insensitive), or None."""
        name = " ".join(name.split())
        return self.canonical_of.get(name) or self._lower.get(name.lower())

    def _pattern(self):
        if self._regex is None:
            parts = []
            for name in sorted(self.canonical_of, key=len, reverse=True):
                body = re.escape(name).replace(r"\ ", r"\s+")
                if name[0].islower() and not self.ignore_case:
                    body = f"[{name[0]}{name[0].upper()}]" + re.escape(name)[1:].replace(r"\ ", r"\s+")
                parts.append(body)
            flags = re.IGNORECASE if self.ignore_case else 0
            self._regex = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags) if parts else False
        return self._regex

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, canonical)``, leftmost and longest first."""
        pattern = self._pattern()
        if not pattern:
            return []
        return [(m.start(), m.end(), self.lookup(m.group(0)) or m.group(0)) for m in pattern.finditer(text)]


def load_lexicon(path: str | Path | None) -> ActorLexicon:
    """The actor file's lexicon (empty without a file)."""
    return ActorLexicon(read_names(path) if path else {})


def topic_lexicon(topics: list[str] | None = None, path: str | Path | None = None) -> ActorLexicon:
    """Topics from ``--target TEXT`` and a targets file, matched in any case."""
    entries = read_names(path) if path else {}
    for t in topics or []:
        entries.setdefault(" ".join(t.split()), [])
    return ActorLexicon(entries, ignore_case=True)


def read_names(path: str | Path) -> dict[str, list[str]]:
    """An actor (or targets) file: JSON ``{canonical: [aliases]}`` or CSV/TSV rows
    ``canonical,alias,alias...`` (a header row starting with name/canonical/actor is skipped)."""
    from ..data import parse_json, read_text

    path = Path(path)
    text = read_text(path)
    entries: dict[str, list[str]] = {}
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            obj = parse_json(text)
        except json.JSONDecodeError as exc:
            raise DataError([f"{path}:{exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})"]) from None
        except ValueError as exc:
            raise DataError([f"{path}: unreadable JSON ({exc})"]) from None
        if isinstance(obj, list):  # a plain list of names
            if not all(isinstance(name, str) for name in obj):
                raise DataError([f"{path}: a JSON list of names must hold strings only; for aliases use "
                                 "{canonical name: [aliases]}"])
            obj = {name: [] for name in obj}
        if not isinstance(obj, dict):
            raise DataError([f"{path}: expected a JSON object {{canonical name: [aliases]}}"])
        problems = []
        for name, aliases in obj.items():
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                problems.append(f"{path}: {name!r}: aliases must be a list of strings")
                continue
            entries[name] = aliases
        if problems:
            raise DataError(problems)
    else:
        delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in text.split("\n", 1)[0] else ","
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            cells = [c.strip() for c in row if c.strip()]
            if not cells or (i == 1 and cells[0].lower() in ("name", "canonical", "actor", "target")):
                continue
            entries.setdefault(cells[0], []).extend(cells[1:])
    if not entries:
        raise DataError([f"{path}: no names found"])
    return entries
