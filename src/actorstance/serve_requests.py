"""Request bodies of ``actorstance serve``: what one request may ask for (:class:`Limits`), and
its JSON read and checked into model records or articles, or refused with an :class:`ApiError`
whose status and message name the problem (415 type, 413 size, 400 syntax, 422 shape)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from fastapi import Request

from .errors import DataError

RECORD_FIELDS = ("text", "actor", "target")


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; past these it gets a 4xx/5xx answer, never the server's time."""

    max_body_kb: int = 1024  # request body (413)
    max_sentences: int = 2000  # records, or sentences over all articles (422)
    timeout_s: float = 30.0  # from arrival, queueing included (504)
    max_waiting: int = 32  # requests queued for the model; more get 503 at once


class ApiError(Exception):
    """An answer other than 200: its status and a message that names the problem."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.problems, self.headers = status, message, problems, headers


async def read_json(request: Request, limits: Limits) -> dict:
    """The request's JSON object, or an :class:`ApiError` naming what is wrong with the body:
    its type (415), size (413), encoding or syntax (400), or shape (422)."""
    ctype = request.headers.get("content-type")
    media = (ctype or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise ApiError(415, f"expected Content-Type: application/json, got {ctype or 'none'}")
    limit = limits.max_body_kb * 1024
    too_big = f"request body over the limit of {limits.max_body_kb} KiB (--max-body-kb): send fewer records or articles"
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, too_big)
    body = bytearray()
    async for chunk in request.stream():  # a chunked body has no Content-Length: count as it comes
        body += chunk
        if len(body) > limit:
            raise ApiError(413, too_big)
    if not body.strip():
        raise ApiError(400, "empty request body: expected a JSON object")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"request body is not UTF-8 text (byte {exc.start}: {bytes(body[exc.start:exc.start + 1])!r})"
                            ": binary data? expected JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "malformed JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiError(422, f"expected a JSON object, got {_json_type(data)}")
    return data


def _json_type(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _fields(data: dict, allowed: Iterable[str]) -> None:
    """Refuse fields the endpoint does not know (a typo, or an attempt to choose a server file)."""
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ApiError(422, f"unknown field(s) {', '.join(map(repr, unknown))}; expected {', '.join(allowed)} "
                            "(the model and its settings are chosen when the server starts)")


def _option(data: dict, name: str, kind: type, default):
    value = data.get(name, default)
    if value is None:
        return default
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ApiError(422, f"{name}: expected a whole number >= 0, got {json.dumps(value)}")
    if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
        raise ApiError(422, f"{name}: expected a number from 0 to 1, got {json.dumps(value)}")
    if kind is bool and not isinstance(value, bool):
        raise ApiError(422, f"{name}: expected true or false, got {json.dumps(value)}")
    return value


def parse_records(data: dict, limits: Limits) -> list[dict]:
    """``{"records": [...]}`` as validated model records: the checks of ``actorstance predict``
    on a file, each problem named ``records:N`` (N counts from 0)."""
    from .data import RawRow, validate_rows

    _fields(data, ("records",))
    records = data.get("records")
    if not isinstance(records, list):
        raise ApiError(422, "records: expected an array of {text, actor, target} objects, got "
                            + ("nothing" if records is None else _json_type(records)))
    if not records:
        raise ApiError(422, "records: empty array; send at least one record")
    if len(records) > limits.max_sentences:
        raise ApiError(422, f"records: {len(records)} records; the limit is {limits.max_sentences} per request "
                            "(--max-sentences): split them over several requests")
    objects = [r for r in records if isinstance(r, dict)]
    absent = [f for f in RECORD_FIELDS if objects and not any(f in r for r in objects)]
    if absent:  # a field named otherwise throughout: one message, not one per record
        found = sorted({k for r in objects for k in r})
        raise ApiError(422, f"records: no record has the field(s) {', '.join(absent)}; each needs "
                            f"{', '.join(RECORD_FIELDS)} (fields found: {', '.join(found) or 'none'})")
    rows = [RawRow(i, r) if isinstance(r, dict) else RawRow(i, None, f"expected an object, got {_json_type(r)}")
            for i, r in enumerate(records)]
    return validate_rows(rows, Path("records"), require_label=False)


def parse_articles(data: dict, limits: Limits) -> tuple[list, dict]:
    """``{"text": ...}`` or ``{"articles": [{"id", "text"}, ...]}`` plus options, as the
    articles of :func:`actorstance.analyze` (same checks) and the options. Each article may carry its own
    ``"actors"`` (with ``"text"``: beside it), the names ``listed_only`` keeps its pairs to."""
    from .api import as_articles
    from .articles.segmentation import count_sentences

    _fields(data, ("text", "actors", "articles", "all_pairs", "per_sentence", "min_probability", "include_text",
                   "listed_only"))
    if ("text" in data) == ("articles" in data):
        raise ApiError(422, 'expected either "text" (one article) or "articles" (an array of {id, text})')
    if "text" in data:
        if not isinstance(data["text"], str):
            raise ApiError(422, f"text: expected a string, got {_json_type(data['text'])}")
        items = [{"id": "0", "text": data["text"], "actors": data.get("actors")}]
    else:
        if "actors" in data:
            raise ApiError(422, 'actors: give each article its own "actors" in "articles"')
        given = data["articles"]
        if not isinstance(given, list) or not given:
            raise ApiError(422, "articles: expected a non-empty array of {id, text} objects")
        items, problems = [], []
        for i, a in enumerate(given):
            if not isinstance(a, dict) or not isinstance(a.get("text"), str):
                problems.append(f"articles[{i}]: expected an object with a string \"text\" (and an optional \"id\")")
            elif set(a) - {"id", "text", "actors"}:
                problems.append(f"articles[{i}]: unknown field(s) {', '.join(sorted(set(a) - {'id', 'text', 'actors'}))}")
            elif not isinstance(a.get("id", i), (str, int)) or isinstance(a.get("id"), bool):
                problems.append(f"articles[{i}]: id: expected a string or a number")
            else:
                items.append({"id": str(a.get("id", i)), "text": a["text"], "actors": a.get("actors")})
        if problems:
            raise DataError(problems)
    articles = as_articles(items)
    n = sum(count_sentences(a.text) for a in articles)
    if n > limits.max_sentences:
        raise ApiError(422, f"{n} sentences; the limit is {limits.max_sentences} per request (--max-sentences): "
                            "send fewer or shorter articles")
    options = {"all_pairs": _option(data, "all_pairs", bool, False),
               "per_sentence": _option(data, "per_sentence", int, None),
               "min_probability": _option(data, "min_probability", float, None),
               "include_text": _option(data, "include_text", bool, False),
               "listed_only": _option(data, "listed_only", bool, None)}
    return articles, options
