"""The article's main names, predicted: which of the names an article mentions it is about.

A scorer trained on the pairs between listed names (``experiment=articles_listed``) is the most
accurate on real news when it is told the names a story is about (``--listed-only``); without
them, every bystander pair reads as a stance too often. The selector learns those names from
SEESAW's entity lists (the people, groups and topics the annotators listed for each article):
a logistic regression over how an article mentions a name — how often, in how many sentences,
how early, as a quote's speaker, by name, group word, pronoun or title, and the recogniser's
type — and over how often the fit articles that mention the same name list it (news outlets, places
and "the United States" rarely are; "Republicans" or a president often). ``--focus`` keeps the pairs
between the names it picks, as ``--listed-only`` keeps them to the listed ones. Saved as
``focus.json`` beside the scorer (with the fit names' counts): numbers and names only, nothing executed.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import ConfigError, ModelLoadError
from .mentions import Mention
from .segmentation import Sentence

FILE = "focus.json"
FORMAT = "actorstance-focus/2"
FORMAT_WITHOUT_PRIORS = "actorstance-focus/1"  # selectors saved before the name priors: still read
#: Names of at least this probability are kept. Chosen on SEESAW's select stories (benchmarks/focus_thresholds.py,
#: benchmarks/results/articles_focus/*-prior-select.json), triple F1 at 0.25 / 0.3 / 0.35 with the name priors:
#: MPNet listed scorer 0.239 / 0.245 / 0.235, MPNet focus scorer 0.230 / 0.241 / 0.232, MiniLM focus 0.219 / 0.221 / 0.216.
THRESHOLD = 0.3
_LABELS = ("PERSON", "ORG", "GPE", "NORP", "TOPIC", "GROUP")
_KINDS = ("name", "group", "reference", "topic")
FEATURES = ("log_mentions", "log_sentences", "sentence_share", "first_position", "in_first_sentence",
            "in_first_three", "log_speaker", "log_rank", "inverse_rank", "log_names", "words") + \
    tuple(f"kind_{k}" for k in _KINDS) + tuple(f"label_{x}" for x in _LABELS)
#: From the fit articles that mention the name: the log-odds that they list it (smoothed toward one in five) and how many.
PRIOR_FEATURES = ("name_prior_logit", "log_name_seen")
_PRIOR_LISTED, _PRIOR_SEEN = 1.0, 5.0


def prior_features(listed: int, seen: int) -> list[float]:
    """:data:`PRIOR_FEATURES` of a name the fit articles mention ``seen`` times and list ``listed`` times of those."""
    p = (listed + _PRIOR_LISTED) / (seen + _PRIOR_SEEN)
    return [math.log(p / (1 - p)), math.log1p(seen)]


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


def name_features(mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> dict[str, list[float]]:
    """One feature vector (``FEATURES``) per canonical name of an article's mentions (actors and topics)."""
    starts = [s.start for s in sentences]
    n_sent = max(1, len(sentences))
    count: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {}
    labels: dict[str, Counter[str]] = {}
    in_sentences: dict[str, set[int]] = {}
    first: dict[str, int] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        c = m.canonical
        count[c] += 1
        kinds.setdefault(c, Counter())[m.kind] += 1
        labels.setdefault(c, Counter())[m.label] += 1
        in_sentences.setdefault(c, set()).add(max(0, bisect.bisect_right(starts, m.start) - 1))
        first.setdefault(c, m.start)
    speaker = Counter(s.speaker.canonical for s in sentences if s.speaker is not None)
    ranked = sorted(count, key=lambda c: (-count[c], first[c]))
    out = {}
    for rank, c in enumerate(ranked):
        n, first_sentence = count[c], min(in_sentences[c])
        label = labels[c].most_common(1)[0][0]
        out[c] = [math.log1p(n), math.log1p(len(in_sentences[c])), len(in_sentences[c]) / n_sent,
                  first_sentence / n_sent, float(first_sentence == 0), float(first_sentence < 3),
                  math.log1p(speaker[c]), math.log1p(rank), 1 / (1 + rank), math.log1p(len(ranked)),
                  min(len(c.split()), 4) / 4] + \
            [kinds[c][k] / n for k in _KINDS] + [float(label == x) for x in _LABELS]
    return out


@dataclass
class FocusSelector:
    """Logistic regression weights over :data:`FEATURES` (and :data:`PRIOR_FEATURES` when ``names`` is given) and the
    probability above which a name is kept."""

    coef: list[float]
    intercept: float
    threshold: float = THRESHOLD
    info: dict | None = None  # what it was fitted on, and how well it finds the listed names there
    names: dict[str, tuple[int, int]] | None = None  # name_key -> (fit articles listing it, fit articles mentioning it)

    def features(self, mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> dict[str, list[float]]:
        base = name_features(mentions, sentences)
        if self.names is None:
            return base
        return {c: f + prior_features(*self.names.get(name_key(c), (0, 0))) for c, f in base.items()}

    def probabilities(self, mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> dict[str, float]:
        def sigmoid(z: float) -> float:
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))  # no overflow either way

        return {c: sigmoid(self.intercept + sum(w * x for w, x in zip(self.coef, f)))
                for c, f in self.features(mentions, sentences).items()}

    def main_names(self, mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> list[tuple[str, float]]:
        """The names the article is about with their probabilities, most probable first."""
        p = self.probabilities(mentions, sentences)
        return sorted(((c, q) for c, q in p.items() if q >= self.threshold), key=lambda cq: (-cq[1], cq[0]))

    def save(self, model_dir: str | Path) -> Path:
        """Into a saved model's directory, listed in its meta.json (so that loading checks it as the weights)."""
        from ..models.base import attach_file

        features = list(FEATURES) + (list(PRIOR_FEATURES) if self.names is not None else [])
        names = None if self.names is None else {k: list(v) for k, v in sorted(self.names.items())}
        return attach_file(model_dir, FILE, json.dumps({"format": FORMAT if names is not None else FORMAT_WITHOUT_PRIORS,
                                                        "features": features, "coef": self.coef,
                                                        "intercept": self.intercept, "threshold": self.threshold,
                                                        "info": self.info or {}, "names": names}) + "\n")

    @classmethod
    def load(cls, model_dir: str | Path) -> "FocusSelector":
        path = Path(model_dir) / FILE
        if not path.is_file():
            raise ModelLoadError(f"--focus: {model_dir} has no name selector ({FILE}); it comes with the scorers of "
                             "experiment=articles_listed*, or fit one: python benchmarks/fit_focus.py --model DIR")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            priors = d.get("format") == FORMAT
            features = list(FEATURES) + (list(PRIOR_FEATURES) if priors else [])
            if d.get("format") not in (FORMAT, FORMAT_WITHOUT_PRIORS) or d.get("features") != features:
                raise ValueError(f"expected format {FORMAT} with the features {', '.join(features)}")
            names = {str(k): (int(v[0]), int(v[1])) for k, v in d["names"].items()} if priors else None
            sel = cls([float(w) for w in d["coef"]], float(d["intercept"]), float(d["threshold"]), d.get("info"), names)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise ModelLoadError(f"{path}: not a name selector this version reads ({exc})") from None
        if len(sel.coef) != len(features) or not 0.0 <= sel.threshold <= 1.0:
            raise ModelLoadError(f"{path}: expected {len(features)} weights and a threshold from 0 to 1")
        return sel


def fit_focus(gold_articles: Iterable, pipeline, threshold: float = THRESHOLD) -> FocusSelector:
    """Fit the selector on articles with entity lists (SEESAW's), their names read by ``pipeline``
    as prediction reads them: a name is positive when the article's list holds it. A name's prior features are
    counted on the other stories' articles only (a story's articles share their names), as a new story's will be."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from .pairs import is_listed

    golds = list(gold_articles)
    rows = []  # (story, name, features, listed)
    for g, analysed in zip(golds, pipeline.analyse(g.article() for g in golds)):
        listed = [name for name, _ in g.entities]
        labels: dict[str, Counter[str]] = {}
        for m in analysed.mentions:
            labels.setdefault(m.canonical, Counter())[m.label] += 1
        for c, f in name_features(analysed.mentions, analysed.sentences).items():
            rows.append((g.group or g.id, name_key(c), f,
                         is_listed(c, labels[c].most_common(1)[0][0] == "PERSON", listed)))
    names = _name_counts((name, positive) for _, name, _, positive in rows)
    stories: dict[str, list[tuple[str, bool]]] = {}
    for story, name, _, positive in rows:
        stories.setdefault(story, []).append((name, positive))
    by_story = {story: _name_counts(named) for story, named in stories.items()}
    x, y = [], []
    for story, name, f, positive in rows:
        (n_listed, n_seen), (own_listed, own_seen) = names[name], by_story[story][name]
        x.append(f + prior_features(n_listed - own_listed, n_seen - own_seen))
        y.append(positive)
    if len(set(y)) < 2:
        raise ConfigError("the name selector needs articles whose lists hold some of their names and not others")
    lr = LogisticRegression(max_iter=2000).fit(np.array(x), np.array(y))
    p = lr.predict_proba(np.array(x))[:, 1] >= threshold
    yy = np.array(y)
    info = {"articles": len(golds), "names": len(y), "listed": int(yy.sum()),
            "kept_precision": round(float((p & yy).sum() / max(1, p.sum())), 4),
            "kept_recall": round(float((p & yy).sum() / max(1, yy.sum())), 4)}
    return FocusSelector([float(w) for w in lr.coef_[0]], float(lr.intercept_[0]), threshold, info, names)


def _name_counts(named: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """name_key -> (articles listing it, articles mentioning it), from one (name, listed) per article and name."""
    listed: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for name, is_listed_there in named:
        seen[name] += 1
        listed[name] += is_listed_there
    return {name: (listed[name], seen[name]) for name in seen}


def fit_for_run(data_cfg, base_dir=None, threshold: float = THRESHOLD) -> FocusSelector:
    """A training run's selector (``focus: true``): fitted on the articles of its first SEESAW training entry (that
    entry's split and part), their names read by the pipeline prediction uses."""
    from ..splits import file_specs
    from .detectors import make_detector
    from .gold import read_seesaw
    from .pipeline import ArticlePipeline

    entries = [(path, options) for path, fmt, _, options in file_specs(data_cfg.get("train"), data_cfg, base_dir)
               if fmt == "seesaw"]
    if not entries:
        raise ConfigError("focus: the name selector learns from SEESAW's entity lists, and data.train has no "
                          "entry in the seesaw format")
    path, options = entries[0]
    articles = read_seesaw(path, options.get("split") or "train", options.get("part") or "all")
    return fit_focus(articles, ArticlePipeline(None, make_detector(options.get("ner") or "auto")), threshold)
