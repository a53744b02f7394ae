"""From raw articles to stance rows: read -> sentences -> actor mentions -> quote speakers ->
(actor, target) pairs -> the model, in chunks -> rows and a per-actor / per-pair summary.

Everything is measured in character offsets into the article, so that every row can point at
its evidence: ``article[actor_span[0]:actor_span[1]] == actor_mention``.
"""

from __future__ import annotations

import heapq
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from . import LABELS
from .actors import ActorLexicon, Mention, resolve_mentions, TITLE_WORDS
from .errors import DataError

#: A text line longer than this is not prose (minified data, a binary dump decoded by luck).
MAX_LINE_CHARS = 100_000
#: spaCy's own limit per text; articles are far shorter.
MAX_ARTICLE_CHARS = 1_000_000
#: What a folder of articles is searched for (a file named on the command line may be any text).
ARTICLE_SUFFIXES = (".txt", ".text")


@dataclass
class Article:
    id: str
    text: str
    source: str


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    speaker: Mention | None = None  # set when the sentence lies inside an attributed quote


# --------------------------------------------------------------------------- reading input


def check_article_text(text: str, where: str) -> None:
    """Refuse text that cannot be an article: empty, or with absurdly long lines."""
    if not text.strip():
        raise DataError([f"{where}: empty (no text)"])
    if len(text) > MAX_ARTICLE_CHARS:
        raise DataError([f"{where}: {len(text):,} characters, more than an article can have "
                         f"({MAX_ARTICLE_CHARS:,}); split it"])
    for lineno, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise DataError([f"{where}:{lineno}: line of {len(line):,} characters (limit {MAX_LINE_CHARS:,}): "
                             "not article text?"])


def _read_checked(path: Path, name: str | None = None) -> str:
    from .data import read_text

    try:
        return read_text(path)
    except DataError as exc:
        if name:
            raise DataError([p.replace(str(path), name) for p in exc.problems]) from None
        raise


def _articles_from_jsonl(path: Path, name: str, problems: list[str]) -> Iterator[Article]:
    """``{"id", "text"}`` per line; a bad line is reported, the others still read."""
    from .data import read_jsonl

    stem = "stdin" if name == "<stdin>" else Path(name).stem
    for row in read_jsonl(path, {}):
        where = f"{name}:{row.line}"
        if row.error:
            problems.append(f"{where}: {row.error}")
            continue
        text = row.record.get("text")
        if not isinstance(text, str):
            problems.append(f"{where}: text: missing field or not a string")
            continue
        try:
            check_article_text(text, where)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        aid = row.record.get("id")
        yield Article(f"{stem}-{row.line}" if aid in (None, "") else str(aid), text, where)


def jsonl_holds_records(path: Path) -> bool:
    """A JSONL file of labeled/unlabeled records (has actor/target) rather than articles."""
    from .data import _head_lines

    for line in _head_lines(path, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return True  # let the record reader report it as it always has
        return not isinstance(obj, dict) or "actor" in obj or "target" in obj
    return True


def is_article_input(path: str | Path, format: str | None = None) -> bool:
    """Whether ``predict`` should treat this input as articles (else as records)."""
    if format:
        return False
    path = Path(path)
    if path.is_dir():
        return True
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return path.is_file() and not jsonl_holds_records(path)
    if suffix in (".csv", ".tsv"):
        return False
    if not path.is_file():
        return suffix in ARTICLE_SUFFIXES or suffix in (".md", "")  # reported as not found by the reader
    from . import adapters  # noqa: F401  (registers the adapter formats, e.g. park2021's .txt)
    from .data import FORMATS, _head_lines

    head = _head_lines(path)
    return not any(f.detect and f.name not in ("jsonl", "csv") and f.detect(path, head) for f in FORMATS.values())


def iter_articles(inputs: Iterable[str | Path], problems: list[str],
                  names: dict[str, str] | None = None) -> Iterator[Article]:
    """Articles from text files, folders of them (``*.txt``, recursively) and JSONL files.

    A file that cannot be read is added to ``problems`` and skipped; the rest are read.
    ``names`` maps a path to the name to report (for standard input spooled to a file).
    """
    names = names or {}
    seen: dict[str, int] = {}
    for item in inputs:
        path = Path(item)
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES) \
            if path.is_dir() else [path]
        if path.is_dir() and not files:
            problems.append(f"{path}: folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
        for f in files:
            name = names.get(str(f), str(f))
            if f.suffix.lower() in (".jsonl", ".json", ".ndjson"):
                try:
                    _read_checked(f, name)  # binary / encoding problems of the whole file
                except DataError as exc:
                    problems.extend(exc.problems)
                    continue
                yield from _articles_from_jsonl(f, name, problems)
                continue
            try:
                text = _read_checked(f, name)
                check_article_text(text, name)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            aid = Path(name).stem if name != "<stdin>" else "stdin"
            seen[aid] = seen.get(aid, 0) + 1
            yield Article(aid if seen[aid] == 1 else f"{aid}-{seen[aid]}", text, name)


# ------------------------------------------------------------------------ sentences, quotes

_ABBREV = frozenset("""mr mrs ms dr prof gen lt col sgt capt sen rep gov st jr sr inc corp co ltd no vs etc
jan feb mar apr jun jul aug sep sept oct nov dec mt ft rev hon est approx dept univ fig""".split())
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph: blocks between blank lines; inside a block, each
    line is a paragraph unless the block looks hard-wrapped (all lines at most 100 chars)."""
    out = []
    for block in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text):
        lines = [m for m in re.finditer(r"[^\n]+", block.group(0))]
        wrapped = len(lines) > 1 and max(len(m.group(0)) for m in lines) <= 100
        spans = [(block.start(), block.end())] if wrapped or len(lines) <= 1 else \
            [(block.start() + m.start(), block.start() + m.end()) for m in lines]
        for s, e in spans:
            seg = text[s:e]
            lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
            if e - trail > s + lead:
                out.append((s + lead, e - trail))
    return out


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[:dot]).group(0)
    if not word or text[dot] != ".":
        return False
    if word.lower() in _ABBREV or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word):
        return True  # "Gen.", "U.S.", "J." initials
    return False


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans in ``text[start:end]``: a boundary is end punctuation (with any closing
    quotation marks kept on its side) before a capitalised word; abbreviations do not end
    sentences, so '"...," said Gen. Morozan.' stays one sentence."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    out, pos = [], 0
    for m in _BOUNDARY.finditer(chunk):
        if _is_abbreviation(chunk, m.start()):
            continue
        out.append((start + pos, start + m.end()))
        pos = m.end() + len(chunk[m.end():]) - len(chunk[m.end():].lstrip())
    if chunk[pos:].strip():
        out.append((start + pos, start + len(chunk.rstrip())))
    return out


def find_quotes(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each quotation in a paragraph, marks included.

    Straight and curly double quotes, and single quotes that open after a space or colon;
    a quote left open at the paragraph's end closes there (news style for quotes that run
    on into the next paragraph).
    """
    end = len(text) if end is None else end
    out, open_at, opener = [], None, None
    i = start
    while i < end:
        c = text[i]
        if open_at is None:
            if c in "\"“":
                open_at, opener = i, c
            elif c in "'‘" and (i == start or text[i - 1] in " \t(:—–-") and i + 1 < end and text[i + 1].isalpha():
                open_at, opener = i, c
        else:
            closes = (opener in "\"“" and c in "\"”") or (
                opener in "'‘" and c in "'’" and (i + 1 >= end or not text[i + 1].isalpha()))
            if closes:
                out.append((open_at, i + 1))
                open_at = None
        i += 1
    if open_at is not None:
        out.append((open_at, end))
    return out


_SPEECH = re.compile(r"\b(?:said|says|say|told|tells|added|adds|asked|wrote|writes|stated|declared|insisted|"
                     r"argued|warned|noted|explained|replied|responded|continued|tweeted|posted|claimed|"
                     r"stressed|urged|according to|saying|telling|calling|called|announced|recalled)\b")
_PRONOUN = re.compile(r"\b(?:he|she|they)\b", re.I)


def _speaker_in(frame_start: int, frame_end: int, text: str, mentions: list[Mention],
                prefer: str) -> Mention | int | None:
    """The mention nearest a speech verb in ``text[frame_start:frame_end]``; where the frame
    says only "he said", the pronoun's offset instead."""
    frame = text[frame_start:frame_end]
    verb = _SPEECH.search(frame)
    if not verb:
        return None
    vpos = frame_start + verb.start()
    inside = [m for m in mentions if frame_start <= m.start and m.end <= frame_end]
    if prefer == "after":  # '"...," Haddad said' / '"...," said Rachel Whitford, the ...'
        near = [m for m in inside if m.end <= vpos or m.start - (vpos + len(verb.group(0))) <= 40]
        if near:
            return min(near, key=lambda m: abs(m.start - vpos) if m.start > vpos else vpos - m.end)
    else:  # 'Putin said: "..."': the subject, a person if one is named
        before = [m for m in inside if m.end <= vpos]
        people = [m for m in before if m.label == "PERSON"]
        if people or before:
            return (people or before)[0]
    pronoun = _PRONOUN.search(frame)
    return frame_start + pronoun.start() if pronoun else None


def attribute_quotes(text: str, para: tuple[int, int], sentences: list[Sentence], mentions: list[Mention],
                     previous: Mention | None) -> Mention | None:
    """Give each sentence that lies inside a quote the quote's speaker.

    The speaker is found in the quote's frame ('"...," X said', 'X said: "..."'); a quote
    without a frame belongs to the speaker of the paragraph's other quotes, or, where the
    paragraph is all quotation, to the last speaker of the previous paragraph. Returns the
    paragraph's last speaker, for the next paragraph.
    """
    ps, pe = para
    quotes = find_quotes(text, ps, pe)
    if not quotes:
        return None
    sent_of = lambda pos: next((s for s in sentences if s.start <= pos < s.end), None)  # noqa: E731
    speakers: list[Mention | None] = []
    for qs, qe in quotes:
        who = None
        last = sent_of(max(qe - 1, qs))
        if last is not None and qe < last.end:
            who = _speaker_in(qe, last.end, text, mentions, "after")
        first = sent_of(qs)
        if who is None and first is not None and first.start < qs:
            who = _speaker_in(first.start, qs, text, mentions, "before")
        if isinstance(who, int):  # "he said": the last speaker, else the last person named before "he"
            earlier = [m for m in mentions if m.end <= who and not (qs <= m.start < qe)]
            people = [m for m in earlier if m.label == "PERSON"]
            who = previous if previous is not None else (people or earlier or [None])[-1]
        speakers.append(who)
    known = [s for s in speakers if s is not None]
    outside = text[ps:pe]
    for qs, qe in reversed(quotes):
        outside = outside[: qs - ps] + outside[qe - ps:]
    all_quote = not re.search(r"\w", outside)
    for i, who in enumerate(speakers):
        if who is not None:
            continue
        earlier = [s for s in speakers[:i] if s is not None]
        if earlier:
            speakers[i] = earlier[-1]
        elif known:
            speakers[i] = known[0]
        elif all_quote or (i == 0 and quotes[0][0] == ps):
            speakers[i] = previous  # a quote running on from the previous paragraph
    for (qs, qe), who in zip(quotes, speakers):
        if who is None:
            continue
        for s in sentences:
            if s.start >= qs and s.end <= qe + 1 and s.speaker is None:
                s.speaker = who
    return next((s for s in reversed(speakers) if s is not None), None)


# --------------------------------------------------------------------------------- pairs

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


# ------------------------------------------------------------------------------ pipeline


@dataclass
class Timings:
    """Seconds the caller spent in each stage (with recogniser workers, ``ner`` is the wait)."""

    ner: float = 0.0
    pairs: float = 0.0
    model: float = 0.0
    articles: int = 0
    sentences: int = 0
    pairs_n: int = 0

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


class ArticlePipeline:
    """Articles in, stance rows out, a chunk of articles at a time (one model call per chunk)."""

    def __init__(self, model, detector, actors: ActorLexicon | None = None, topics: ActorLexicon | None = None,
                 chunk_articles: int = 64):
        self.model, self.detector = model, detector
        self.actors = actors or ActorLexicon()
        self.topics = topics if topics else None
        self.chunk_articles = chunk_articles
        self.timings = Timings()

    def analyse(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Sentence], list[Pair]]]:
        """Sentences, mentions, speakers and pairs of each article (no model yet), streamed:
        the detector may run ahead in worker processes while the caller scores pairs."""
        def paragraph_stream():
            for article in articles:
                paras = paragraphs(article.text)
                for k, (s, e) in enumerate(paras):
                    yield article.text[s:e], (article if k == 0 else None, k, len(paras), s)

        stream = self.detector.stream(paragraph_stream())
        article, raw = None, []
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
                result = self._analyse_one(article, raw)
                self.timings.pairs += time.perf_counter() - t1
                yield result

    def _analyse_one(self, article: Article, raw: list[tuple[int, int, str]]):
        text = article.text
        mentions = resolve_mentions(text, raw, self.actors)
        topics = find_topics(text, self.topics) if self.topics else None
        sentences: list[Sentence] = []
        previous = None
        for para in paragraphs(text):
            sents = [Sentence(len(sentences) + i, s, e) for i, (s, e) in enumerate(split_sentences(text, *para))]
            sentences += sents
            previous = attribute_quotes(text, para, sents, mentions, previous)
        pairs = [p for s in sentences for p in sentence_pairs(text, s, mentions, topics)]
        self.timings.articles += 1
        self.timings.sentences += len(sentences)
        self.timings.pairs_n += len(pairs)
        return article, sentences, pairs

    def _score(self, analysed: list) -> list[dict]:
        """One model call for all pairs of a chunk of articles."""
        where = [(article, p) for article, _, pairs in analysed for p in pairs]
        if not where:
            return []
        records = [model_record(article, p) for article, p in where]
        t0 = time.perf_counter()
        proba = self.model.predict_proba(records)
        self.timings.model += time.perf_counter() - t0
        return [output_row(article, p, rec, probs) for (article, p), rec, probs in zip(where, records, proba)]

    def run(self, articles: Iterable[Article], progress: bool = False, total: int | None = None) -> Iterator[list[dict]]:
        """Rows, chunk by chunk: memory holds a chunk of articles (plus what the recogniser's
        workers have queued), not the corpus."""
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="article", file=sys.stderr, desc="predict")
        chunk: list = []
        for analysed in self.analyse(articles):
            chunk.append(analysed)
            if len(chunk) >= self.chunk_articles:
                yield self._score(chunk)
                if bar is not None:
                    bar.update(len(chunk))
                chunk = []
        if chunk:
            yield self._score(chunk)
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()


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


ROW_COLUMNS = ["article_id", "sentence_index", "actor", "actor_mention", "target", "target_mention", "label",
               "probability", *(f"p_{lab}" for lab in LABELS), "via", "actor_span", "target_span",
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


# ------------------------------------------------------------------------------- summary


@dataclass
class _Stats:
    n: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    sums: list = field(default_factory=lambda: [0.0] * len(LABELS))
    evidence: dict = field(default_factory=lambda: {lab: [] for lab in LABELS})

    def add(self, row: dict, keep: int) -> None:
        self.n += 1
        self.counts[row["label"]] += 1
        for i, lab in enumerate(LABELS):
            self.sums[i] += row[f"p_{lab}"]
        heap = self.evidence[row["label"]]
        item = (row["probability"], -self.n, {k: row[k] for k in ("article_id", "sentence_index", "sentence")})
        (heapq.heappush if len(heap) < keep else heapq.heappushpop)(heap, item)

    def dominant(self) -> str:
        """The more frequent of supportive and critical ("mixed" on a tie); neutral only
        where no sentence is either."""
        s, c = self.counts["supportive"], self.counts["critical"]
        return "neutral" if s == c == 0 else "mixed" if s == c else ("supportive" if s > c else "critical")

    def as_dict(self) -> dict:
        dom = self.dominant()
        ev_labels = [dom] if dom in LABELS else ["supportive", "critical"]
        ev = sorted((e for lab in ev_labels for e in self.evidence[lab]), reverse=True)
        return {"n": self.n, "counts": dict(self.counts),
                "mean": {lab: round(v / self.n, 4) for lab, v in zip(LABELS, self.sums)},
                "dominant": dom,
                "evidence": [dict(e[2], probability=e[0]) for e in ev]}


class Summary:
    """Per actor and per (actor, target) pair, for each article and for the whole corpus.

    Rows come in whole articles (as the pipeline yields them); each article's own summary is
    written to a temporary file as soon as it is complete, so memory holds the corpus-level
    tallies only, not one summary per article of a long corpus.
    """

    def __init__(self, evidence: int = 3):
        import tempfile

        self.keep = evidence
        self.corpus = {"actors": {}, "pairs": {}}
        self.n_articles = 0
        self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(self, rows: Iterable[dict]) -> None:
        """Rows of one or more complete articles."""
        articles: dict[str, dict] = {}
        for r in rows:
            art = articles.setdefault(r["article_id"], {"actors": {}, "pairs": {}})
            for scope in (self.corpus, art):
                scope["actors"].setdefault(r["actor"], _Stats()).add(r, self.keep)
                scope["pairs"].setdefault((r["actor"], r["target"]), _Stats()).add(r, self.keep)
        for aid, art in articles.items():
            self._spill.write(json.dumps({"article_id": aid, **self._scope(art)}, ensure_ascii=False) + "\n")
            self.n_articles += 1

    @staticmethod
    def _scope(scope: dict) -> dict:
        actors = [{"actor": a, **s.as_dict()} for a, s in scope["actors"].items()]
        pairs = [{"actor": a, "target": t, **s.as_dict()} for (a, t), s in scope["pairs"].items()]
        key = lambda d: (-d["n"], d["actor"], d.get("target", ""))  # noqa: E731
        return {"actors": sorted(actors, key=key), "pairs": sorted(pairs, key=key)}

    def _corpus(self) -> dict:
        return {"articles_with_pairs": self.n_articles, **self._scope(self.corpus)}

    def _article_lines(self) -> Iterator[str]:
        self._spill.flush()
        self._spill.seek(0)
        for line in self._spill:
            yield line.rstrip("\n")
        self._spill.seek(0, 2)

    def as_dict(self) -> dict:
        return {"corpus": self._corpus(), "articles": [json.loads(line) for line in self._article_lines()]}

    def write_json(self, out: str | Path) -> None:
        """``{"corpus": ..., "articles": [...]}``, streamed to a temporary file, then renamed."""
        import os

        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write('{"corpus": ' + json.dumps(self._corpus(), ensure_ascii=False, indent=1) + ',\n"articles": [\n')
            for k, line in enumerate(self._article_lines()):
                fh.write((",\n" if k else "") + line)
            fh.write("\n]}\n")
        os.replace(tmp, out)

    def tables(self, max_rows: int = 40) -> str:
        """The corpus summary as two readable tables: stance pairs first, then actors."""
        from .output import render_table

        data = self._scope(self.corpus)

        def rows(items, with_target):
            out = []
            for d in items:
                ev = d["evidence"][0]["sentence"] if d["evidence"] else ""
                out.append({"actor": d["actor"], **({"target": d["target"]} if with_target else {}),
                            "n": d["n"], **{lab[:4]: d["counts"][lab] for lab in LABELS},
                            "dominant": d["dominant"], "evidence": ev})
            return out

        pairs = sorted(data["pairs"], key=lambda d: (d["dominant"] == "neutral", -d["n"]))
        polar = [d for d in pairs if d["dominant"] != "neutral"]
        parts = [f"Stance pairs ({len(polar)} with a stance, {len(pairs) - len(polar)} neutral only; "
                 f"{self.n_articles} article{'s' if self.n_articles != 1 else ''}):",
                 render_table(rows(pairs[:max_rows], True))]
        if len(pairs) > max_rows:
            parts.append(f"... {len(pairs) - max_rows} more pairs (see --summary FILE.json)")
        parts += ["", "Actors:", render_table(rows(data["actors"][:max_rows], False))]
        return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- streaming out


class RowWriter:
    """JSONL/CSV rows written as they come (to stdout, or atomically to a file); table rows
    are kept, since a table's column widths need them all."""

    def __init__(self, fmt: str, out: str | None):
        import os

        self.fmt, self.out, self.rows = fmt, out, []
        self._tmp, self._header_done = None, False
        if fmt != "table" and out not in (None, "-"):
            path = Path(out)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            self._fh = open(self._tmp, "w", encoding="utf-8")
        else:
            self._fh = sys.stdout

    def write(self, rows: list[dict]) -> None:
        from .output import render

        if self.fmt == "table":
            self.rows += rows
            return
        text = render(rows, self.fmt, ROW_COLUMNS)
        if self.fmt == "csv" and self._header_done:
            text = text.split("\n", 1)[1]
        self._header_done = True
        self._fh.write(text)

    def close(self) -> None:
        import os

        from .output import render, write_text

        if self.fmt == "table":
            write_text(render(self.rows, "table", TABLE_COLUMNS), self.out)
            return
        if not self._header_done:
            self.write([])
        self._fh.flush()
        if self._tmp is not None:
            self._fh.close()
            os.replace(self._tmp, self.out)
