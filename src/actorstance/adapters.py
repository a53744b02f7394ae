"""Readers for public stance data sets as their authors publish them.

Each adapter turns one published file into canonical records (see :mod:`actorstance.data`)
and registers itself as a format: ``--format NAME`` on the command line, ``data.format=NAME``
in a config, or detected from the file's content where that is unambiguous. Adapters only
*translate*; validation (spans, labels, ids, contradictions) happens once, in
:func:`actorstance.validation.validate_rows`, so every problem is reported as ``file:line: field``.

- ``park2021``  Park, Pan & Joo (2021) directed sentiment: ``sentence<TAB>p<TAB>q<TAB>label``.
- ``newsmtsc``  Hamborg & Donnay (2021) NewsMTSC JSONL, one record per target.
- ``semeval2016`` SemEval-2016 Task 6 stance files: ``ID<TAB>Target<TAB>Tweet<TAB>Stance``.
- ``columns``   any CSV/JSONL whose fields have other names, mapped through ``options``.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path
from typing import Iterator

from .data import Format, RawRow, parse_json, read_csv, read_jsonl, read_text, register_format
from .validation import CORE_FIELDS
from .errors import DataError

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ park2021

#: Park et al.'s five classes as (stance of p toward q, stance of q toward p). The scheme
#: gives one label a line, so it cannot say that both entities hold a sentiment: a directed
#: label therefore makes the reverse direction neutral ("no sentiment annotated that way").
PARK2021_LABELS = {
    "0": ("neutral", "neutral"),
    "1": ("supportive", "neutral"),   # p positive toward q
    "2": ("neutral", "supportive"),   # q positive toward p
    "3": ("critical", "neutral"),     # p negative toward q
    "4": ("neutral", "critical"),     # q negative toward p
}
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")


def _unbracket(sentence: str, p: str, q: str) -> tuple[str, list[int], list[int]]:
    """The sentence without the two mention brackets, and the ``[start, end)`` spans of p and q.

    A bracket that cuts a word short (``[the United State]s``) is extended to the end of the
    word, so that the mention is ``the United States`` and no marker lands inside a word.
    Raises ValueError (naming the field) when p or q is not bracketed in the sentence.
    """
    matches = list(_BRACKETED.finditer(sentence))
    chosen: dict[str, re.Match] = {}
    for name, mention in (("p", p), ("q", q)):
        for m in matches:
            if m.group(1).strip() == mention and m not in chosen.values():
                chosen[name] = m
                break
        else:
            found = ", ".join(repr(m.group(1)) for m in matches) or "none"
            raise ValueError(f"{name}: {mention!r} is not bracketed in the sentence (bracketed: {found})")
    text_parts, spans, pos = [], {}, 0
    out_len = 0
    for name, m in sorted(chosen.items(), key=lambda kv: kv[1].start()):
        before = sentence[pos:m.start()]
        text_parts.append(before)
        out_len += len(before)
        inner = m.group(1)
        lead = len(inner) - len(inner.lstrip())
        start = out_len + lead
        end = start + len(inner.strip())
        text_parts.append(inner)
        out_len += len(inner)
        spans[name] = [start, end]
        pos = m.end()
    text_parts.append(sentence[pos:])
    text = "".join(text_parts)
    starts = sorted(s[0] for s in spans.values())
    for span in spans.values():  # a bracket that cut a word short: take the rest of the word
        stop = min([st for st in starts if st >= span[1]] + [len(text)])  # never into the other mention
        if text[span[1] - 1:span[1]].strip():
            while span[1] < stop and text[span[1]].isalnum():
                span[1] += 1
    return text, spans["p"], spans["q"]


def read_park2021(path: Path, options: dict) -> Iterator[RawRow]:
    """Two directed examples a line (p->q, q->p); exact duplicate lines are read once.

    The file is tab-separated with CSV quoting where a field holds a double quote (as the
    authors' file has), so it is parsed with :mod:`csv`. ``options.keep_duplicates: true``
    keeps repeated lines (ids stay unique: they carry the line number).
    """
    text = read_text(path)
    keep_duplicates = bool(options.get("keep_duplicates"))
    source = f"park2021:{Path(path).stem}"
    seen: dict[str, int] = {}
    duplicates = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not keep_duplicates:
            if line in seen:
                duplicates += 1
                continue
            seen[line] = lineno
        try:
            fields = next(csv.reader([line], delimiter="\t"))
        except csv.Error as exc:
            yield RawRow(lineno, None, f"unreadable line ({exc})")
            continue
        if len(fields) != 4:
            yield RawRow(lineno, None, f"expected 4 tab-separated fields (sentence, p, q, label), found {len(fields)}")
            continue
        sentence, p, q, label = (f.strip() for f in fields)
        if label not in PARK2021_LABELS:
            yield RawRow(lineno, None, f"label: unknown label {label!r}; expected 0-4 (Park et al. 2021 classes)")
            continue
        if not p or not q:
            yield RawRow(lineno, None, f"{'p' if not p else 'q'}: empty entity mention")
            continue
        try:
            clean, p_span, q_span = _unbracket(sentence, p, q)
        except ValueError as exc:
            yield RawRow(lineno, None, str(exc))
            continue
        p_mention, q_mention = clean[p_span[0]:p_span[1]], clean[q_span[0]:q_span[1]]
        pq, qp = PARK2021_LABELS[label]
        common = {"text": clean, "group": clean, "source": source, "park2021_label": label}
        yield RawRow(lineno, {**common, "id": f"park2021-{lineno}-pq", "actor": p_mention, "target": q_mention,
                              "actor_span": p_span, "target_span": q_span, "label": pq})
        yield RawRow(lineno, {**common, "id": f"park2021-{lineno}-qp", "actor": q_mention, "target": p_mention,
                              "actor_span": q_span, "target_span": p_span, "label": qp})
    if duplicates:
        log.info("%s: skipped %d exact duplicate lines (park2021; options.keep_duplicates keeps them)",
                 path, duplicates)


def _looks_park2021(path: Path, head: list[str]) -> bool:
    if not head:
        return False
    for line in head:
        fields = line.split("\t")
        if len(fields) != 4 or fields[3].strip() not in PARK2021_LABELS or not _BRACKETED.search(fields[0]):
            return False
    return True


# ------------------------------------------------------------------------------ newsmtsc

#: NewsMTSC polarity of the sentence toward the target's mention.
NEWSMTSC_POLARITY = {2.0: "critical", 4.0: "neutral", 6.0: "supportive"}


def read_newsmtsc(path: Path, options: dict) -> Iterator[RawRow]:
    """One record per target: the holder is the writer (actor ""), the target the mention.

    ``from``/``to`` are character offsets with ``to`` exclusive (true for every target in
    the published train/dev files). Coreferent ``further_mentions`` are kept as a JSON list of
    ``[start, end]`` spans in the field ``further_mention_spans``.
    """
    source = f"newsmtsc:{Path(path).stem}"
    for raw in read_jsonl(path, options):
        if raw.error:
            yield raw
            continue
        obj = raw.record or {}
        sentence, targets = obj.get("sentence_normalized"), obj.get("targets")
        if not isinstance(sentence, str):
            yield RawRow(raw.line, None, "sentence_normalized: missing or not a string")
            continue
        if not isinstance(targets, list) or not targets:
            yield RawRow(raw.line, None, "targets: missing or empty (expected a list of targets)")
            continue
        for i, t in enumerate(targets):
            where = f"targets[{i}]"
            if not isinstance(t, dict):
                yield RawRow(raw.line, None, f"{where}: expected an object, got {type(t).__name__}")
                continue
            missing = [k for k in ("from", "to", "mention", "polarity") if k not in t]
            if missing:
                yield RawRow(raw.line, None, f"{where}.{missing[0]}: missing field")
                continue
            try:
                label = NEWSMTSC_POLARITY[float(t["polarity"])]
            except (TypeError, ValueError, KeyError):
                yield RawRow(raw.line, None, f"{where}.polarity: unknown polarity {t['polarity']!r}; "
                                             "expected 2.0 (negative), 4.0 (neutral) or 6.0 (positive)")
                continue
            further = [[m.get("from"), m.get("to")] for m in t.get("further_mentions") or [] if isinstance(m, dict)]
            yield RawRow(raw.line, {
                "id": str(t.get("Input.gid") or f"{Path(path).stem}-{raw.line}-{i}"),
                "text": sentence, "actor": "", "target": t["mention"], "target_span": [t["from"], t["to"]],
                # the sentence, not primary_gid: a few sentences recur under two gids
                "label": label, "group": sentence, "source": source, "primary_gid": obj.get("primary_gid"),
                "further_mention_spans": further or None,
            })


def _looks_newsmtsc(path: Path, head: list[str]) -> bool:
    try:
        obj = parse_json(head[0]) if head else None
    except ValueError:
        return False
    return isinstance(obj, dict) and "sentence_normalized" in obj and "targets" in obj


# --------------------------------------------------------------------------- semeval2016

SEMEVAL2016_STANCE = {"FAVOR": "supportive", "AGAINST": "critical", "NONE": "neutral"}
SEMEVAL2016_HEADER = ("ID", "Target", "Tweet", "Stance")


def _decode_legacy(path: Path) -> str:
    """UTF-8, else Windows-1252 (as parts of the original SemEval files are), said in the log."""
    try:
        return read_text(path)
    except DataError as exc:
        if "not valid UTF-8" not in str(exc):
            raise
    log.warning("%s: not valid UTF-8; read as Windows-1252 (as the original SemEval-2016 files are)", path)
    # the five bytes cp1252 leaves undefined are control characters in latin-1 too: replace them
    return Path(path).read_bytes().decode("cp1252", errors="replace")


def read_semeval2016(path: Path, options: dict) -> Iterator[RawRow]:
    """Tab-separated with the header ``ID Target Tweet Stance`` (further columns are kept).

    The holder is the tweet's author (actor ""); the target is the Target column. FAVOR,
    AGAINST and NONE are this format's own labels and map to supportive, critical and
    neutral here; ``UNKNOWN`` (the label placeholder of unlabeled test files) means no label.
    """
    lines = _decode_legacy(path).splitlines()
    header_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if header_at is None:
        return
    header = [h.strip() for h in lines[header_at].split("\t")]
    if tuple(header[:4]) != SEMEVAL2016_HEADER:
        yield RawRow(header_at + 1, None, f"header: expected {' '.join(SEMEVAL2016_HEADER)} (tab-separated), "
                                          f"found {' '.join(header)}")
        return
    for lineno, line in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not line.strip():
            continue
        cells = line.split("\t")  # tweets carry unbalanced quotes: no CSV quoting here
        if len(cells) != len(header):
            yield RawRow(lineno, None, f"expected {len(header)} tab-separated columns as in the header, found {len(cells)}")
            continue
        row = dict(zip(header, (c.strip() for c in cells)))
        stance = row.pop("Stance")
        if stance.upper() == "UNKNOWN" or not stance:
            label = None
        elif stance.upper() in SEMEVAL2016_STANCE:
            label = SEMEVAL2016_STANCE[stance.upper()]
        else:
            yield RawRow(lineno, None, f"Stance: unknown stance {stance!r}; expected FAVOR, AGAINST or NONE")
            continue
        record = {"id": row.pop("ID"), "text": row.pop("Tweet"), "actor": "", "target": row.pop("Target"),
                  "label": label, "source": f"semeval2016:{Path(path).stem}"}
        record.update({k.lower().replace(" ", "_"): v for k, v in row.items()})
        yield RawRow(lineno, record)


def _looks_semeval2016(path: Path, head: list[str]) -> bool:
    return bool(head) and tuple(h.strip() for h in head[0].lstrip("\ufeff").split("\t")[:4]) == SEMEVAL2016_HEADER


# ------------------------------------------------------------------------------- columns

def _lookup(record: dict, column: str):
    """A column by name; ``a.b`` reaches into nested JSON objects."""
    if column in record:
        return True, record[column]
    node = record
    for part in column.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def read_columns(path: Path, options: dict) -> Iterator[RawRow]:
    """CSV/TSV or JSONL with other field names: ``options`` maps canonical field -> column.

    E.g. ``{text: sentence, actor: source, target: entity, label: stance}``. A field mapped to
    null is empty in every record (``actor: null`` -> the writer holds the stance); unmapped
    fields keep their own name. ``file_format: csv|jsonl`` overrides the extension; foreign
    label values go through the config's ``label_map``.
    """
    # the option keys that name a canonical field are the mapping; the others go to the file reader
    mapping = {k: v for k, v in options.items() if k in CORE_FIELDS}
    reader_options = {k: v for k, v in options.items() if k not in CORE_FIELDS}
    kind = str(reader_options.pop("file_format", "") or "").lower()
    if not kind:
        kind = "jsonl" if Path(path).suffix.lower() in (".jsonl", ".json", ".ndjson") else "csv"
    if kind not in ("csv", "jsonl"):
        yield RawRow(1, None, f"options.file_format: expected csv or jsonl, got {kind!r}")
        return
    if not mapping:
        yield RawRow(1, None, "no column mapping given for the columns format: set data.options, e.g. "
                              "{text: sentence, actor: source, target: entity, label: stance}")
        return
    reader = read_jsonl if kind == "jsonl" else read_csv
    mapped_columns = {c for c in mapping.values() if c}
    for raw in reader(path, reader_options):
        if raw.error:
            yield raw
            continue
        record = raw.record or {}
        rec = {k: v for k, v in record.items() if k not in mapped_columns}
        problems = []
        for field, column in mapping.items():
            if column in (None, ""):
                rec[field] = "" if field in ("actor", "target") else None
                continue
            found, value = _lookup(record, str(column))
            if not found:
                problems.append(f"{column}: missing column (mapped to {field} by the column mapping)")
                continue
            if field in ("actor_span", "target_span") and isinstance(value, str):
                try:
                    value = parse_json(value) if value.strip() else None
                except ValueError:
                    pass  # reported by validation as a malformed span
            rec[field] = value
        if problems:
            yield RawRow(raw.line, None, "; ".join(problems) + f" (the columns here: {', '.join(record)})")
            continue
        yield RawRow(raw.line, rec)


register_format(Format("park2021", read_park2021, _looks_park2021,
                       "Park et al. 2021 directed sentiment: sentence<TAB>p<TAB>q<TAB>label, [bracketed] entities"))
register_format(Format("newsmtsc", read_newsmtsc, _looks_newsmtsc,
                       "NewsMTSC JSONL: sentence_normalized + targets (one record per target)"))
register_format(Format("semeval2016", read_semeval2016, _looks_semeval2016,
                       "SemEval-2016 Task 6: ID<TAB>Target<TAB>Tweet<TAB>Stance"))
register_format(Format("columns", read_columns, None,
                       "CSV/JSONL with other field names, mapped by options {text: COLUMN, ...}"))


def _read_seesaw(path: Path, options: dict) -> Iterator[RawRow]:
    from .articles.seesaw import read_seesaw_candidates  # spaCy and the article pipeline: only when used

    return read_seesaw_candidates(path, options)


def _looks_seesaw(path: Path, head: list[str]) -> bool:
    return path.is_dir() and (path / "meta").is_dir() and (path / "annotations").is_dir()


register_format(Format("seesaw", _read_seesaw, _looks_seesaw,
                       "SEESAW articles (a folder): the article pipeline's candidate pairs, labeled from the gold"))


def _read_gold_articles(path: Path, options: dict) -> Iterator[RawRow]:
    from .articles.seesaw import read_gold_article_candidates

    return read_gold_article_candidates(path, options)


def _looks_gold_articles(path: Path, head: list[str]) -> bool:
    return path.is_dir() and any(path.glob("*.gold.jsonl"))


register_format(Format("gold_articles", _read_gold_articles, _looks_gold_articles,
                       "articles with gold stances (a folder of NAME.txt + NAME.gold.jsonl, as data/articles): "
                       "the article pipeline's candidate pairs, labeled from the gold"))
