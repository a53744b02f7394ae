"""Candidate (actor, target) pairs of a sentence, and the record the pair scorer sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inputs import Article
from .mentions import ActorLexicon, Mention, TITLE_WORDS
from .segmentation import Sentence

_AFFILIATION_WORDS = TITLE_WORDS | {"of", "the", "a", "an", "for", "to", "at", "its", "'s", "’s", "based"}


def is_affiliation(text: str, first: Mention, second: Mention) -> bool:
    """Two mentions in one noun phrase ("Russia's ambassador, Sergei Baranov", "UN special
    envoy Ingrid Halvorsen", "Joseph Mwangi, the African Union's commissioner"): a title,
    not a stance."""
    gap = text[first.end:second.start]
    if len(gap) > 60 or "\n" in gap:
        return False
    words = re.findall(r"[’']s|[\w-]+", gap)
    if not words and gap.strip() in ("", ","):
        return True
    return all(w.lower() in _AFFILIATION_WORDS or w[0].isupper() or "-" in w for w in words)


@dataclass
class Pair:
    sentence: Sentence
    actor: Mention
    target: Mention
    via: str  # "mention" (both in the sentence) or "quote" (the actor is the quote's speaker)


def sentence_pairs(text: str, sentence: Sentence, mentions: list[Mention], topics: list[Mention] | None) -> list[Pair]:
    """Every (actor, target) pair of a sentence: between the distinct actors mentioned in it
    (both directions) plus the quote's speaker toward each of them; with topics, each actor
    (and the speaker) toward each topic mentioned instead."""
    inside = [m for m in mentions if sentence.start <= m.start and m.end <= sentence.end]
    first: dict[str, Mention] = {}
    for m in inside:
        first.setdefault(m.canonical, m)
    actors = list(first.values())
    out = []
    speaker = sentence.speaker
    if speaker is not None and speaker.canonical in first:
        speaker = None  # named in the sentence itself: an ordinary mention
    if topics is not None:
        found = [t for t in topics if sentence.start <= t.start and t.end <= sentence.end]
        seen_topics: dict[str, Mention] = {}
        for t in found:
            seen_topics.setdefault(t.canonical, t)
        for t in seen_topics.values():
            for a in actors:
                if a.canonical != t.canonical and not (a.start < t.end and t.start < a.end):
                    out.append(Pair(sentence, a, t, "mention"))
            if speaker is not None and speaker.canonical != t.canonical:
                out.append(Pair(sentence, speaker, t, "quote"))
        return out
    for a in actors:
        for b in actors:
            if a is b:
                continue
            lo, hi = (a, b) if a.start < b.start else (b, a)
            if not is_affiliation(text, lo, hi):
                out.append(Pair(sentence, a, b, "mention"))
    if speaker is not None:
        out += [Pair(sentence, speaker, b, "quote") for b in actors]
    return out


def find_topics(text: str, topics: ActorLexicon) -> list[Mention]:
    """Topic mentions (``--target``/targets file) in an article."""
    return [Mention(s, e, text[s:e], c, "TOPIC") for s, e, c in topics.find(text)]


def model_record(article: Article, pair: Pair) -> dict:
    """What the model sees: the sentence, the two mentions and their spans in the sentence
    (the actor's span is None where it is a quote's speaker named in another sentence; a
    speaker frame put in front of the quote scored no better with the tfidf model)."""
    s = pair.sentence
    rel = lambda m: [m.start - s.start, m.end - s.start] if s.start <= m.start and m.end <= s.end else None  # noqa: E731
    a_span = rel(pair.actor)
    return {"id": f"{article.id}:{s.index}:{pair.actor.start}:{pair.target.start}",
            "text": article.text[s.start:s.end],
            "actor": pair.actor.text if a_span else pair.actor.canonical, "target": pair.target.text,
            "actor_span": a_span, "target_span": rel(pair.target)}
