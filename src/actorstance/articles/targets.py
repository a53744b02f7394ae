"""Targets beyond the actors: topics (policies, bills, events, issues) named in the article.

Without ``--target``, topics are found in the text: laws and events the recogniser names
("the Affordable Care Act"), and the article's noun phrases about things rather than people
("the filibuster", "the sanctions", "executive action"), each without its determiner or
possessor ("Mr. Obama's executive action" -> "executive action"), and short phrases in
quotation marks (up to five words: backed "common sense gun reform"), merged within the article
by that name; a description that refers back ("the law", "this bill") takes the name of the
topic it refers to ("Affordable Care Act"). The pair scorer, trained on the same candidates, decides which carry a stance.
With ``--target``/``--targets`` only the user's topics are used.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from .coref import ROLES
from .detectors import NOUN_PHRASE
from .lexicon import ActorLexicon
from .mentions import DATELINE, Mention, clean_phrase, is_adjectival, noun_phrases, phrase_name

#: Named entities that are topics, not actors.
TOPIC_LABELS = ("LAW", "EVENT", "WORK_OF_ART", "PRODUCT")
#: Head nouns too vague to be a stance target on their own.
VAGUE_HEADS = frozenset("""
thing things way ways time times year years day days week weeks month months lot lots part parts number
kind sort one ones people person man woman men women something anything nothing everything someone anyone
percent point points end side sides fact case cases place places statement statements interview remarks
comment comments question questions reporters news story report reports today yesterday morning night
address speech call calls favour favor text word words member members
""".split())
_NOMINAL_TAGS = ("NN", "NNS", "NNP", "NNPS")
#: A party's member is a person ("the top Democrat on the committee"), never a topic.
PARTY_MEMBERS = frozenset("democrat republican tory conservative liberal independent socialist".split())
#: People named by the side they take ("a fierce critic", "his allies"): a holder or a group, never a topic.
PARTISANS = frozenset("""critic critics supporter supporters opponent opponents ally allies backer backers proponent
proponents defender defenders foe foes detractor detractors champion champions""".split())
#: A noun phrase is a topic when its head noun heads this many noun phrases of the article
#: (salient, repeated topics; 2 kept 95% of the pair recall of 1 with two thirds of the pairs,
#: on the SEESAW train stories used for selection).
MIN_REPEATS = 2


def find_topics(text: str, topics: ActorLexicon) -> list[Mention]:
    """Topic mentions (``--target``/targets file) in an article."""
    return [Mention(s, e, text[s:e], c, "TOPIC", "topic") for s, e, c in topics.find(text)]


def topic_mentions(text: str, raw: list[tuple[int, int, str]], actors: list[Mention],
                   min_repeats: int = MIN_REPEATS, compounds: list[Mention] | None = None) -> list[Mention]:
    """Topics found in the article (see the module doc), ``compounds`` (:func:`topic_compounds`)
    among them; none overlaps an actor mention."""
    # quantities, and names of other kinds (places, people the actor stage left out): not topics
    # (a nationality or party used as an adjective qualifies a topic: "a Republican bill")
    not_topics = [(s, e) for s, e, lab in raw if not lab.startswith(NOUN_PHRASE) and lab not in TOPIC_LABELS
                  and not is_adjectival(text, Mention(s, e, text[s:e], text[s:e], lab))]
    not_topics += [(d.start(), d.end()) for d in DATELINE.finditer(text)]
    not_topics += [(t.start(), t.end()) for t in _PARTY_TAG_TOPIC.finditer(text)]  # "(R-Ohio)": who a person is
    amounts = [(s, e) for s, e, lab in raw if lab in _AMOUNTS]
    # what a person is, apposed to the name: "Ross Gerber, an investor who ..." (no topic)
    apposed = {f.end() for m in actors if m.label == "PERSON" and (f := _APPOSED_ROLE.match(text, m.end))}
    out: list[Mention] = list(compounds or [])
    taken = [(m.start, m.end) for m in actors + out]
    actor_ends = {m.end for m in actors}

    def add(s: int, e: int) -> None:
        # "a U.S.-brokered plan", "the Saudi-led coalition": the actor holds it; the topic is what follows
        if (f := _LED_BY.match(text, s)) and s + len(f.group(1)) in actor_ends and f.end() < e:
            s = f.end()
        # an amount or date before the head is no part of the topic: "$56 billion pay package" -> "pay package"
        lead = max((te for ts, te in amounts if ts <= s < te), default=None)
        if lead is not None and (w := _NEXT_WORD.search(text, lead, e)):
            s = w.end() - 1
        if e <= s or any(ts < e and s < te for ts, te in taken + not_topics) or s in apposed:
            return
        out.append(Mention(s, e, text[s:e], phrase_name(text, s, e), "TOPIC", "topic"))
        taken.append((s, e))

    for s, e, lab in raw:
        if lab in TOPIC_LABELS:
            add(*clean_phrase(text, s, e))
    phrases = []
    for s, e, tag, _ in noun_phrases(raw):
        words = re.findall(r"[\w-]+", text[s:e].lower())
        # a phrase headed by a role ("the ambassador") names a person: coreference's business, not a topic
        if tag in _NOMINAL_TAGS and words and (words[-1] not in VAGUE_HEADS or words[-1] in TOPIC_KINDS) \
                and words[-1] not in ROLES and words[-1] not in PARTY_MEMBERS and words[-1] not in PARTISANS:
            phrases.append((s, e, words[-1].rstrip("s"), words[-1] in VAGUE_HEADS))
    heads = Counter(h for _, _, h, _ in phrases)
    once: set[int] = set()  # starts of descriptions kept only if they refer back to a named topic
    chunk_ends = {s: e for s, e, _, _ in noun_phrases(raw)}
    for s, e, head, vague in phrases:
        if vague and _IN_PHRASE.search(text, max(0, s - 4), s):  # "in that case", "in any case": no lawsuit
            continue
        if head in _LIGHT_HEADS and (of := _OF.match(text, e)) and of.end() in chunk_ends:
            e = chunk_ends[of.end()]  # "use of personal email", "overhaul of NSA spying": the "use" is of something
        s, e = clean_phrase(text, s, e)
        if heads[head] >= min_repeats and not vague:  # "the case": only as a lawsuit named before
            add(s, e)
        elif e > s and not vague and _STANCE_OBJECT.search(text, max(0, s - 40), s):  # "a stalwart against corruption"
            s, e = _unquoted(text, s, e)
            if not any(mark in text[s:e] for mark in _QUOTE_MARKS):  # (quoted words inside: SCARE_QUOTE's business)
                add(s, e)
        elif e > s and _kind(phrase_name(text, s, e))[0] is not None:  # "praised the measure"
            n = len(out)
            add(s, e)
            once.update(m.start for m in out[n:])
    chunks = noun_phrases(raw)
    for m in SCARE_QUOTE.finditer(text):  # a short noun phrase in quotation marks: "common sense gun reform"
        # not "weak and pathetic", "played"; nor what something is called: 'the scheme was "an expensive gimmick"';
        # nor a word that qualifies a noun after it: 'Germany's "sober" position'
        if any(s < m.end(1) and m.start(1) < e <= m.end() + 1 for s, e, _, _ in chunks) and not _PREDICATE.match(m.group(1)):
            add(m.start(1), m.end(1))
    named = {m.start: m.canonical for m in out}
    resolved = resolve_topic_references(sorted(out, key=lambda m: m.start))
    return [m for m in resolved if m.start not in once or m.canonical != named[m.start]]


def _unquoted(text: str, s: int, e: int) -> tuple[int, int]:
    """A phrase without the quotation marks around it (backed “common sense gun reform”): one topic with the
    quoted phrase."""
    while s < e and text[s] in _QUOTE_MARKS:
        s += 1
    while e > s and text[e - 1] in _QUOTE_MARKS:
        e -= 1
    return s, e


_QUOTE_MARKS = "\"'“”‘’"
_IN_PHRASE = re.compile(r"\b[Ii]n\s+$")
#: What a stance-bearing word or preposition takes: a topic even when the article names it once.
_STANCE_OBJECT = re.compile(r"\b(?:against|oppos\w*|support\w*|back(?:s|ed|ing)?|criticiz\w*|criticis\w*|condemn\w*|"
                            r"prais\w*|reject\w*|endors\w*|favou?r\s+of|call(?:s|ed|ing)?\s+for|denounc\w*|slamm?\w*|"
                            r"blast\w*|applaud\w*|welcom\w*|defend\w*|push(?:es|ed|ing)?\s+for|demand\w*|veto\w*|"
                            r"fought|fight\w*|champion\w*|decr(?:y|ied|ies)|"
                            r"(?:opposition|objections?|resistance|hostility|commitment)\s+to|"
                            r"(?:support|pitch|campaign|bid|case|enthusiasm)\s+for|"
                            r"(?:deal|standoff|fight|battle|debate|dispute|vote|crackdown|war|talks|agreement)\s+(?:on|over))"
                            r"\s+(?:(?:the|a|an|his|her|their|its|"
                            r"our|this|that|any|new)\s+)?$", re.I)
_PARTY_TAG_TOPIC = re.compile(r"\b[RDI]\s?-\s?[A-Z][\w.]*(?:\s[A-Z][\w.]*)?(?=\))")
#: Heads that say little until their complement names what they act on: "use of personal email", "repeal of the law".
_LIGHT_HEADS = frozenset("use repeal expansion approval construction release sale funding ban handling overhaul "
                         "extension withdrawal".split())  # (each without a plural s)
_OF = re.compile(r"[ \t]+(?:of|on|for)[ \t]+")
#: Leading words that are no part of a topic: "$56 billion pay package", "the 2011 debt deal", "a 16-day shutdown"
#: (not counts: "21 states", "3% support" are no topics).
_AMOUNTS = frozenset({"MONEY", "DATE", "TIME"})
_APPOSED_ROLE = re.compile(r",[ \t]+an?[ \t]+")
_NEXT_WORD = re.compile(r"\s+[A-Za-z]")


#: Heads of descriptions that refer back to a topic the article named in full, by kind: "the law"
#: after "the Affordable Care Act", "the attack" after "the Boston bombings".
TOPIC_KINDS = {word: kind for kind, words in {
    "law": "law laws bill bills measure legislation act ordinance",
    "attack": "attack attacks shooting shootings bombing bombings massacre",
    "deal": "deal agreement accord pact treaty merger takeover acquisition buyout",
    "sanctions": "sanctions measures penalties restrictions tariffs curbs embargo package",
    "decision": "decision decisions move vote step outcome change rollback",
    "ruling": "ruling rulings verdict judgment judgement",
    "lawsuit": "lawsuit lawsuits suit suits case complaint",
    "plan": "plan plans scheme proposal proposals",
}.items() for word in words.split()}
#: Kinds whose heads an article uses for one thing: a bill is also "the measure" and "the legislation",
#: sanctions "the measures" and "the penalties";
#: "the attack" is not always "the bombings".
_INTERCHANGEABLE_HEADS = ("law", "deal", "sanctions")
#: Heads of a bill that mean nothing else (unlike "law" and "act").
_BILL_HEADS = frozenset("bill measure legislation ordinance".split())
#: Heads that name their thing themselves: "new sanctions" is the article's sanctions, which "the measures" refers to.
_SELF_NAMED = frozenset("sanctions tariffs embargo".split())
#: Law in general, no bill a description refers back to: "international law", "federal law".
_GENERIC_LAW = frozenset("international federal state criminal constitutional civil common existing current "
                         "martial case domestic local".split())
#: Words that may come before such a head in a description that still refers back ("the new law").
_REFERRING_MODIFIERS = frozenset("new final proposed latest same original current deadly recent bipartisan controversial "
                                 "sweeping revised updated amended entire whole landmark".split())


#: Heads that make a place, organisation or group named before them part of a topic: "the Rwanda plan",
#: "Iran sanctions", "the Keystone bill", "the Boston bombings" are what a stance is toward, not the name.
COMPOUND_HEADS = frozenset(TOPIC_KINDS) - {"move", "step", "measures"} | frozenset(
    "plan plans policy policies proposal proposals program programme scheme initiative pipeline budget".split())
_COMPOUND = [re.compile(r"[ \t]+([a-z]+)\b"), re.compile(r"[ \t]+[a-z][a-z-]*[ \t]+([a-z]+)\b")]  # "Iran (nuclear) deal"


def topic_compounds(text: str, raw: list[tuple[int, int, str]],
                    actors: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Topics named after a place, organisation or group ("Rwanda plan", "GOP proposal", "Iran
    nuclear deal": the name, at most one lower-case word, a topic head that ends a noun phrase of
    the parser's, so not "Ferguson law enforcement"), and the actors without the names they
    absorbed. People keep their names: "the Obama plan" is Obama's, and says who holds it."""
    ends = {e for _, e, _, _ in noun_phrases(raw)}
    topics, kept = [], []
    for m in actors:
        found = next((f for c in _COMPOUND if (f := c.match(text, m.end)) and f.group(1) in COMPOUND_HEADS
                      and f.end() in ends), None) \
            if m.kind == "name" and m.label in ("GPE", "ORG", "NORP") else None
        if found is not None:
            name = phrase_name(text, m.start, found.end(), proper_first=True)
            topics.append(Mention(m.start, found.end(), text[m.start:found.end()], name, "TOPIC", "topic"))
        else:
            kept.append(m)
    return topics, kept


def _kind(name: str) -> tuple[str | None, bool]:
    """The kind of a topic's head noun (None for other heads), and whether the name is only a
    description of it ("law", "new law") rather than a fuller name ("Affordable Care Act")."""
    words = name.lower().split()
    if not words or words[0].rstrip("s") in _LIGHT_HEADS:  # "handling of the shooting" is no attack
        return None, True
    return TOPIC_KINDS.get(words[-1]), set(words[:-1]) <= _REFERRING_MODIFIERS and words[-1] not in _SELF_NAMED


def resolve_topic_references(topics: list[Mention]) -> list[Mention]:
    """Topic descriptions ("law", "the new bill", "the attack") get the name of the nearest earlier
    topic of the same kind that names it in more words ("Affordable Care Act", "gun control bill",
    "Boston bombings"), so that the article's stances toward it are one target. ``topics`` in text order."""
    out: list[Mention] = []
    for m in topics:
        kind, description = _kind(m.canonical)
        if kind is not None and description:
            full = [t for t in reversed(out) if _kind(t.canonical) == (kind, False)
                    and not (kind == "law" and t.canonical.lower().split()[0] in _GENERIC_LAW)]
            # the same head first ("the bombings": "Boston bombings", not "terrorist attacks")
            head = m.canonical.lower().split()[-1].rstrip("s")
            named = next((t for t in full if t.canonical.lower().split()[-1].rstrip("s") == head), None)
            if named is None and kind in _INTERCHANGEABLE_HEADS:  # "this bill" after "gun-control legislation"
                named = next(iter(full), None)
            if named is None and (kind in ("deal", "ruling", "lawsuit") or head in _BILL_HEADS):  # "the merger" after "the deal",
                # "the verdict" after "the ruling", "the measure" after "a bill", named no more fully (not "the law":
                # "the rule of law" is no bill)
                named = next((t for t in reversed(out) if _kind(t.canonical)[0] == kind
                              and (kind != "law" or t.canonical.lower().split()[-1].rstrip("s") in _BILL_HEADS)), None)
            if named is None and kind == "decision" and head != "vote":  # "defended the move" after "its decision to
                # weaken limits" (a decision that named nothing before it is the story's own; "the vote" is often ballots)
                named = next((t for t in reversed(out) if _kind(t.canonical) == ("decision", True)
                              and t.canonical.lower().split()[-1] != "vote"), None)
            if named is None and kind == "decision":  # "welcomed the decision": the bill, deal, sanctions or ruling
                # named most often so far (the article's subject, not a phrase quoted once), the nearest on a tie
                named_so_far = [t for t in out if _kind(t.canonical) in {(k, False) for k in _INTERCHANGEABLE_HEADS}
                                or _kind(t.canonical)[0] in ("ruling", "deal")
                                or t.canonical.lower().split()[-1] in _BILL_HEADS]
                times = Counter(t.canonical for t in named_so_far)
                named = max(reversed(named_so_far), key=lambda t: times[t.canonical], default=None)
            if named is not None:
                m = replace(m, canonical=named.canonical)
        elif kind is not None and set(m.canonical.lower().split()[:-1]) <= _REFERRING_MODIFIERS:
            # a head that names itself ("the tariffs") is still the fuller name with that head before it ("U.S. tariffs")
            head = m.canonical.lower().split()[-1]
            named = next((t for t in reversed(out) if len(t.canonical.split()) > len(m.canonical.split())
                          and t.canonical.lower().split()[-1] == head), None)
            if named is not None:
                m = replace(m, canonical=named.canonical)
        out.append(m)
    return out


_PREDICATE = re.compile(r"(?:[Aa]n?|[Oo]ne)\s")
#: A name joined to a participle that opens a noun phrase: "U.S.-brokered ", "Saudi-led ".
_LED_BY = re.compile(r"(\S+?)-[a-z]+ed[ \t]+")
SCARE_QUOTE = re.compile(r"[\"“]([A-Za-z][\w'’-]*(?: [\w'’-]+){0,4})[\"”]")


#: "criticized the cuts, calling them silly": the pronoun is what was just named, not a group.
_CALLING = re.compile(r",[ \t]+(?:calling|labell?ing|describing|dubbing|branding|deeming|terming)[ \t]+$", re.I)


def called_things(text: str, actors: list[Mention], topics: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Move each "them" after ", calling" from the actors to the topics, as the topic named just before it in
    its clause ("Boehner criticized the cuts, calling them silly"), or drop it where no topic is there."""
    kept, moved = [], []
    for m in actors:
        if m.kind == "reference" and m.text.lower() == "them" and _CALLING.search(text, max(0, m.start - 20), m.start):
            clause = max(text.rfind(".", 0, m.start), text.rfind(";", 0, m.start))
            before = [t for t in topics if clause < t.start and t.end <= m.start]
            if before:
                moved.append(replace(m, canonical=before[-1].canonical, label="TOPIC", kind="topic"))
            continue
        kept.append(m)
    return kept, sorted(topics + moved, key=lambda t: t.start)
