"""Loading, validation and splitting of stance examples.

Every input format is turned into canonical records
``{"id", "text", "actor", "target", "label", "actor_span", "target_span", "group", "source"}``
(plus any extra scalar columns, kept as strings) and validated once, here. A file with
problems raises :class:`DataError` listing every problem as ``file:line: field: message``;
nothing downstream re-validates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

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


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, refusing binary files and naming the line of bad bytes."""
    path = Path(path)
    check_input_file(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise DataError([f"{path}: binary file (contains NUL bytes), expected UTF-8 text"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([f"{path}:{line}: not valid UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"]) from None
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
                rec = dict(zip(header, row))
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


# ---------------------------------------------------------------------------- validation


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
        text = rec.get("text")
        if text is None:
            bad.append("text: missing field")
        elif not isinstance(text, str) or not text.strip():
            bad.append("text: empty" if isinstance(text, str) else f"text: expected a string, got {type(text).__name__}")
        fields = {}
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
        key = (text, fields["actor"], fields["target"])
        if label is not None:
            if key in seen_keys and seen_keys[key][1] != label:
                first_line, first_label = seen_keys[key]
                problems.append((row.line, f"label: {label!r} contradicts {first_label!r} on line {first_line} for the "
                                           "same text, actor and target"))
            seen_keys.setdefault(key, (row.line, label))
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
