"""Candidate (actor, target) pairs of a sentence, and the record the pair scorer sees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
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
    via: str  # "mention" (both in the sentence), "quote" (the actor is the quote's speaker),
    # "article" (the target is one of the article's main subjects, not named in the sentence) or
    # "context" (the target is named in the sentence before; the sentence names its actor and nothing else)


#: How many of the article's most mentioned names are candidate targets of every sentence with an
#: actor, named there or not ("It was mass murder", said of the story's shooting): none by default.
#: Two were the default while candidate-pair recall chose it (0.518 against 0.418 on the SEESAW
#: train stories used for selection), but on those stories triple F1 is no lower without them
#: (0.193 / 0.185 / 0.185 for the recipe's seeds 0-2 against 0.186 / 0.178 / 0.187), with a quarter
#: fewer pairs to score; on SEESAW valid they are worth 0.005 F1 (docs/articles.md, step 7).
SALIENT = 0
#: How many mentions of a name in one sentence its pairs are read with (the most polar reading is kept): for a
#: scorer trained on first mentions, reading up to three at prediction raised triple F1 on SEESAW's select
#: stories from 0.209 to 0.214 (two: 0.213), with a third more pairs to score; ``experiment=articles`` now trains
#: on the same readings (the seesaw option ``readings``, ``model.best_reading``; docs/articles.md).
INSTANCES = 3
#: With ``salient_holders``: how many of the article's most mentioned names may hold the pairs of a
#: sentence that names no person (the actors among them).
HOLDERS = 2


def _trained_with(model, option: str) -> bool:
    """Whether a data option was set (true) on any training entry of the scorer's saved config."""
    data = ((getattr(model, "info", None) or {}).get("config") or {}).get("data") or {}
    entries = data.get("train")
    return isinstance(entries, list) and any(isinstance(e, dict) and (e.get("options") or {}).get(option) is True
                                             for e in entries)


def default_salient_holders(model) -> bool:
    """Whether the scorer was trained with the article's main actors as holders of sentences
    that name no person (the ``seesaw`` option ``salient_holders``): prediction makes the
    candidates its training saw."""
    return _trained_with(model, "salient_holders")


def trained_on_listed_pairs(model) -> bool:
    """Whether the scorer learned from the pairs between listed names only (the ``seesaw`` option ``listed_only``,
    ``experiment=articles_listed``): its sense of how often a pair holds a stance is theirs, so it is meant for
    ``--listed-only``; or between the names a selector predicts (``focus_only``, ``experiment=articles_focus``),
    meant for ``--focus``."""
    return _trained_with(model, "listed_only") or _trained_with(model, "focus_only")


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


def listed_pairs(pairs: list[Pair], names: Sequence[str]) -> list[Pair]:
    """The pairs whose actor and target both name one of ``names`` (``listed_only``: the actors and topics a user
    studies, or SEESAW's entity list of the article), matched by the evaluation's lenient rule
    (:func:`.gold.names_match`: "Obama" is "Barack Obama", "the filibuster" is "filibuster"), except that a person
    must share the surname (:func:`.gold.same_surname`: "John Weaver" is not "John Kasich"). The other pairs are
    bystanders of the names studied: their rows would only be noise to the user."""
    memo: dict[tuple[str, bool], bool] = {}

    def listed(m: Mention) -> bool:
        person = m.label == "PERSON"
        if (m.canonical, person) not in memo:
            memo[m.canonical, person] = is_listed(m.canonical, person, names)
        return memo[m.canonical, person]

    return [p for p in pairs if listed(p.actor) and listed(p.target)]


def is_listed(name: str, person: bool, names: Sequence[str]) -> bool:
    """Whether ``name`` is one of ``names`` by :func:`listed_pairs`' rule (a person must also share the surname)."""
    from .gold import names_match, same_surname

    return any(names_match(name, n) and (not person or same_surname(name, n)) for n in names)


def sentence_pairs(text: str, sentence: Sentence, actors: list[Mention], topics: list[Mention],
                   actor_pairs: bool = True, salient: Sequence[Mention] = (),
                   holders: Sequence[Mention] = (), instances: int = 1,
                   before: Sentence | None = None) -> list[Pair]:
    """The candidate pairs of a sentence: each actor mentioned in it (named, group or resolved
    reference) toward each other actor (both directions; not two names of one noun phrase,
    "Russia's ambassador, Sergei Baranov") and toward each topic in it; the quote's speaker toward
    all of them; and each of them toward the article's ``salient`` names that the sentence does not
    name. ``holders`` (the article's main actors) hold stances toward the sentence's actors and
    topics where it names no person and quotes no one ("The bill would gut Medicaid", in a story
    about its sponsor). ``actor_pairs=False`` keeps the topic pairs only (the user named the topics).
    A name mentioned twice ("Republicans are pressing Obama ..., and Obama has criticized
    Republicans") gives a pair for each of its first ``instances`` mentions (names before pronouns),
    one reading each: :func:`~.pipeline.strongest_readings` keeps one row per pair. A sentence that
    names one actor (or quotes one speaker) and nothing else ("This is a leadership failure," Cantor
    said) takes the names of the sentence ``before`` it as targets (``via`` context): what such a
    sentence is about was named just before."""
    within = lambda ms: [m for m in ms if sentence.start <= m.start and m.end <= sentence.end]  # noqa: E731
    readings: dict[str, list[Mention]] = {}
    for m in sorted(within(actors), key=lambda m: (m.kind == "reference", m.start)):
        readings.setdefault(m.canonical, []).append(m)
    present = sorted((ms[0] for ms in readings.values()), key=lambda m: m.start)
    topic_readings: dict[str, list[Mention]] = {}
    for t in within(topics):
        if t.canonical not in readings:
            topic_readings.setdefault(t.canonical, []).append(t)
    speaker = sentence.speaker
    if speaker is not None and speaker.canonical in readings:
        speaker = None  # named in the sentence itself: an ordinary mention
    overlap = lambda a, b: a.start < b.end and b.start < a.end  # noqa: E731

    def read(a: Mention, b_readings: list[Mention]) -> list[Pair]:
        return [Pair(sentence, ma, mb, "mention") for ma, mb in product(readings[a.canonical][:instances],
                                                                        b_readings[:instances]) if not overlap(ma, mb)]
    out = []
    if actor_pairs:
        for a in present:
            for b in present:
                if a is b:
                    continue
                lo, hi = (a, b) if a.start < b.start else (b, a)
                if not (lo.kind == hi.kind == "name" and is_affiliation(text, lo, hi)):
                    out += read(a, readings[b.canonical])
        if speaker is not None:
            out += [Pair(sentence, speaker, b, "quote") for b in present]
    found = {c: ts[0] for c, ts in topic_readings.items()}
    for t in found.values():
        out += [p for a in present for p in read(a, topic_readings[t.canonical])]
        if speaker is not None and speaker.canonical != t.canonical:
            out.append(Pair(sentence, speaker, t, "quote"))
    if actor_pairs and speaker is None and not any(m.label == "PERSON" for m in present):
        for h in holders:
            if h.canonical not in readings:
                out += [Pair(sentence, h, b, "article") for b in [*present, *found.values()]]
    sources = present + ([speaker] if speaker is not None else [])
    for t in salient:
        if t.canonical not in readings and t.canonical not in found:
            out += [Pair(sentence, a, t, "article") for a in sources if a.canonical != t.canonical]
    if not out and len(sources) == 1 and before is not None and actor_pairs:
        named_before: dict[str, Mention] = {}
        for m in sorted((m for m in actors + topics if before.start <= m.start and m.end <= before.end),
                        key=lambda m: (m.kind == "reference", m.start)):
            named_before.setdefault(m.canonical, m)
        out += [Pair(sentence, a, t, "context") for a in sources for t in named_before.values()
                if t.canonical != a.canonical]
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
