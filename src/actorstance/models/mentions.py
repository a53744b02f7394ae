"""Where the actor and the target sit in a sentence, shared by every model family."""

from __future__ import annotations


def char_span(ex: dict, role: str) -> tuple[int, int] | None:
    """The ``role`` mention's character span: given, else its first occurrence in the text."""
    span = ex.get(f"{role}_span")
    if span is None and ex.get(role):
        i = ex["text"].find(ex[role])
        span = (i, i + len(ex[role])) if i >= 0 else None
    return None if span is None else (int(span[0]), int(span[1]))


def mention_spans(ex: dict) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, role)`` for the actor and target mentions, in text order."""
    spans = []
    for role in ("actor", "target"):
        span = char_span(ex, role)
        if span is not None:
            spans.append((int(span[0]), int(span[1]), role))
    spans.sort()
    if len(spans) == 2 and spans[1][0] < spans[0][1]:  # overlap: keep the actor
        spans = [s for s in spans if s[2] == "actor"]
    return spans


def replace_mentions(ex: dict, tokens: dict[str, str]) -> str:
    """The text with each mention replaced by ``tokens[role]`` (masking)."""
    text, out, pos = ex["text"], [], 0
    for start, end, role in mention_spans(ex):
        out += [text[pos:start], f" {tokens[role]} "]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def wrap_mentions(ex: dict, markers: dict[str, tuple[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The text with ``markers[role] = (open, close)`` around each mention, and the new spans."""
    text, out, pos, new_spans, length = ex["text"], [], 0, [], 0
    for start, end, role in mention_spans(ex):
        opening, closing = markers[role]
        piece = text[pos:start] + opening
        out.append(piece)
        length += len(piece)
        new_start = length
        out.append(text[start:end] + closing)
        length += len(text[start:end]) + len(closing)
        new_spans.append((new_start - len(opening), length))
        pos = end
    out.append(text[pos:])
    return "".join(out), new_spans


#: who holds the stance when the actor field is empty
WRITER = "the writer"


def role_prompt(ex: dict) -> str:
    """The actor and target spelled out ("actor: Putin; target: the US"), for models that read them as text."""
    return f"actor: {ex.get('actor') or WRITER}; target: {ex.get('target') or 'none'}"


def token_window(offsets: list[tuple[int, int]], spans: list[tuple[int, int]], limit: int) -> tuple[int, int]:
    """``[lo, hi)`` over tokens with character ``offsets``: at most ``limit`` long, centred on the mentions.

    Used to cut long sentences around the actor and target instead of at the end. When the
    mentions lie further apart than ``limit`` tokens, the window starts at the first one.
    """
    n = len(offsets)
    if n <= limit:
        return 0, n
    hit = [i for i, (s, e) in enumerate(offsets) if any(s < se and e > ss for ss, se in spans)]
    if not hit:
        return 0, limit
    lo, hi = min(hit), max(hit) + 1
    if hi - lo >= limit:
        return lo, lo + limit
    start = min(max(0, lo - (limit - (hi - lo)) // 2), n - limit)
    return start, start + limit
