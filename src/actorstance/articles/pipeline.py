"""From raw articles to stance rows: web-page furniture blanked -> sentences -> named and group
actors -> coreference -> quote speakers -> topics -> candidate pairs -> the model, in chunks
(beside the next chunk's reading) -> the stances of each sentence decided together -> rows.

Everything is measured in character offsets into the article, so that every row can point at
its evidence: ``article[actor_span[0]:actor_span[1]] == actor_mention``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from .. import LABELS
from .coref import covered, resolve_group_descriptions, resolve_references
from .inputs import Article, blank_web_furniture, looks_english
from .lexicon import ActorLexicon
from .mentions import Mention, group_mentions, noun_phrases, resolve_mentions
from .pairs import (HOLDERS, INSTANCES, SALIENT, Pair, listed_pairs, model_record, salient_mentions,
                    sentence_before, sentence_pairs)
from .quotes import attribute_quotes, redirect_quoted_pronouns
from .segmentation import Sentence, find_quotes, paragraphs, split_sentences
from .targets import called_things, find_topics, topic_compounds, topic_mentions


#: At most this many stances per sentence (the most probable; 0: no limit). Chosen on the SEESAW
#: train stories used for selection: with a span scorer, triple F1 0.157 against 0.143 / 0.152 /
#: 0.149 with 1 / 3 / no limit (benchmarks/results/articles/minilm-spans-select-ps*.json).
PER_SENTENCE = 2


@dataclass
class Timings:
    """Seconds spent in each stage (with recogniser workers, ``ner`` is the wait). The scorer runs
    beside the other stages (:meth:`ArticlePipeline.run_analysed`): their sum exceeds the wall time."""

    ner: float = 0.0
    pairs: float = 0.0
    model: float = 0.0
    articles: int = 0
    sentences: int = 0
    pairs_n: int = 0
    unlisted: int = 0  # articles with ``listed_only`` and no names to keep their pairs to

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class Analysed:
    """One article after every stage but the scorer."""

    article: Article
    sentences: list[Sentence]
    mentions: list  # actor mentions (named, nominal and resolved references) and topic mentions
    pairs: list[Pair]
    salient: Sequence = ()  # the article's main subjects, candidate targets of every sentence
    english: bool = True  # False: the text does not read as English (inputs.looks_english), so its rows are unreliable
    main_names: list[tuple[str, float]] | None = None  # with a name selector (``focus``): the names kept, and how probable


class ArticlePipeline:
    """Articles in, stance rows out, a chunk of articles at a time (one model call per chunk)."""

    def __init__(self, model, detector, actors: ActorLexicon | None = None, topics: ActorLexicon | None = None,
                 chunk_articles: int = 64, per_sentence: int = PER_SENTENCE, salient: int = SALIENT,
                 salient_holders: bool = False, overlap: bool = True, min_probability: float = 0.0,
                 instances: int = INSTANCES, listed_only: bool = False, focus=None):
        self.model, self.detector = model, detector
        if not 0.0 <= min_probability <= 1.0:
            raise ValueError(f"min_probability: expected a number from 0 to 1, got {min_probability!r}")
        self.min_probability = min_probability
        self.overlap = overlap
        self.actors = actors or ActorLexicon()
        self.topics = topics if topics else None
        self.chunk_articles = chunk_articles
        self.per_sentence, self.salient, self.salient_holders = per_sentence, salient, salient_holders
        self.instances = instances  # readings per pair (pairs.INSTANCES); training data: the seesaw option readings
        # only pairs between listed names: each article's own list (Article.listed), else the actor file's and the topics'
        self.listed_only = listed_only
        self.listed_names = tuple(sorted(self.actors.canonicals | (self.topics.canonicals if self.topics else set())))
        self.focus = focus  # a .focus.FocusSelector: only pairs between the names it predicts for each article
        self.timings = Timings()

    @classmethod
    def build(cls, model, *, ner: str = "auto", ner_processes: int = 1, actors=None, topics: list[str] | None = None,
              topics_file=None, chunk_articles: int = 64, per_sentence: int = PER_SENTENCE,
              salient: int | None = None, salient_holders: bool | None = None,
              min_probability: float = 0.0, listed_only: bool = False, focus=None) -> "ArticlePipeline":
        """The pipeline as ``actorstance predict`` sets it up, one place for its defaults (shared by
        the command line and :func:`actorstance.analyze`). ``actors``: an actor file or a dict
        ``{canonical: [aliases]}``; ``topics``/``topics_file``: targets that replace the default
        ones; ``salient``: None for ``SALIENT``; ``salient_holders``: None for the model's own
        default (:func:`~.pairs.default_salient_holders`); ``min_probability``: stances less
        probable than this are reported neutral (:func:`decide`); ``listed_only``: only pairs between the actor
        file's names and the topics (:func:`~.pairs.listed_pairs`); ``focus``: a :class:`~.focus.FocusSelector`,
        only pairs between the names it predicts each article is about."""
        from .detectors import make_detector
        from .lexicon import load_lexicon, topic_lexicon
        from .pairs import default_salient_holders

        lexicon = ActorLexicon(actors) if isinstance(actors, dict) else load_lexicon(actors)
        return cls(model, make_detector(ner, processes=ner_processes), lexicon,
                   topic_lexicon(topics, topics_file) or None, chunk_articles, per_sentence,
                   SALIENT if salient is None else salient,
                   default_salient_holders(model) if salient_holders is None else salient_holders,
                   min_probability=min_probability, listed_only=listed_only, focus=focus)

    def with_options(self, **changes) -> "ArticlePipeline":
        """A copy with some settings changed (e.g. ``per_sentence``) and its own timings, sharing
        the detector and lexicons: a server builds those once, not per request."""
        import copy

        unknown = set(changes) - {"per_sentence", "salient", "salient_holders", "chunk_articles", "overlap",
                                  "min_probability", "listed_only"}
        if unknown:
            raise TypeError(f"not a per-run setting: {', '.join(sorted(unknown))}")
        new = copy.copy(self)
        new.__dict__.update(changes)
        new.timings = Timings()
        return new

    def analyse(self, articles: Iterable[Article]) -> Iterator[Analysed]:
        """Sentences, mentions, speakers and pairs of each article (no model yet), streamed:
        the detector may run ahead in worker processes while the caller scores pairs."""
        def paragraph_stream():
            for article in articles:
                if (text := blank_web_furniture(article.text)) != article.text:
                    article = Article(article.id, text, article.source, article.listed)
                paras = paragraphs(article.text) or [(0, 0)]  # an article of page furniture alone still has its (empty) result
                for k, (s, e) in enumerate(paras):
                    yield article.text[s:e], (article if k == 0 else None, k, len(paras), s)

        stream = self.detector.stream(paragraph_stream())
        article: Article | None = None
        raw: list[tuple[int, int, str]] = []
        while True:
            t0 = time.perf_counter()
            item = next(stream, None)
            t1 = time.perf_counter()
            self.timings.ner += t1 - t0  # waiting for input and the recogniser
            if item is None:
                return
            ents, (first, k, n, offset) = item
            if k == 0:
                article, raw = first, []
            raw += [(offset + s, offset + e, label) for s, e, label in ents]
            if k == n - 1:
                assert article is not None  # set by the article's first paragraph
                result = self._analyse_one(article, raw)
                self.timings.pairs += time.perf_counter() - t1
                yield result

    def _analyse_one(self, article: Article, raw: list[tuple[int, int, str]]) -> Analysed:
        text = article.text
        named = resolve_mentions(text, raw, self.actors)
        groups = resolve_group_descriptions(text, group_mentions(text, raw, named), named)
        named = [m for m in named if not any(g.start <= m.start and m.end <= g.end for g in groups)]
        actors = sorted(named + groups, key=lambda m: m.start)
        compounds, actors = ([], actors) if self.topics else topic_compounds(text, raw, actors)
        paras = paragraphs(text)
        by_para: list[list[Sentence]] = []
        sentences: list[Sentence] = []
        for para in paras:
            by_para.append([Sentence(len(sentences) + i, s, e) for i, (s, e) in enumerate(split_sentences(text, *para))])
            sentences += by_para[-1]
        quotes = [q for para in paras for q in find_quotes(text, *para)]
        subjects = [(s, e) for s, e, _, dep in noun_phrases(raw) if dep in ("nsubj", "nsubjpass")]
        references = resolve_references(text, sentences, actors, quotes, subjects)
        actors = sorted(covered(actors, references) + references, key=lambda m: m.start)
        previous: Mention | None = None
        speakers_of: dict[tuple[int, int], Mention] = {}  # each quote's span -> its speaker
        for para, sents in zip(paras, by_para):  # "..., he said": the speaker is whom "he" refers to
            previous = attribute_quotes(text, para, sents, actors, previous, speakers_of)
        actors = redirect_quoted_pronouns(text, actors, speakers_of, sentences)
        if self.topics:
            topics = find_topics(text, self.topics)
        else:
            actors, topics = called_things(text, actors, topic_mentions(text, raw, actors, compounds=compounds))
        salient = salient_mentions(actors + topics, self.salient) if not self.topics else []
        holders = [m for m in salient_mentions(actors + topics, HOLDERS) if m.kind != "topic"] \
            if self.salient_holders and not self.topics else []
        pairs = [p for s in sentences for p in sentence_pairs(text, s, actors, topics, actor_pairs=not self.topics,
                                                              salient=salient, holders=holders,
                                                              instances=self.instances,
                                                              before=sentence_before(s, sentences))]
        main_names = None
        if self.focus is not None:
            main_names = self.focus.main_names(actors + topics, sentences)
            pairs = listed_pairs(pairs, [name for name, _ in main_names])
        elif self.listed_only:
            pairs = listed_pairs(pairs, article.listed or self.listed_names)
            self.timings.unlisted += not (article.listed or self.listed_names)
        self.timings.articles += 1
        self.timings.sentences += len(sentences)
        self.timings.pairs_n += len(pairs)
        return Analysed(article, sentences, actors + topics, pairs, salient, looks_english(text), main_names)

    def score(self, analysed: list[Analysed]) -> list[dict]:
        """One model call for all pairs of a chunk of articles."""
        where = [(a, p) for a in analysed for p in a.pairs]
        if not where:
            return []
        records = [model_record(a.article, p, a.sentences) for a, p in where]
        t0 = time.perf_counter()
        proba = self.model.predict_proba(records)
        self.timings.model += time.perf_counter() - t0
        rows = [output_row(a.article, p, rec, probs) for (a, p), rec, probs in zip(where, records, proba)]
        return decide(strongest_readings(rows), self.per_sentence, self.min_probability)

    def run(self, articles: Iterable[Article], progress: bool = False, total: int | None = None) -> Iterator[list[dict]]:
        """Rows, chunk by chunk: memory holds two chunks of articles (one being scored, one being
        read; plus what the recogniser's workers have queued), not the corpus."""
        for _, rows in self.run_analysed(articles, progress, total):
            yield rows

    def run_analysed(self, articles: Iterable[Article], progress: bool = False,
                     total: int | None = None) -> Iterator[tuple[list[Analysed], list[dict]]]:
        """As :meth:`run`, with each chunk's analysed articles beside its rows (for evaluation).
        A chunk is scored in a second thread while this one reads the next (the recogniser holds
        one core, the scorer's native code releases the interpreter), so the two overlap: 149
        against 125 sentences/s on SEESAW valid, 2 cores (benchmarks/articles_overlap.py);
        ``overlap=False`` scores each chunk in turn."""
        from concurrent.futures import Future, ThreadPoolExecutor

        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="article", file=sys.stderr, desc="predict")

        def done(chunk: list[Analysed], scored: Future) -> tuple[list[Analysed], list[dict]]:
            rows = scored.result()
            if bar is not None:
                bar.update(len(chunk))
            return chunk, rows

        pending: tuple[list[Analysed], Future] | None = None
        chunk: list[Analysed] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="actorstance-scorer") as scorer:
            for analysed in self.analyse(articles):
                chunk.append(analysed)
                if len(chunk) >= self.chunk_articles:
                    if pending is not None:
                        yield done(*pending)
                    pending, chunk = (chunk, scorer.submit(self.score, chunk)), []
                    if not self.overlap:  # scored before the next chunk is read
                        yield done(*pending)
                        pending = None
            if pending is not None:
                yield done(*pending)
            if chunk:
                yield done(chunk, scorer.submit(self.score, chunk))
        if bar is not None:
            bar.close()


def strongest_readings(rows: list[dict]) -> list[dict]:
    """One row per pair of a sentence (actor, target, ``via``): of its readings (a name mentioned twice, see
    :func:`~.pairs.sentence_pairs`), the one least probably neutral, in the order of the first reading."""
    best: dict[tuple, dict] = {}
    for r in rows:
        key = (r["article_id"], r["sentence_index"], r["actor"], r["target"], r["via"])
        if key not in best or r["p_neutral"] < best[key]["p_neutral"]:
            best[key] = r
    return list(best.values())


def decide(rows: list[dict], per_sentence: int = PER_SENTENCE, min_probability: float = 0.0) -> list[dict]:
    """The stances of each sentence, decided together: where both directions of a pair are
    supportive/critical, the more probable one stands (the rule of Park et al.'s five-class
    scheme); then at most ``per_sentence`` stances per sentence, the most probable, and none less
    probable than ``min_probability`` (fewer rows, more of them right: a precision/recall
    trade measured by ``evaluate-articles``). A stance overruled so becomes neutral (its
    probabilities unchanged) and says why in ``overruled``."""
    by_sentence: dict[tuple, list[dict]] = {}
    for r in rows:
        r.setdefault("overruled", None)
        if r["label"] != "neutral":
            by_sentence.setdefault((r["article_id"], r["sentence_index"]), []).append(r)
    for polar in by_sentence.values():
        polar.sort(key=lambda r: -r["probability"])
        kept, seen = 0, set()
        for r in polar:
            pair = frozenset((r["actor"], r["target"]))
            why = "reverse direction" if pair in seen else \
                "per-sentence limit" if per_sentence and kept >= per_sentence else \
                "below min probability" if r["probability"] < min_probability else None
            seen.add(pair)
            if why:
                r.update(label="neutral", probability=r["p_neutral"], overruled=why)
            else:
                kept += 1
    return rows


ROW_COLUMNS = ["article_id", "sentence_index", "actor", "actor_mention", "target", "target_mention", "label",
               "probability", *(f"p_{lab}" for lab in LABELS), "overruled", "via", "actor_span", "target_span",
               "sentence_span", "model_actor_span", "model_target_span", "sentence"]
TABLE_COLUMNS = ["article_id", "sentence_index", "actor", "target", "label", "probability", "sentence"]


def output_row(article: Article, pair: Pair, record: dict, probs) -> dict:
    i = int(probs.argmax())
    return {
        "article_id": article.id, "sentence_index": pair.sentence.index,
        "actor": pair.actor.canonical, "actor_mention": pair.actor.text,
        "target": pair.target.canonical, "target_mention": pair.target.text,
        "label": LABELS[i], "probability": round(float(probs[i]), 4),
        **{f"p_{lab}": round(float(v), 4) for lab, v in zip(LABELS, probs)},
        "via": pair.via,
        "actor_span": [pair.actor.start, pair.actor.end], "target_span": [pair.target.start, pair.target.end],
        "sentence_span": [pair.sentence.start, pair.sentence.end],
        "model_actor_span": record["actor_span"], "model_target_span": record["target_span"],
        "sentence": record["text"],
    }
