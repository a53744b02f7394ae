"""Articles with gold stances as training data for the pair scorer (SEESAW; the bundled
data/articles): the candidates the article pipeline itself produces on each article, labeled
from the gold.

A candidate pair takes the label of a gold triple of an overlapping gold sentence whose holder
and target both match its names (:func:`.gold.names_match`), and ``neutral`` where none
does, so the scorer learns the no-stance decision on exactly the candidates it will see at
prediction time. Registered as the data format ``seesaw`` (``python train.py data=seesaw``);
options: ``split`` (train / valid), ``part`` (all / fit / select: see ``gold.SEESAW_PARTS``),
``ner`` (auto / spacy / rules), ``neutral_rate`` (the share of neutral candidates kept, chosen
by a hash of the id: about 98% of candidates are neutral, and a transformer need not see them
all to learn what they look like), ``hard_neutral_rate``, ``drop_uncertain`` and ``drop_uncertain_holders`` (see
:func:`candidate_records`), ``missed_gold`` (the gold stances no candidate matched, as records of their own:
:func:`missed_gold_records`), ``salient`` (the article's N most mentioned names as targets of every
sentence, as ``predict --salient N``; default ``pairs.SALIENT``), ``readings`` (each pair read at up to N
mentions of its names, as prediction does: :func:`candidate_records`; default 1), ``salient_holders`` (the
article's main actors also hold the pairs of sentences that name no person: :func:`.pairs.sentence_pairs`; a
model trained so gets the same candidates when it predicts), ``listed_only`` (only the pairs between names of the
article's entity list, as ``predict --listed-only`` keeps them to an actor file's: :func:`.pairs.listed_pairs`),
``focus_only`` (only the pairs between the names a selector fitted on the fit stories' entity lists predicts, as
``predict --focus`` keeps them: :func:`focus_selector`).
The bundled layout (``NAME.txt`` + ``NAME.gold.jsonl``) is the
format ``gold_articles`` (:func:`read_gold_article_candidates`), part of ``python train.py``'s
default data.
"""

from __future__ import annotations

import logging
import re
import zlib
from pathlib import Path
from typing import Iterable, Iterator

from .gold import GoldArticle, gold_sentence_ids, names_match, read_seesaw

log = logging.getLogger(__name__)


def _kept(record_id: str, rate: float) -> bool:
    """A fixed share of records, chosen by a hash of the id (the same ones in every run)."""
    return rate >= 1.0 or zlib.crc32(record_id.encode()) % 10_000 < rate * 10_000


def _span_of(name: str, text: str) -> list[int] | None:
    """Where a gold name is written in a sentence: the whole name, else its longest capitalised
    word ("Obama" for "Barack Obama"), else None (a "he", or a name the sentence only implies)."""
    low = text.lower()
    for word in [name] + sorted((w for w in re.findall(r"[A-Z][\w’'-]{2,}", name) if w != name), key=len, reverse=True):
        found = re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", low)
        if found:
            return [found.start(), found.end()]
    return None


def missed_gold_records(gold: GoldArticle, analysed, missed: Iterable) -> Iterator[dict]:
    """A record for each gold stance that no candidate pair matched (``missed_gold``): the
    sentence with the gold names (their spans where the sentence writes them), so the scorer
    also learns from the stances the candidate generator does not reach."""
    from .pairs import sentence_before

    for k, g in enumerate(missed):
        s = next((s for s in analysed.sentences if g.sentence in gold_sentence_ids((s.start, s.end), gold.sentences)), None)
        if s is None:
            continue
        text = analysed.article.text[s.start:s.end]
        a_span, t_span = _span_of(g.actor, text), _span_of(g.target, text)
        yield {"id": f"{gold.id}:{s.index}:gold{k}", "text": text,
               "actor": text[a_span[0]:a_span[1]] if a_span else g.actor,
               "target": text[t_span[0]:t_span[1]] if t_span else g.target,
               "actor_span": a_span, "target_span": t_span, "via": "gold", "actor_kind": "gold", "target_kind": "gold",
               "context": analysed.article.text[b.start:b.end] if (b := sentence_before(s, analysed.sentences)) else "",
               "label": g.label}


def candidate_records(gold_articles: Iterable[GoldArticle], pipeline, *, neutral_rate: float = 1.0,
                      hard_neutral_rate: float | None = None, drop_uncertain: bool = False,
                      drop_uncertain_holders: bool = False, missed_gold: bool = False,
                      source: str = "seesaw") -> Iterator[dict]:
    """Labeled records, one per candidate pair (see the module doc), in the model's record
    format plus ``group`` (the story) and ``source``. Of candidates with the same sentence,
    actor and target text (two people called "he" in one sentence), the first is kept.

    Neutral candidates are thinned to ``neutral_rate``; those of a sentence that holds a matched
    gold stance (the hard ones: the same sentence, another pair) to ``hard_neutral_rate``
    (default: the same). ``drop_uncertain`` leaves out the neutral candidates of a gold sentence
    that holds a stance no candidate matched (its pair was not generated, or its holder or target
    is outside the entity list): such a candidate may be that stance under a name the rule
    cannot match, and labeling it neutral would teach the scorer that stance-bearing sentences
    carry none. ``drop_uncertain_holders`` leaves out fewer: only the neutral candidates whose actor is the
    holder of such an unmatched stance of the sentence, and whose target is a topic, no actor (the stance's
    target under another name, most likely: the gold's "Affordable Care Act" is the article's "health care
    law", its "For the People Act" the article's "the legislation"). A ``pipeline`` that reads pairs at
    several mentions (``instances`` > 1, the option ``readings``) gives a record per reading, each with the
    pair's label and a ``bag`` naming the pair (a neutral pair is kept or thinned whole): ``model.best_reading``
    learns a stance from the reading that states it. ``missed_gold`` adds the gold stances no candidate matched
    (:func:`missed_gold_records`)."""
    from .pairs import model_record

    hard_rate = neutral_rate if hard_neutral_rate is None else hard_neutral_rate
    by_id: dict[str, GoldArticle] = {}

    def texts():
        for g in gold_articles:
            by_id[g.id] = g
            yield g.article(listed=pipeline.listed_only)

    readings = pipeline.instances > 1
    seen: dict[tuple, str] = {}  # (text, actor, target) -> the pair (bag) that took it
    dropped, uncertain = 0, 0
    for analysed in pipeline.analyse(texts()):
        gold = by_id.pop(analysed.article.id)
        ids_of = {s.index: gold_sentence_ids((s.start, s.end), gold.sentences) for s in analysed.sentences}
        labeled, matched = [], set()
        for pair in analysed.pairs:
            ids = ids_of[pair.sentence.index]
            hit = next((g for g in gold.triples if g.sentence in ids and names_match(pair.actor.canonical, g.actor)
                        and names_match(pair.target.canonical, g.target)), None)
            matched.add(hit)
            labeled.append((pair, ids, "neutral" if hit is None else hit.label))
        unsure = {g.sentence for g in gold.triples if g not in matched} | gold.unnamed_sentences
        unsure_holders = [g for g in gold.triples if g not in matched]
        with_stance = {g.sentence for g in gold.triples if g in matched}
        for pair, ids, label in labeled:
            if label == "neutral" and ((drop_uncertain and ids & unsure) or (
                    drop_uncertain_holders and pair.target.kind == "topic"
                    and any(g.sentence in ids and names_match(pair.actor.canonical, g.actor) for g in unsure_holders))):
                uncertain += 1
                continue
            rec = model_record(analysed.article, pair, analysed.sentences)
            key = (rec["text"], rec["actor"], rec["target"])
            bag = f"{gold.id}:{pair.sentence.index}:{pair.actor.canonical}:{pair.target.canonical}:{pair.via}"
            if key in seen and not (readings and seen[key] == bag):  # another reading of the same pair is no repeat
                dropped += 1
                continue
            seen.setdefault(key, bag)
            if label == "neutral" and not _kept(bag if readings else rec["id"], hard_rate if ids & with_stance else neutral_rate):
                continue
            yield {**rec, "label": label, "group": gold.group, "source": source, **({"bag": bag} if readings else {})}
        if missed_gold:
            for rec in missed_gold_records(gold, analysed, (g for g in gold.triples if g not in matched)):
                if (rec["text"], rec["actor"], rec["target"]) not in seen:
                    seen[rec["text"], rec["actor"], rec["target"]] = rec["id"]
                    yield {**rec, "group": gold.group, "source": source}
    if dropped:
        log.info("%s: %d candidate pairs repeated a sentence, actor and target already taken", source, dropped)
    if uncertain:
        log.info("seesaw: %d neutral candidates left out as uncertain (drop_uncertain%s)", uncertain,
                 "_holders" if drop_uncertain_holders else "")


def _check_options(path: Path, fmt: str, options: dict, known: tuple[str, ...]) -> tuple[dict, dict]:
    """The flags (true/false) and rates (in (0, 1]) among a format's options, or a DataError that
    names the file and the option."""
    from ..errors import DataError

    unknown = set(options) - set(known)
    if unknown:
        raise DataError([f"{path}: {fmt}: unknown option(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}"])
    flags = {flag: options.get(flag, False) for flag in ("drop_uncertain", "drop_uncertain_holders", "salient_holders",
                                                          "missed_gold", "listed_only", "focus_only") if flag in known}
    for flag, value in flags.items():
        if not isinstance(value, bool):
            raise DataError([f"{path}: {fmt}: {flag}: expected true or false, got {value!r}"])
    rates = {}
    for rate in ("neutral_rate", "hard_neutral_rate"):
        value = options.get(rate)
        if value is None:
            continue
        try:
            rates[rate] = float(value)
        except (TypeError, ValueError):
            rates[rate] = -1.0
        if not 0.0 < rates[rate] <= 1.0:
            raise DataError([f"{path}: {fmt}: {rate}: expected a number in (0, 1], got {value!r}"])
    return flags, rates


def _whole(path: Path, fmt: str, options: dict, name: str, default: int, least: int = 0) -> int:
    """A whole-number option, or a DataError that names the file and the option."""
    from ..errors import DataError

    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise DataError([f"{path}: {fmt}: {name}: expected a whole number >= {least}, got {value!r}"])
    return value


def _salient(path: Path, fmt: str, options: dict) -> int:
    """The ``salient`` option (default ``pairs.SALIENT``), or a DataError that names the file."""
    from .pairs import SALIENT

    return _whole(path, fmt, options, "salient", SALIENT)


_SELECTORS: dict = {}


def focus_selector(path: Path, detector):
    """The name selector ``predict --focus`` gets from a run trained on this SEESAW folder: fitted on its fit stories'
    entity lists (for training and selection pairs alike, so that both see the pairs prediction will); once a process."""
    from .focus import fit_focus
    from .pipeline import ArticlePipeline

    key = (str(Path(path).resolve()), detector.name)
    if key not in _SELECTORS:
        _SELECTORS[key] = fit_focus(read_seesaw(path, "train", "fit"), ArticlePipeline(None, detector))
    return _SELECTORS[key]


def read_seesaw_candidates(path: Path, options: dict):
    """The ``seesaw`` data format: a SEESAW folder -> labeled candidate pairs (RawRow per pair)."""
    from ..data import RawRow
    from .detectors import make_detector
    from .pipeline import ArticlePipeline

    known = ("split", "part", "ner", "neutral_rate", "hard_neutral_rate", "drop_uncertain", "drop_uncertain_holders",
             "salient_holders", "missed_gold", "salient", "readings", "listed_only", "focus_only")
    flags, rates = _check_options(path, "seesaw", options, known)
    if flags["listed_only"] and flags["focus_only"]:
        from ..errors import DataError

        raise DataError([f"{path}: seesaw: listed_only keeps the pairs to the annotators' names, focus_only to the "
                         "predicted ones: give one"])
    detector = make_detector(options.get("ner") or "auto", warn=log.warning)
    pipeline = ArticlePipeline(None, detector, salient=_salient(path, "seesaw", options),
                               salient_holders=flags["salient_holders"],
                               instances=_whole(path, "seesaw", options, "readings", 1, 1),
                               listed_only=flags["listed_only"],
                               focus=focus_selector(path, detector) if flags["focus_only"] else None)
    # default: a pair's first reading (prediction reads up to pairs.INSTANCES and keeps the most polar)
    articles = read_seesaw(path, options.get("split") or "train", options.get("part") or "all")
    for k, rec in enumerate(candidate_records(articles, pipeline, drop_uncertain=flags["drop_uncertain"],
                                              drop_uncertain_holders=flags["drop_uncertain_holders"],
                                              missed_gold=flags["missed_gold"], **rates), start=1):
        yield RawRow(k, rec)


def read_gold_article_candidates(path: Path, options: dict):
    """The ``gold_articles`` data format: a folder of ``NAME.txt`` articles with
    ``NAME.gold.jsonl`` stances (the layout of data/articles) -> labeled candidate pairs, so a
    scorer trained on the bundled data also learns which of an article's candidates carry no
    stance. Options: ``exclude`` (article names to leave out, e.g. one kept for a held-out
    look), ``actors`` (an actor file, relative to the folder: the names ``predict --actors``
    would merge), ``ner``, ``neutral_rate``, ``hard_neutral_rate``, ``salient``."""
    from ..data import RawRow
    from ..errors import DataError
    from .detectors import make_detector
    from .gold import read_bundled
    from .lexicon import load_lexicon
    from .pipeline import ArticlePipeline

    known = ("exclude", "actors", "ner", "neutral_rate", "hard_neutral_rate", "salient")
    _, rates = _check_options(path, "gold_articles", options, known)
    salient = _salient(path, "gold_articles", options)
    exclude = options.get("exclude") or []
    if isinstance(exclude, str) or not hasattr(exclude, "__iter__") or not all(isinstance(n, str) for n in exclude):
        raise DataError([f"{path}: gold_articles: exclude: expected a list of article names, got {exclude!r}"])
    articles = list(read_bundled(path))
    names = sorted(g.id for g in articles)
    if missing := sorted(set(exclude) - set(names)):
        raise DataError([f"{path}: gold_articles: exclude: no article {', '.join(missing)} here "
                         f"(NAME for NAME.gold.jsonl; there are {', '.join(names) or 'none'})"])
    actors = options.get("actors")
    lexicon = load_lexicon(Path(path) / actors if actors else None)
    pipeline = ArticlePipeline(None, make_detector(options.get("ner") or "auto", warn=log.warning), lexicon,
                               salient=salient, instances=1)
    kept = (g for g in articles if g.id not in exclude)
    for k, rec in enumerate(candidate_records(kept, pipeline, source="articles", **rates), start=1):
        yield RawRow(k, rec)
