"""Candidate (actor, target) pairs of a sentence, and the record the pair scorer sees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .inputs import Article
from .detectors import TITLE_WORDS
from .mentions import Mention
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
    if not words:  # "Sergei Baranov, Ingrid Halvorsen"; not a quotation's end ("…ISIS,” Huckabee said")
        return gap.strip() in ("", ",")
    return all(w.lower() in _AFFILIATION_WORDS or w[0].isupper() or "-" in w for w in words)


@dataclass
class Pair:
    sentence: Sentence
    actor: Mention
    target: Mention
    via: str  # "mention" (both in the sentence), "quote" (the actor is the quote's speaker) or
    # "article" (the target is one of the article's main subjects, not named in the sentence)


#: How many of the article's most mentioned names are candidate targets of every sentence with an
#: actor, named there or not ("It was mass murder", said of the story's shooting): none by default.
#: Two were the default while candidate-pair recall chose it (0.518 against 0.418 on the SEESAW
#: train stories used for selection), but on those stories triple F1 is no lower without them
#: (0.193 / 0.185 / 0.185 for the recipe's seeds 0-2 against 0.186 / 0.178 / 0.187), with a quarter
#: fewer pairs to score; on SEESAW valid they are worth 0.005 F1 (docs/articles.md, step 7).
SALIENT = 0
#: With ``salient_holders``: how many of the article's most mentioned names may hold the pairs of a
#: sentence that names no person (the actors among them).
HOLDERS = 2


def _train_data(model) -> dict:
    return ((getattr(model, "info", None) or {}).get("config") or {}).get("data") or {}


def default_salient_holders(model) -> bool:
    """Whether the scorer was trained with the article's main actors as holders of sentences
    that name no person (the ``seesaw`` option ``salient_holders``): prediction makes the
    candidates its training saw."""
    entries = _train_data(model).get("train")
    return isinstance(entries, list) and any(isinstance(e, dict) and (e.get("options") or {}).get("salient_holders") is True
                                             for e in entries)


def salient_mentions(mentions: list[Mention], n: int = SALIENT) -> list[Mention]:
    """The first mention of each of the article's ``n`` most mentioned names (actors and
    topics; ties go to the earlier name)."""
    first: dict[str, Mention] = {}
    count: dict[str, int] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        first.setdefault(m.canonical, m)
        count[m.canonical] = count.get(m.canonical, 0) + 1
    ranked = sorted(first, key=lambda c: (-count[c], first[c].start))
    return [first[c] for c in ranked[:n]]


def sentence_pairs(text: str, sentence: Sentence, actors: list[Mention], topics: list[Mention],
                   actor_pairs: bool = True, salient: Sequence[Mention] = (),
                   holders: Sequence[Mention] = ()) -> list[Pair]:
    """The candidate pairs of a sentence: each actor mentioned in it (named, group or resolved
    reference; one mention per canonical name, a name before a pronoun) toward each other actor
    (both directions; not two names of one noun phrase, "Russia's ambassador, Sergei Baranov")
    and toward each topic in it; the quote's speaker toward all of them; and each of them toward
    the article's ``salient`` names that the sentence does not name. ``holders`` (the article's
    main actors) hold stances toward the sentence's actors and topics where it names no person
    and quotes no one ("The bill would gut Medicaid", in a story about its sponsor).
    ``actor_pairs=False`` keeps the topic pairs only (the user named the topics)."""
    within = lambda ms: [m for m in ms if sentence.start <= m.start and m.end <= sentence.end]  # noqa: E731
    first: dict[str, Mention] = {}
    for m in sorted(within(actors), key=lambda m: (m.kind == "reference", m.start)):
        first.setdefault(m.canonical, m)
    present = sorted(first.values(), key=lambda m: m.start)
    found: dict[str, Mention] = {}
    for t in within(topics):
        if t.canonical not in first:
            found.setdefault(t.canonical, t)
    speaker = sentence.speaker
    if speaker is not None and speaker.canonical in first:
        speaker = None  # named in the sentence itself: an ordinary mention
    out = []
    if actor_pairs:
        for a in present:
            for b in present:
                if a is b:
                    continue
                lo, hi = (a, b) if a.start < b.start else (b, a)
                if not (lo.kind == hi.kind == "name" and is_affiliation(text, lo, hi)):
                    out.append(Pair(sentence, a, b, "mention"))
        if speaker is not None:
            out += [Pair(sentence, speaker, b, "quote") for b in present]
    for t in found.values():
        out += [Pair(sentence, a, t, "mention") for a in present if not (a.start < t.end and t.start < a.end)]
        if speaker is not None and speaker.canonical != t.canonical:
            out.append(Pair(sentence, speaker, t, "quote"))
    if actor_pairs and speaker is None and not any(m.label == "PERSON" for m in present):
        for h in holders:
            if h.canonical not in first:
                out += [Pair(sentence, h, b, "article") for b in [*present, *found.values()]]
    sources = present + ([speaker] if speaker is not None else [])
    for t in salient:
        if t.canonical not in first and t.canonical not in found:
            out += [Pair(sentence, a, t, "article") for a in sources if a.canonical != t.canonical]
    return out


def model_record(article: Article, pair: Pair, sentences: Sequence[Sentence] = ()) -> dict:
    """What the model sees: the sentence, the two mentions and their spans in the sentence (a
    span is None, and the name the canonical one, for a mention outside the sentence: a quote's
    speaker, an article's subject; a speaker frame put in front of the quote scored no better
    with the tfidf model); with the article's ``sentences``, the one before as ``context`` (a
    model with ``context_tokens`` reads it; the others ignore it)."""
    s = pair.sentence
    rel = lambda m: [m.start - s.start, m.end - s.start] if s.start <= m.start and m.end <= s.end else None  # noqa: E731
    a_span, t_span = rel(pair.actor), rel(pair.target)
    return {"id": f"{article.id}:{s.index}:{pair.actor.start}:{pair.target.start}",
            "text": article.text[s.start:s.end],
            "actor": pair.actor.text if a_span else pair.actor.canonical,
            "target": pair.target.text if t_span else pair.target.canonical,
            "actor_span": a_span, "target_span": t_span,
            "via": pair.via, "actor_kind": pair.actor.kind, "target_kind": pair.target.kind,
            "context": article.text[before.start:before.end] if (before := sentence_before(s, sentences)) else ""}


def sentence_before(sentence: Sentence, sentences: Sequence[Sentence]) -> Sentence | None:
    """The sentence before ``sentence`` in the article (``sentences`` in order, indexed from 0)."""
    return sentences[sentence.index - 1] if 0 < sentence.index <= len(sentences) else None
