"""The article's main names, predicted: which of the names an article mentions it is about.

A scorer trained on the pairs between listed names (``experiment=articles_listed``) is the most
accurate on real news when it is told the names a story is about (``--listed-only``); without
them, every bystander pair reads as a stance too often. The selector learns those names from
SEESAW's entity lists (the people, groups and topics the annotators listed for each article):
a logistic regression over how an article mentions a name — how often, in how many sentences,
how early, as a quote's speaker, by name, group word, pronoun or title, and the recogniser's
type. ``--focus`` keeps the pairs between the names it picks, as ``--listed-only`` keeps them
to the listed ones. Saved as ``focus.json`` beside the scorer: numbers only, nothing executed.
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
FORMAT = "actorstance-focus/1"
#: Names of at least this probability are kept. Chosen on SEESAW's select stories with the MPNet listed scorer:
#: triple F1 0.213 / 0.225 / 0.228 / 0.226 / 0.203 at 0.15 / 0.2 / 0.25 / 0.3 / 0.35
#: (benchmarks/results/articles_focus/mpnet-listed-select.json, benchmarks/focus_thresholds.py).
THRESHOLD = 0.25
_LABELS = ("PERSON", "ORG", "GPE", "NORP", "TOPIC", "GROUP")
_KINDS = ("name", "group", "reference", "topic")
FEATURES = ("log_mentions", "log_sentences", "sentence_share", "first_position", "in_first_sentence",
            "in_first_three", "log_speaker", "log_rank", "inverse_rank", "log_names", "words") + \
    tuple(f"kind_{k}" for k in _KINDS) + tuple(f"label_{x}" for x in _LABELS)


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
    """Logistic regression weights over :data:`FEATURES` and the probability above which a name is kept."""

    coef: list[float]
    intercept: float
    threshold: float = THRESHOLD
    info: dict | None = None  # what it was fitted on, and how well it finds the listed names there

    def probabilities(self, mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> dict[str, float]:
        def sigmoid(z: float) -> float:
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))  # no overflow either way

        return {c: sigmoid(self.intercept + sum(w * x for w, x in zip(self.coef, f)))
                for c, f in name_features(mentions, sentences).items()}

    def main_names(self, mentions: Sequence[Mention], sentences: Sequence[Sentence]) -> list[tuple[str, float]]:
        """The names the article is about with their probabilities, most probable first."""
        p = self.probabilities(mentions, sentences)
        return sorted(((c, q) for c, q in p.items() if q >= self.threshold), key=lambda cq: (-cq[1], cq[0]))

    def save(self, model_dir: str | Path) -> Path:
        """Into a saved model's directory, listed in its meta.json (so that loading checks it as the weights)."""
        from ..models.base import attach_file

        return attach_file(model_dir, FILE, json.dumps({"format": FORMAT, "features": list(FEATURES), "coef": self.coef,
                                                        "intercept": self.intercept, "threshold": self.threshold,
                                                        "info": self.info or {}}, indent=1) + "\n")

    @classmethod
    def load(cls, model_dir: str | Path) -> "FocusSelector":
        path = Path(model_dir) / FILE
        if not path.is_file():
            raise ModelLoadError(f"--focus: {model_dir} has no name selector ({FILE}); it comes with the scorers of "
                             "experiment=articles_listed*, or fit one: python benchmarks/fit_focus.py --model DIR")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            if d.get("format") != FORMAT or d.get("features") != list(FEATURES):
                raise ValueError(f"expected format {FORMAT} with the features {', '.join(FEATURES)}")
            sel = cls([float(w) for w in d["coef"]], float(d["intercept"]), float(d["threshold"]), d.get("info"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(f"{path}: not a name selector this version reads ({exc})") from None
        if len(sel.coef) != len(FEATURES) or not 0.0 <= sel.threshold <= 1.0:
            raise ModelLoadError(f"{path}: expected {len(FEATURES)} weights and a threshold from 0 to 1")
        return sel


def fit_focus(gold_articles: Iterable, pipeline, threshold: float = THRESHOLD) -> FocusSelector:
    """Fit the selector on articles with entity lists (SEESAW's), their names read by ``pipeline``
    as prediction reads them: a name is positive when the article's list holds it."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from .pairs import is_listed

    golds = list(gold_articles)
    x, y = [], []
    for g, analysed in zip(golds, pipeline.analyse(g.article() for g in golds)):
        listed = [name for name, _ in g.entities]
        labels: dict[str, Counter[str]] = {}
        for m in analysed.mentions:
            labels.setdefault(m.canonical, Counter())[m.label] += 1
        for c, f in name_features(analysed.mentions, analysed.sentences).items():
            x.append(f)
            y.append(is_listed(c, labels[c].most_common(1)[0][0] == "PERSON", listed))
    if len(set(y)) < 2:
        raise ConfigError("the name selector needs articles whose lists hold some of their names and not others")
    lr = LogisticRegression(max_iter=2000).fit(np.array(x), np.array(y))
    p = lr.predict_proba(np.array(x))[:, 1] >= threshold
    yy = np.array(y)
    info = {"articles": len(golds), "names": len(y), "listed": int(yy.sum()),
            "kept_precision": round(float((p & yy).sum() / max(1, p.sum())), 4),
            "kept_recall": round(float((p & yy).sum() / max(1, yy.sum())), 4)}
    return FocusSelector([float(w) for w in lr.coef_[0]], float(lr.intercept_[0]), threshold, info)


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
