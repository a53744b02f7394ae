"""Writing result rows as a readable table, JSONL or CSV — to stdout or atomically to a file."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path
from typing import Sequence

OUTPUT_FORMATS = ("table", "jsonl", "csv")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split())  # one line per row: a hard-wrapped sentence's line breaks become spaces


def render_table(rows: Sequence[dict], columns: Sequence[str] | None = None, max_width: int | None = None) -> str:
    """Aligned columns that fit the terminal: the last column (usually the sentence) is cut
    first, then the widest others (down to 8 characters, so numbers stay whole)."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    widths = [min(w, 40) for w in widths[:-1]] + [widths[-1]]
    max_width = max_width or shutil.get_terminal_size((160, 20)).columns
    widths[-1] = max(20, min(widths[-1], max_width - sum(widths[:-1]) - 2 * (len(columns) - 1)))
    while sum(widths) + 2 * (len(columns) - 1) > max_width and max(widths) > 8:  # still too wide: the widest give
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def fmt(values):
        parts = []
        for v, w in zip(values, widths):
            v = v if len(v) <= w else v[: max(w - 1, 1)] + "…"
            parts.append(v.ljust(w))
        return "  ".join(parts).rstrip()

    lines = [fmt(columns), fmt(["-" * w for w in widths])]
    lines += [fmt(row) for row in cells]
    return "\n".join(lines)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        cols = list(columns or (rows[0].keys() if rows else []))
        writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: _cell(r.get(c)) if isinstance(r.get(c), (list, tuple, dict)) else r.get(c) for c in cols})
        return buf.getvalue()
    if fmt == "table":
        return render_table(rows, columns) + "\n"
    raise ValueError(f"unknown output format {fmt!r}; known: {', '.join(OUTPUT_FORMATS)}")


def write_text(text: str, out: str | Path | None) -> None:
    """To stdout, or to a file via a temporary file and a rename (never half-written)."""
    if out in (None, "-"):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .atomic import atomic_open

    with atomic_open(out) as fh:
        fh.write(text)


def format_from_path(path: str | Path | None, default: str = "table") -> str:
    if path in (None, "-"):
        return default
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}.get(suffix, default)
