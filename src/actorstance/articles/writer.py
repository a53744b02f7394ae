"""Rows out: streamed JSONL/CSV, or a table at the end."""

from __future__ import annotations

import sys

from .pipeline import ROW_COLUMNS, TABLE_COLUMNS


class RowWriter:
    """JSONL/CSV rows written as they come (to stdout, or atomically to a file); table rows
    are kept, since a table's column widths need them all. ``columns`` (CSV; None: the first
    row's keys) and ``table_columns`` default to the article rows'."""

    def __init__(self, fmt: str, out: str | None, columns: list[str] | None = ROW_COLUMNS,
                 table_columns: list[str] = TABLE_COLUMNS):
        from ..atomic import AtomicFile

        self.fmt, self.out, self.rows = fmt, out, []
        self.columns, self.table_columns = columns, table_columns
        self._file, self._header_done = None, False
        if fmt != "table" and out not in (None, "-"):
            self._file = AtomicFile(out)
            self._fh = self._file.fh
        else:
            self._fh = sys.stdout

    def write(self, rows: list[dict]) -> None:
        from ..output import render

        if self.fmt == "table":
            self.rows += rows
            return
        text = render(rows, self.fmt, self.columns)
        if self.fmt == "csv" and self._header_done:
            text = text.split("\n", 1)[1]
        self._header_done = True
        self._fh.write(text)

    def close(self) -> None:
        from ..output import render, write_text

        if self.fmt == "table":
            write_text(render(self.rows, "table", self.table_columns), self.out)
            return
        if not self._header_done:
            self.write([])
        self._fh.flush()
        if self._file is not None:
            self._file.commit()

    def discard(self) -> None:
        """Leave no partial file behind (the run failed or was interrupted)."""
        if self._file is not None:
            self._file.discard()

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        """Complete on success; on an error or Ctrl-C, no half-written output file."""
        if kind is None:
            self.close()
        else:
            self.discard()
