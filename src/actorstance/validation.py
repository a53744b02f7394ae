"""Validation of stance records: every reader's raw rows become canonical records
``{"id", "text", "actor", "target", "label", "actor_span", "target_span", "group", "source"}``
(plus extra scalar columns as strings), checked once, here. A file with problems raises
:class:`DataError` listing every problem as ``file:line: field: message`` (the same problem on
many lines once, with a count; missing columns once, with the columns found and a mapping that
would fit); nothing downstream re-validates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from . import LABELS
from .errors import DataError

CORE_FIELDS = ("id", "text", "actor", "target", "label", "actor_span", "target_span", "group", "source")

#: Aliases accepted only when a label map asks for them (never silently).
COMMON_LABEL_MAPS = {
    "stance": {"favor": "supportive", "against": "critical", "none": "neutral"},
    "sentiment": {"positive": "supportive", "negative": "critical", "neutral": "neutral"},
    "procon": {"pro": "supportive", "con": "critical", "neutral": "neutral"},
}


@dataclass
class RawRow:
    """One record as a reader found it, before validation. ``error`` marks an unreadable line."""

    line: int
    record: dict | None
    error: str | None = None


def normalize_label_map(label_map: dict | str | None) -> dict[str, str]:
    """``{"favor": "supportive", ...}`` or the name of a common map ("stance", "sentiment", "procon")."""
    if not label_map:
        return {}
    if isinstance(label_map, str):
        if label_map not in COMMON_LABEL_MAPS:
            raise DataError([f"unknown label map {label_map!r}; known: {', '.join(COMMON_LABEL_MAPS)}"])
        label_map = COMMON_LABEL_MAPS[label_map]
    out = {}
    for alias, label in dict(label_map).items():
        if label not in LABELS:
            raise DataError([f"label map: {alias!r} -> {label!r}: target label must be one of {', '.join(LABELS)}"])
        out[str(alias).strip().lower()] = label
    return out


def _find_span(text: str, mention: str) -> list[int] | None:
    if not mention:
        return None
    start = text.find(mention)
    if start < 0:
        start = text.lower().find(mention.lower())
    return [start, start + len(mention)] if start >= 0 else None


def _check_span(value, text: str, mention: str, field: str) -> tuple[list[int] | None, str | None]:
    if value is None:
        return _find_span(text, mention), None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None, f"{field}: expected [start, end] character offsets, got {value!r}"
    start, end = value
    if start >= end:
        return None, f"{field}: [{start}, {end}) is empty or reversed: expected start < end"
    if not (0 <= start and end <= len(text)):
        return None, f"{field}: [{start}, {end}) lies outside the text (length {len(text)})"
    if mention and text[start:end] != mention:
        return None, f"{field}: text[{start}:{end}] is {text[start:end]!r}, not the mention {mention!r}"
    return [start, end], None


_SURROGATE = re.compile("[\ud800-\udfff]")


def validate_rows(rows: Iterable[RawRow], path: Path, label_map: dict | str | None = None,
                  require_label: bool = True) -> list[dict]:
    """Canonical records from raw rows; raises DataError naming every problem."""
    amap = normalize_label_map(label_map)
    problems: list[tuple[int, str]] = []  # (line, message)
    records: list[dict] = []
    columns: dict[str, None] = {}  # every column seen, in order
    required = ("text", "actor", "target") + (("label",) if require_label else ())
    lacking = dict.fromkeys(required, 0)  # records without the field
    seen_ids: dict[str, int] = {}
    seen_keys: dict[tuple, tuple[int, str]] = {}
    where = str(path)
    n_rows = n_read = 0
    for row in rows:
        n_rows += 1
        if row.error:
            problems.append((row.line, row.error))
            continue
        rec = row.record or {}
        n_read += 1
        columns.update(dict.fromkeys(rec))
        for field in required:
            lacking[field] += field not in rec
        bad = []
        text: Any = rec.get("text")
        if text is None:
            bad.append("text: missing field")
        elif not isinstance(text, str) or not text.strip():
            bad.append("text: empty" if isinstance(text, str) else f"text: expected a string, got {type(text).__name__}")
        fields: dict[str, str] = {}
        for field in ("actor", "target"):
            value = rec.get(field)
            if value is None:
                if field not in rec:
                    bad.append(f"{field}: missing field (use \"\" for none)")
                value = ""
            if not isinstance(value, str):
                bad.append(f"{field}: expected a string, got {type(value).__name__}")
                value = ""
            fields[field] = value.strip()
        label = rec.get("label")
        if label is None or (isinstance(label, str) and not label.strip()):
            if require_label:
                bad.append("label: missing field" if "label" not in rec else "label: empty")
            label = None
        else:
            key = str(label).strip().lower()
            if key in amap:
                label = amap[key]
            elif key in LABELS:
                label = key
            else:
                hint = " (map aliases with a label map)" if amap == {} else ""
                bad.append(f"label: unknown label {label!r}; expected one of {', '.join(LABELS)}{hint}")
        for field, value in (("text", text), *fields.items()):
            lone = _SURROGATE.search(value) if isinstance(value, str) else None
            if lone:
                bad.append(f"{field}: holds an unpaired surrogate ({lone.group(0).encode('unicode_escape').decode()}), "
                           "not text: was it written by a tool that split UTF-16 pairs?")
        if bad:
            problems.extend((row.line, b) for b in bad)
            continue
        spans = {}
        for field in ("actor", "target"):
            span, err = _check_span(rec.get(f"{field}_span"), text, fields[field], f"{field}_span")
            if err:
                problems.append((row.line, err))
            spans[field] = span
        rid = rec.get("id")
        rid = f"{Path(path).stem}-{row.line}" if rid in (None, "") else str(rid)
        if rid in seen_ids:
            problems.append((row.line, f"id: duplicate id {rid!r} (first on line {seen_ids[rid]})"))
        seen_ids.setdefault(rid, row.line)
        triple = (text, fields["actor"], fields["target"])
        if label is not None:
            if triple in seen_keys and seen_keys[triple][1] != label:
                first_line, first_label = seen_keys[triple]
                problems.append((row.line, f"label: {label!r} contradicts {first_label!r} on line {first_line} for the "
                                           "same text, actor and target"))
            seen_keys.setdefault(triple, (row.line, label))
        out = {
            "id": rid, "text": text, "actor": fields["actor"], "target": fields["target"], "label": label,
            "actor_span": spans["actor"], "target_span": spans["target"],
            "group": None if rec.get("group") in (None, "") else str(rec["group"]),
            "source": str(rec.get("source") or Path(path).stem),
        }
        for k, v in rec.items():
            if k not in out and not k.startswith("_"):
                out[k] = None if v is None else (v if isinstance(v, str) else json.dumps(v))
        records.append(out)
    if n_rows == 0:
        raise DataError([f"{where}: no records found (empty file?)"])
    # missing from every record of several: a column named otherwise, not a row's slip
    absent = [f for f, n in lacking.items() if n == n_read > 1]
    if problems:
        raise DataError(_collapse(where, problems, list(columns), absent, require_label))
    return records


#: Column names that often hold a canonical field: the guesses that a column-mapping hint shows.
COLUMN_GUESSES = {
    "text": ("sentence", "content", "body", "tweet", "snippet", "passage"),
    "actor": ("speaker", "holder", "source", "agent", "subject", "who"),
    "target": ("about", "entity", "object", "topic", "aspect", "towards"),
    "label": ("stance", "sentiment", "polarity", "class", "gold"),
}


def guess_columns(found: Iterable[str], fields: Iterable[str]) -> dict[str, str | None]:
    """``{field: column}`` for each canonical field, guessed from usual names among ``found``
    (None where nothing fits), so that error messages can show a mapping to paste."""
    lower = {c.lower(): c for c in found}
    guesses: dict[str, str | None] = {}
    for field in fields:
        guesses[field] = next((lower[g] for g in COLUMN_GUESSES.get(field, ())
                               if g in lower and lower[g] not in guesses.values()), None)
    return guesses


def columns_problem(where: str, found: list[str], absent: list[str], require_label: bool = True) -> str:
    """One message for a file whose columns are named otherwise: the columns found, those
    expected, and the mapping that reads the file anyway (train.py and the command line)."""
    expected = ["text", "actor", "target"] + (["label"] if require_label else [])
    mapping = {f: c or "COLUMN" for f, c in guess_columns(found, absent).items()}
    train = " ".join(f"data.options.{f}={c}" for f, c in mapping.items())
    cli = " ".join(f"--option {f}={c}" for f, c in mapping.items())
    return (f"{where}: columns {', '.join(found) or '(none)'}; expected {', '.join(expected)} "
            f"(missing: {', '.join(absent)}). Map your columns to them:\n"
            f"    python train.py data=columns data.path={where} {train}\n"
            f"    actorstance predict|evaluate {where} --format columns {cli}")


def _collapse(where: str, problems: list[tuple[int, str]], found: list[str], absent: list[str],
              require_label: bool) -> list[str]:
    """``file:line: message`` per problem, except that a field missing from every record is one
    message about the columns, and a message repeated on many lines is one line with its count."""
    if absent == ["label"]:  # unlabeled records, not misnamed columns
        out = [f"{where}: label: missing field in every record (the columns: {', '.join(found)}); training and "
               "evaluation need labeled data"]
    else:
        out = [columns_problem(where, found, absent, require_label)] if absent else []
    lines_of: dict[str, list[int]] = {}
    for line, message in problems:
        if not any(message.startswith(f"{f}: missing field") for f in absent):
            lines_of.setdefault(message, []).append(line)
    for message, lines in lines_of.items():
        if len(lines) == 1:
            out.append(f"{where}:{lines[0]}: {message}")
        else:
            shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
            out.append(f"{where}: {message} ({len(lines)} rows: lines {shown})")
    return out
