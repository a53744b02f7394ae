"""Shards: the units of work of ``actorstance predict --engine ray``, and what makes a rerun resume.

A shard is one input: a JSONL or Parquet file of articles, or a folder of text files (a folder
holding JSONL/Parquet files is one shard per file). Its results go to ``OUT/NAME.rows.jsonl``
(or ``.parquet``) and ``OUT/NAME.summary.jsonl``, each written atomically; only then is
``OUT/NAME.done.json`` written (atomically too), recording the input's fingerprint, the settings,
the articles (count and ids), the rows and the SHA-256 of both files. A shard counts as done only
if that record matches this run's input and settings and the files still hash to it: a run killed
mid-shard leaves at most temporary files and no record, so the shard is done again, never taken
as complete from a partial file. Nothing here imports Ray: a worker calls :func:`run_shard`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..atomic import sha256_file
from ..errors import ActorstanceError
from .inputs import ARTICLE_SUFFIXES, _article_files, iter_articles

#: Files in a folder that are shards of their own.
SHARD_SUFFIXES = (".jsonl", ".ndjson", ".json", ".parquet")
ROW_SUFFIX = {"jsonl": ".rows.jsonl", "parquet": ".rows.parquet"}


@dataclass(frozen=True)
class Shard:
    path: str  # the input, as given
    name: str  # its outputs' stem, unique within a run

    def outputs(self, out_dir: Path, fmt: str) -> tuple[Path, Path, Path]:
        """Rows, summary part, done record."""
        base = Path(out_dir) / self.name
        return (base.with_name(self.name + ROW_SUFFIX[fmt]), base.with_name(self.name + ".summary.jsonl"),
                base.with_name(self.name + ".done.json"))


def list_shards(inputs) -> list[Shard]:
    """One shard per input file or folder of text files; a folder of JSONL/Parquet files, one per
    file (sorted). Names are the file stems; stems that clash get a hash of the path, so that a
    rerun with the same inputs finds the same names."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix.lower() in SHARD_SUFFIXES) \
            if path.is_dir() else []
        if files and any(f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES for f in path.iterdir()):
            raise ActorstanceError(f"{path}: holds both shard files (JSONL/Parquet) and article text files; give the "
                                   "text files a folder of their own (one shard)")
        paths += files or [path]
    seen: dict[Path, Path] = {}
    for p in paths:
        key = p.resolve()
        if key in seen:
            raise ActorstanceError(f"{p}: given twice (as {seen[key]}); each shard once, or its articles would be "
                                   "predicted twice")
        seen[key] = p
    stems = Counter(p.stem for p in paths)
    return [Shard(str(p), p.stem if stems[p.stem] == 1 else
                  f"{p.stem}-{hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]}") for p in paths]


def fingerprint(path: str | Path) -> str | None:
    """The input as last modified: names, sizes and modification times of its files (cheap; an
    edited shard is predicted again). None if it does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    h = hashlib.sha256()
    for f in _article_files(path):
        st = f.stat()
        h.update(f"{f.relative_to(path) if path.is_dir() else f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()




def completed(shard: Shard, out_dir: Path, fmt: str, settings: dict) -> dict | None:
    """The shard's done record if its outputs are complete for this input and these settings;
    None if it must be (re)done. Raises if they were made with other settings: results of two
    settings in one folder would be mixed up by resuming."""
    rows, _, done = shard.outputs(out_dir, fmt)
    try:
        record = json.loads(done.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no record (never done, or killed before it): do it
    if record.get("settings") != settings:
        old = record.get("settings") or {}
        keys = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        raise ActorstanceError(f"{out_dir}: holds results made with other settings ({', '.join(keys)} differ, see "
                               f"{done.name}); give another --out-dir, or remove this one")
    if record.get("source") != shard.path or record.get("input") != fingerprint(shard.path):
        return None  # the input changed since
    for name, digest in record.get("files", {}).items():
        path = Path(out_dir) / name
        if not path.is_file() or sha256_file(path) != digest:
            return None
    return record


def run_shard(pipeline, shard: Shard, out_dir: str | Path, fmt: str, *, all_pairs: bool, evidence: int,
              settings: dict) -> dict:
    """Predict one shard into its files, then write its done record; returns the record.

    Unreadable articles are listed in the record's ``problems`` (``FILE:LINE: ...``) and the rest
    of the shard is predicted, as the plain ``predict`` does."""
    from ..atomic import atomic_open
    from .summary import Summary
    from .writer import RowWriter, write_rows

    rows_path, summary_path, done_path = shard.outputs(Path(out_dir), fmt)
    input_print = fingerprint(shard.path)  # before reading: an edit during the run makes the next run redo it
    problems: list[str] = []
    ids: list[str] = []

    def articles():
        for article in iter_articles([shard.path], problems):
            ids.append(article.id)
            yield article

    summary = Summary(evidence)
    with RowWriter(fmt, str(rows_path)) as writer:
        n_rows = write_rows(pipeline, articles(), writer, summary, all_pairs)
    summary.write_part(summary_path)
    record = {"source": shard.path, "input": input_print, "settings": settings, "articles": len(ids),
              "rows": n_rows, "problems": problems, "not_english": summary.not_english,
              "files": {p.name: sha256_file(p) for p in (rows_path, summary_path)}, "ids": ids}
    with atomic_open(done_path) as fh:
        json.dump(record, fh, ensure_ascii=False)
    return record
