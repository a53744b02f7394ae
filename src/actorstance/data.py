"""Loading and splitting of stance examples: the format registry, bounded reading of input
files, the built-in JSONL and CSV readers, and ``datasets`` conversion. Every reader's rows are
validated once, by :mod:`.validation`, into canonical records; nothing downstream re-validates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .errors import DataError
from .validation import RawRow, validate_rows

Reader = Callable[[Path, dict], Iterator[RawRow]]


@dataclass
class Format:
    name: str
    reader: Reader
    #: returns True when a file is recognisably in this format (for auto-detection)
    detect: Callable[[Path, list[str]], bool] | None = None
    description: str = ""


_FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    _FORMATS[fmt.name] = fmt
    return fmt


def formats() -> dict[str, Format]:
    """Every input format by name: the built-in ones here and the adapters' (registered when
    :mod:`.adapters` is imported, which happens here, so no caller depends on import order)."""
    from . import adapters  # noqa: F401  (adapters imports this module: imported here, not at the top)

    return _FORMATS


# ---------------------------------------------------------------------------- reading text


def parse_json(text: str):
    """``json.loads`` where every way to fail is a ``ValueError`` with a short reason: invalid
    JSON (a ``json.JSONDecodeError``, with its line and column), an integer of thousands of
    digits, or nesting too deep for Python's recursion."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:
        raise ValueError(str(exc).split(";")[0]) from None


#: Input files larger than this many MiB are refused (they are read whole, bytes and text at once);
#: the environment variable ACTORSTANCE_MAX_FILE_MB raises or lowers it.
MAX_FILE_MB = 256


def max_file_bytes() -> int:
    try:
        return int(float(os.environ.get("ACTORSTANCE_MAX_FILE_MB", MAX_FILE_MB)) * 2**20)
    except ValueError:
        raise DataError([f"ACTORSTANCE_MAX_FILE_MB={os.environ['ACTORSTANCE_MAX_FILE_MB']!r}: expected a number "
                         "of MiB"]) from None


def check_input_file(path: Path) -> int:
    """The size of a readable regular input file; a clear error for anything else (a missing
    file, a folder, a pipe or device, which would block or never end, or a file over the limit)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise DataError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError([f"{path}: is a directory, expected a file"])
    if not stat.S_ISREG(st.st_mode):
        raise DataError([f"{path}: not a regular file (a pipe, socket or device); save it to a file, or pipe it to "
                         "standard input as '-'"])
    limit = max_file_bytes()
    if st.st_size > limit:
        raise DataError([f"{path}: {st.st_size / 2**20:,.0f} MiB, over the input limit of {limit / 2**20:,.0f} MiB "
                         "(split the file, or set ACTORSTANCE_MAX_FILE_MB)"])
    return st.st_size


#: Documents people save news as that are not text: named, with how to get their text, rather than read as
#: garbage (an RTF file is ASCII) or refused for a stray byte.
_DOCUMENT_MAGIC = {b"%PDF-": "a PDF document: extract its text first (e.g. pdftotext FILE.pdf FILE.txt)",
                   b"PK\x03\x04": "a zip archive or Word/OpenDocument file: save or extract it as plain text first",
                   b"{\\rtf": "an RTF document: save it as plain text first"}


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, refusing binary files and documents and naming the line of bad bytes."""
    path = Path(path)
    check_input_file(path)
    raw = path.read_bytes()
    for magic, what in _DOCUMENT_MAGIC.items():
        if raw.startswith(magic):
            raise DataError([f"{path}: {what}"])
    if b"\x00" in raw[:65536]:
        raise DataError([f"{path}: binary file (contains NUL bytes), expected UTF-8 text"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([f"{path}:{line}: not valid UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}; "
                         "save it as UTF-8, e.g. iconv -f windows-1252 -t utf-8 FILE)"]) from None
    return text


def head_lines(path: Path, n: int = 5) -> list[str]:
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):  # a pipe would block the sniffing
            return []
        with open(path, "rb") as fh:
            head = fh.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return []
    return [ln for ln in head.splitlines() if ln.strip()][:n]


# ------------------------------------------------------------------------ built-in formats


def read_jsonl(path: Path, options: dict) -> Iterator[RawRow]:
    for i, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = parse_json(line)
        except json.JSONDecodeError as exc:
            yield RawRow(i, None, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValueError as exc:
            yield RawRow(i, None, f"unreadable JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            yield RawRow(i, None, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield RawRow(i, obj)


def read_csv(path: Path, options: dict) -> Iterator[RawRow]:
    text = read_text(path)
    delimiter = options.get("delimiter") or ("\t" if Path(path).suffix.lower() == ".tsv" else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield RawRow(1, None, f"unreadable CSV header ({exc})")
        return
    header = [h.strip() for h in header]
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(line, None, f"unreadable CSV row ({exc})")
            return
        swallowed = [ln for cell in row if "\n" in cell for ln in cell.split("\n")
                     if ln.count(delimiter) >= len(header) - 1 > 0]
        if swallowed:  # a quote opened and closed rows later: the rows between became one field
            yield RawRow(line, None, f"a quoted field runs over {reader.line_num - line + 1} lines and holds "
                                     f"what look like rows ({swallowed[0][:40]!r}...): an unbalanced quote?")
        elif any(cell.strip() for cell in row):
            if len(row) != len(header):
                yield RawRow(line, None, f"expected {len(header)} columns as in the header, found {len(row)}")
            else:
                rec: dict[str, Any] = dict(zip(header, row))
                for key in ("actor_span", "target_span"):
                    if rec.get(key, "").strip():
                        try:
                            rec[key] = parse_json(rec[key])
                        except ValueError:
                            pass  # reported by validation as a malformed span
                    elif key in rec:
                        rec[key] = None
                yield RawRow(line, rec)
        line = reader.line_num + 1


def _looks_jsonl(path: Path, head: list[str]) -> bool:
    return Path(path).suffix.lower() in (".jsonl", ".json", ".ndjson")


def _looks_csv(path: Path, head: list[str]) -> bool:
    return Path(path).suffix.lower() in (".csv", ".tsv")


register_format(Format("jsonl", read_jsonl, _looks_jsonl, "canonical records, one JSON object a line"))
register_format(Format("csv", read_csv, _looks_csv, "canonical records, a header row naming the fields"))


def get_format(name: str | None, path: Path) -> Format:
    """The named format, or the one detected from the file."""
    known = formats()
    if name:
        if name not in known:
            raise DataError([f"{path}: unknown format {name!r}; known: {', '.join(sorted(known))}"])
        return known[name]
    head = head_lines(path)
    # adapters first: they recognise content, the built-ins only an extension
    for fmt in sorted(known.values(), key=lambda f: f.name in ("jsonl", "csv")):
        if fmt.detect and fmt.detect(path, head):
            return fmt
    raise DataError([f"{path}: cannot tell the format from the file; pass a format ({', '.join(sorted(known))})"])


def read_records(path: str | Path, format: str | None = None, label_map=None, require_label: bool = True,
                 options: dict | None = None) -> list[dict]:
    """Validated canonical records (plain dicts) from one file."""
    path = Path(path)
    fmt = get_format(format, path)
    return validate_rows(fmt.reader(path, dict(options or {})), path, label_map, require_label)


def to_dataset(records: list[dict]):
    """A ``datasets.Dataset`` with fixed types for the canonical columns."""
    import datasets

    features = {
        "id": datasets.Value("string"), "text": datasets.Value("string"),
        "actor": datasets.Value("string"), "target": datasets.Value("string"),
        "label": datasets.Value("string"),
        "actor_span": datasets.Sequence(datasets.Value("int32"), length=2),
        "target_span": datasets.Sequence(datasets.Value("int32"), length=2),
        "group": datasets.Value("string"), "source": datasets.Value("string"),
    }
    extras = sorted({k for r in records for k in r} - set(features))
    for k in extras:
        features[k] = datasets.Value("string")
    rows = [{k: r.get(k) for k in features} for r in records]
    return datasets.Dataset.from_list(rows, features=datasets.Features(features))


def load(path: str | Path, format: str | None = None, label_map=None, require_label: bool = True,
         options: dict | None = None):
    """Load and validate one file as a ``datasets.Dataset``."""
    return to_dataset(read_records(path, format, label_map, require_label, options))


def load_many(paths: Iterable[str | Path], format: str | None = None, label_map=None, require_label: bool = True,
              options: dict | None = None):
    """Several files as one dataset (each file validated on its own)."""
    records: list[dict] = []
    for p in paths:
        records.extend(read_records(p, format, label_map, require_label, options))
    return to_dataset(records)


# ---------------------------------------------------------------------------- splits & ids


def group_key(example: dict) -> str:
    """The unit a split never cuts: the group, or else the sentence itself."""
    return example.get("group") or example["text"]


def split_by_group(ds, fraction: float, seed: int = 0):
    """``(rest, held_out)`` with about ``fraction`` of the examples held out, whole groups only."""
    if not 0 < fraction < 1:
        raise ValueError(f"split fraction must lie in (0, 1), got {fraction}")
    keys = [group_key(ex) for ex in ds]
    sizes: dict[str, int] = {}
    for k in keys:
        sizes[k] = sizes.get(k, 0) + 1
    groups = sorted(sizes)
    random.Random(seed).shuffle(groups)
    want, held, taken = fraction * len(keys), set(), 0
    for g in groups:
        if taken >= want:
            break
        held.add(g)
        taken += sizes[g]
    held_idx = [i for i, k in enumerate(keys) if k in held]
    rest_idx = [i for i, k in enumerate(keys) if k not in held]
    return ds.select(rest_idx), ds.select(held_idx)


def fingerprint(ds) -> str:
    """A short content hash of the examples a model was trained on."""
    h = hashlib.sha256()
    for ex in ds:
        h.update(json.dumps([ex["text"], ex["actor"], ex["target"], ex["label"]], ensure_ascii=False).encode())
    return h.hexdigest()[:16]
