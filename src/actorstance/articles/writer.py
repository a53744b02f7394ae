"""Rows out: streamed JSONL/CSV/Parquet, or a table at the end."""

from __future__ import annotations

import sys
from typing import Protocol

from .. import LABELS
from ..errors import ActorstanceError
from .pipeline import ROW_COLUMNS, TABLE_COLUMNS


def row_schema():
    """The Arrow types of the article rows (:data:`ROW_COLUMNS`), fixed so that every shard's
    Parquet file has the same schema, an empty one or one without an overruled row too."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ActorstanceError("Parquet output needs pyarrow: pip install pyarrow (or write JSONL)") from None
    span = pa.list_(pa.int64())
    types = {"sentence_index": pa.int64(), "probability": pa.float64(), **{f"p_{lab}": pa.float64() for lab in LABELS},
             **{c: span for c in ROW_COLUMNS if c.endswith("_span")}}
    return pa.schema([(c, types.get(c, pa.string())) for c in ROW_COLUMNS])


class RowWriter:
    """JSONL/CSV rows written as they come (to stdout, or atomically to a file); table rows
    are kept, since a table's column widths need them all. ``columns`` (CSV; None: the first
    row's keys) and ``table_columns`` default to the article rows'."""

    def __init__(self, fmt: str, out: str | None, columns: list[str] | None = ROW_COLUMNS,
                 table_columns: list[str] = TABLE_COLUMNS):
        from ..atomic import AtomicFile

        self.fmt, self.out = fmt, out
        self.rows: list[dict] = []
        self.columns, self.table_columns = columns, table_columns
        self._file, self._header_done, self._parquet = None, False, None
        if fmt == "parquet":
            if out in (None, "-") or columns != ROW_COLUMNS:
                raise ActorstanceError("Parquet output: article rows to a file only")
            import pyarrow.parquet as pq

            self._schema = row_schema()
            self._file = AtomicFile(out, binary=True)
            self._parquet = pq.ParquetWriter(self._file.fh, self._schema)
        elif fmt != "table" and out not in (None, "-"):
            self._file = AtomicFile(out)
            self._fh = self._file.fh
        else:
            self._fh = sys.stdout

    def write(self, rows: list[dict]) -> None:
        from ..output import render

        if self.fmt == "table":
            self.rows += rows
            return
        if self._parquet is not None:  # a row group per chunk
            if rows:
                import pyarrow as pa

                self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))
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
        if self._parquet is not None:
            self._parquet.close()  # the footer; the file itself stays open until commit
            assert self._file is not None  # opened with the parquet writer
            self._file.commit()
            return
        if not self._header_done:
            self.write([])
        self._fh.flush()
        if self._file is not None:
            self._file.commit()

    def discard(self) -> None:
        """Leave no partial file behind (the run failed or was interrupted)."""
        if self._parquet is not None:
            import contextlib

            with contextlib.suppress(Exception):  # the file is removed anyway
                self._parquet.close()
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


class RowSink(Protocol):
    """Where :func:`write_rows` puts rows: a :class:`RowWriter`, or a list that keeps them."""

    def write(self, rows: list[dict]) -> None: ...


def write_rows(pipeline, articles, writer: RowSink, summary, all_pairs: bool = False, progress: bool = False,
               total: int | None = None) -> int:
    """Predict ``articles`` chunk by chunk into ``writer`` (the stance rows, or every candidate
    pair with ``all_pairs``) and every row into ``summary``: one loop for the plain ``predict``,
    the ray engine's shards and the server, so that all write the same rows; the ids of the articles
    that do not read as English go to ``summary.not_english``. Returns the rows written."""
    n = 0
    for chunk, rows in pipeline.run_analysed(articles, progress, total):
        kept = rows if all_pairs else [r for r in rows if r["label"] != "neutral"]
        writer.write(kept)
        summary.add(rows, {a.article.id: a.main_names for a in chunk if a.main_names is not None})
        summary.not_english += [a.article.id for a in chunk if not a.english]
        n += len(kept)
    return n
