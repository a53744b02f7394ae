"""TF-IDF + logistic regression over sentences in which the actor and target are masked.

Masking ("ACTORX criticised TARGETX") makes the features say *the actor* rather than a
name, so they carry over to people the training data never saw. Three views of each
example are vectorised: the masked sentence (word and character n-grams) and the words
between the two mentions, where the stance is usually expressed. Imports no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import LABEL2ID, LABELS
from ..errors import ConfigError
from .base import StanceModel, _as_records, check_examples, expand_to_labels
from .mentions import mention_spans, replace_mentions

MASKS = {"actor": "actorx", "target": "targetx"}


def _views(ex: dict) -> dict[str, str]:
    masked = replace_mentions(ex, MASKS)
    if not ex.get("actor"):
        masked = "writerx " + masked  # the writer holds the stance
    spans = mention_spans(ex)
    if len(spans) == 2:
        between = ex["text"][spans[0][1]:spans[1][0]]
        order = "actorfirst" if spans[0][2] == "actor" else "targetfirst"
        between = f"{order} {between}"
    else:
        between = "nopair"
    # how the article pipeline found the pair (a quote's speaker, a pronoun, a topic), where it says
    found = " ".join(f"{k}x{ex[k]}" for k in ("via", "actor_kind", "target_kind") if ex.get(k))
    return {"word": masked, "char": masked, "between": f"{found} {between}" if found else between}


def _ngram_range(name: str, value) -> list[int] | None:
    """``[min, max]`` n-gram lengths (1 <= min <= max), or None for no such view."""
    if not value:
        return None
    if (isinstance(value, str) or len(value) != 2 or not all(isinstance(n, int) and not isinstance(n, bool) for n in value)
            or not 1 <= value[0] <= value[1]):
        raise ConfigError(f"model.{name}: {value!r}; use [min, max] n-gram lengths with 1 <= min <= max, or null")
    return list(value)


class TfidfStanceModel(StanceModel):
    """Seconds to train, thousands of sentences per second to predict."""

    family = "tfidf"

    def __init__(self, word_ngrams=(1, 2), char_ngrams=(2, 5), between_ngrams=(1, 2), C: float = 4.0,
                 class_weight: str | None = "balanced", min_df: int = 1, max_features: int | None = 200_000,
                 max_iter: int = 2000, seed: int = 0):
        if class_weight not in (None, "balanced"):
            raise ConfigError(f"model.class_weight: {class_weight!r}; use balanced or null")
        super().__init__(word_ngrams=_ngram_range("word_ngrams", word_ngrams),
                         char_ngrams=_ngram_range("char_ngrams", char_ngrams),
                         between_ngrams=_ngram_range("between_ngrams", between_ngrams),
                         C=float(C), class_weight=class_weight, min_df=int(min_df),
                         max_features=int(max_features) if max_features else None, max_iter=int(max_iter),
                         seed=int(seed))
        self.vectorizers_: dict = {}
        self.clf_ = None

    def _make_vectorizer(self, view: str, vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        ngrams = {"word": self.word_ngrams, "char": self.char_ngrams, "between": self.between_ngrams}[view]
        kw = dict(ngram_range=tuple(ngrams), sublinear_tf=True, lowercase=True, dtype=np.float32)
        if view == "char":
            kw["analyzer"] = "char_wb"
        if vocabulary is None:
            kw.update(min_df=self.min_df, max_features=self.max_features)
        else:
            kw["vocabulary"] = vocabulary
        return TfidfVectorizer(**kw)

    def _active_views(self) -> list[str]:
        return [v for v, ng in (("word", self.word_ngrams), ("char", self.char_ngrams),
                                ("between", self.between_ngrams)) if ng]

    def _features(self, records: list[dict], fit: bool = False):
        from scipy.sparse import hstack

        views = [_views(ex) for ex in records]
        blocks = []
        for name in self._active_views():
            docs = [v[name] for v in views]
            if fit:
                self.vectorizers_[name] = self._make_vectorizer(name)
                blocks.append(self.vectorizers_[name].fit_transform(docs))
            else:
                blocks.append(self.vectorizers_[name].transform(docs))
        return hstack(blocks).tocsr()

    def fit(self, train, dev=None) -> "TfidfStanceModel":
        from sklearn.linear_model import LogisticRegression

        records = _as_records(train)
        check_examples(records)
        y = np.array([LABEL2ID[ex["label"]] for ex in records])
        X = self._features(records, fit=True)
        self.clf_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                       random_state=self.seed)
        self.clf_.fit(X, y)
        return self

    def is_fitted(self) -> bool:
        return self.clf_ is not None

    def _predict_proba(self, records: list[dict]) -> np.ndarray:
        proba = self.clf_.predict_proba(self._features(records))
        return expand_to_labels(proba, self.clf_.classes_)

    # -- persistence: vocabularies as JSON, arrays as safetensors (no pickle) -----------------
    def _save_weights(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        # contiguous copies: safetensors writes raw memory, and sklearn's coef_ is Fortran-ordered
        arrays = {"coef": np.ascontiguousarray(self.clf_.coef_),
                  "intercept": np.ascontiguousarray(self.clf_.intercept_),
                  "classes": np.ascontiguousarray(self.clf_.classes_, dtype=np.int64)}
        vocab = {}
        for name, vec in self.vectorizers_.items():
            terms = [None] * len(vec.vocabulary_)
            for term, i in vec.vocabulary_.items():
                terms[i] = term
            vocab[name] = terms
            arrays[f"idf.{name}"] = np.ascontiguousarray(vec.idf_)
        save_file(arrays, str(directory / "weights.safetensors"))
        (directory / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    def _load_weights(self, directory: Path, meta: dict) -> None:
        from safetensors.numpy import load_file
        from sklearn.linear_model import LogisticRegression

        arrays = load_file(str(directory / "weights.safetensors"))
        bad = sorted(k for k, a in arrays.items() if a.dtype.kind == "f" and not np.isfinite(a).all())
        if bad:  # re-hashed edits pass the checksums; NaN would reach scikit-learn's input checks
            raise ValueError(f"non-finite weights in {', '.join(bad)}")
        vocab = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        for name in self._active_views():
            vec = self._make_vectorizer(name, vocabulary={t: i for i, t in enumerate(vocab[name])})
            vec.idf_ = arrays[f"idf.{name}"]
            self.vectorizers_[name] = vec
        clf = LogisticRegression(C=self.C)
        clf.coef_, clf.intercept_ = arrays["coef"], arrays["intercept"]
        clf.classes_ = arrays["classes"]
        classes = [int(c) for c in clf.classes_]
        if len(set(classes)) != len(classes) or not all(0 <= c < len(LABELS) for c in classes) or len(classes) < 2:
            raise ValueError(f"classes {classes}: expected distinct label ids from 0 to {len(LABELS) - 1}")
        n_features = sum(len(vocab[n]) for n in self._active_views())
        if clf.coef_.shape[1] != n_features:
            raise ValueError(f"weights have {clf.coef_.shape[1]} features, vocabulary {n_features}")
        self.clf_ = clf
