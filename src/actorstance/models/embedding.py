"""Frozen sentence-encoder features + logistic regression: the cheap middle ground.

The encoder (all-MiniLM-L6-v2 by default) is never trained, so fitting costs one forward
pass over the data plus a linear model. Actor/target awareness comes from *where* the
vectors are pooled: besides the mean over the whole sentence (what a sentence embedding
is), the contextual token vectors of the actor mention and of the target mention are
mean-pooled separately and placed in fixed slots of the feature vector, so the linear head
knows which entity holds the stance and which one receives it; a fourth slot pools the
tokens between the two mentions, where the stance is usually expressed. By default the
mentions are also wrapped in marker characters before encoding, so the contextual vectors
themselves differ by role (measured: benchmarks/results/embedding.md). An empty actor (the
writer) leaves the actor slot zero and sets a flag.

Sentences longer than ``max_length`` tokens are cut to a window around the mentions rather
than at the end, so the pooled mention vectors survive truncation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import LABEL2ID
from ..errors import ConfigError, ModelLoadError
from ..atomic import sha256_file
from .base import StanceModel, _as_records, check_examples, expand_to_labels
from .mentions import mention_spans, token_window, wrap_mentions

#: pooled views a feature vector can be built from (in the order given by ``features``)
FEATURES = ("sentence", "actor", "target", "between")
#: marker characters placed around mentions when ``markers="wrap"``
MARKERS = {"actor": ("<< ", " >>"), "target": ("[[ ", " ]]")}
HEAD_FILE = "head.safetensors"
REFERENCE_FILE = "encoder.json"  # only with copy_encoder=false


def _prepare(ex: dict, markers: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """The text to encode and the character span of each mention found in it."""
    if markers == "wrap":
        text, spans = wrap_mentions(ex, MARKERS)
        roles = [role for _, _, role in mention_spans(ex)]
        return text, dict(zip(roles, spans))
    return ex["text"], {role: (start, end) for start, end, role in mention_spans(ex)}


def _view_masks(features, spans: dict, starts: np.ndarray, ends: np.ndarray, attention: np.ndarray):
    """Which tokens each view pools (one row per view), and the three flags of one example.

    ``starts``/``ends`` are the character offsets of the encoded tokens (special and padding
    tokens are ``(0, 0)``); a view whose mention is absent or was cut off pools nothing.
    """
    masks = np.zeros((len(features), len(attention)), dtype=np.float32)
    token = ends > starts
    for k, view in enumerate(features):
        if view == "sentence":
            masks[k] = attention
            continue
        if view == "between" and len(spans) == 2:
            (_, lo), (hi, _) = sorted(spans.values())
        elif view in spans:
            lo, hi = spans[view]
        else:
            continue
        masks[k] = token & (starts < hi) & (ends > lo)
    both = "actor" in spans and "target" in spans
    flags = ("actor" in spans, "target" in spans, both and spans["actor"] < spans["target"])
    return masks, flags


class EmbeddingStanceModel(StanceModel):
    """Frozen mean-pooled encoder vectors (sentence, actor span, target span) + logistic regression."""

    family = "embedding"

    def __init__(self, pretrained: str = "default", features=("sentence", "actor", "target", "between"),
                 markers: str = "wrap", C: float = 0.03, class_weight: str | None = None, batch_size: int = 64,
                 max_length: int = 256, max_iter: int = 3000, copy_encoder: bool = True, seed: int = 0):
        super().__init__(pretrained=pretrained, features=list(features), markers=markers, C=float(C),
                         class_weight=class_weight, batch_size=int(batch_size), max_length=int(max_length),
                         max_iter=int(max_iter), copy_encoder=bool(copy_encoder), seed=int(seed))
        self.tokenizer_: Any = None
        self.encoder_: Any = None
        self.clf_: Any = None
        self.mean_: Any = None
        self.scale_: Any = None

    # -- encoder ----------------------------------------------------------------------------
    def _check_params(self) -> None:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or not self.features:
            raise ConfigError(f"model.features: {unknown or 'empty'}; choose from {', '.join(FEATURES)}")
        if self.markers not in ("none", "wrap"):
            raise ConfigError(f"model.markers: {self.markers!r}; expected 'none' or 'wrap'")

    def _load_encoder(self, source: str) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(source)
        if not tokenizer.is_fast:
            raise ConfigError(f"{source}: the embedding model needs a fast tokenizer (for character offsets)")
        encoder = AutoModel.from_pretrained(source, dtype=torch.float32)
        encoder.eval()
        self.tokenizer_, self.encoder_ = tokenizer, encoder

    @property
    def n_features(self) -> int:
        return len(self.features) * self.encoder_.config.hidden_size + 3

    def _embed(self, records: list[dict]) -> np.ndarray:
        """One feature row per record: pooled views, then flags (has actor, has target, actor first).

        Identical (text, window) inputs are encoded once per call; inputs are sorted by
        length so that padding is small, and rows come back in the input order.
        """
        import torch

        tok, limit = self.tokenizer_, self.max_length - self.tokenizer_.num_special_tokens_to_add()
        prepared = [_prepare(ex, self.markers) for ex in records]
        texts = sorted({text for text, _ in prepared})
        enc = tok(texts, return_offsets_mapping=True, return_special_tokens_mask=True, truncation=False,
                  verbose=False)
        by_text = {}  # text -> (ids, offsets, index of the first and one past the last content token)
        for text, ids, offs, special in zip(texts, enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"]):
            content = [i for i, s in enumerate(special) if not s]
            first, end = (content[0], content[-1] + 1) if content else (len(ids), len(ids))
            # special tokens get the empty offset (0, 0): they never fall inside a span
            offs = [(0, 0) if s else tuple(o) for o, s in zip(offs, special)]
            by_text[text] = (ids, offs, first, end)

        units: dict[tuple, int] = {}
        unit_of: list[int] = []  # unit = (text, content-token window): what goes through the encoder
        for text, spans in prepared:
            ids, offs, first, end = by_text[text]
            lo, hi = token_window(offs[first:end], list(spans.values()), limit)
            unit_of.append(units.setdefault((text, (first + lo, first + hi)), len(units)))
        unit_keys = list(units)
        records_of: list[list[int]] = [[] for _ in unit_keys]
        for r, u in enumerate(unit_of):
            records_of[u].append(r)

        hidden = self.encoder_.config.hidden_size
        out = np.zeros((len(records), self.n_features), dtype=np.float32)
        order = sorted(range(len(unit_keys)), key=lambda u: unit_keys[u][1][1] - unit_keys[u][1][0])
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                batch = order[b:b + self.batch_size]
                ids, offs = [], []
                for u in batch:
                    text, (lo, hi) = unit_keys[u]
                    t_ids, t_offs, first, end = by_text[text]
                    ids.append(t_ids[:first] + t_ids[lo:hi] + t_ids[end:])
                    offs.append(t_offs[:first] + t_offs[lo:hi] + t_offs[end:])
                padded = tok.pad({"input_ids": ids}, padding_side="right", return_tensors="pt")
                states = self.encoder_(**padded).last_hidden_state  # (B, L, H)
                attention = padded["attention_mask"].to(states.dtype)
                L = states.shape[1]
                starts = np.zeros((len(batch), L), dtype=np.int64)
                ends = np.zeros((len(batch), L), dtype=np.int64)
                for i, o in enumerate(offs):
                    o = np.asarray(o, dtype=np.int64).reshape(-1, 2)
                    starts[i, :len(o)], ends[i, :len(o)] = o[:, 0], o[:, 1]
                rows = [r for u in batch for r in records_of[u]]
                row_unit = [i for i, u in enumerate(batch) for _ in records_of[u]]
                masks = np.zeros((len(rows), len(self.features), L), dtype=np.float32)
                flags = np.zeros((len(rows), 3), dtype=np.float32)
                for j, (r, i) in enumerate(zip(rows, row_unit)):
                    masks[j], flags[j] = _view_masks(self.features, prepared[r][1], starts[i], ends[i],
                                                     attention[i].numpy())
                m = torch.from_numpy(masks)
                pooled = torch.einsum("rkl,rlh->rkh", m, states[row_unit])
                pooled = pooled / m.sum(-1, keepdim=True).clamp(min=1.0)  # empty view -> zeros
                out[rows, :len(self.features) * hidden] = pooled.reshape(len(rows), -1).numpy()
                out[rows, len(self.features) * hidden:] = flags
        return out

    # -- contract ---------------------------------------------------------------------------
    def fit(self, train, dev=None) -> "EmbeddingStanceModel":
        from sklearn.linear_model import LogisticRegression

        from .hf import resolve_pretrained

        self._check_params()
        records = _as_records(train)
        check_examples(records)
        if self.encoder_ is None:
            self._load_encoder(resolve_pretrained(self.pretrained))
        X = self._embed(records)
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0)
        self.scale_[self.scale_ < 1e-6] = 1.0  # constant columns (e.g. a flag never set) stay as they are
        y = np.array([LABEL2ID[ex["label"]] for ex in records])
        self.clf_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                       random_state=self.seed)
        self.clf_.fit((X - self.mean_) / self.scale_, y)
        # the layout a loaded model has (sklearn leaves coef_ Fortran-ordered), so that a saved
        # and reloaded model predicts bit-identically: the summation order follows the layout
        self.clf_.coef_ = np.ascontiguousarray(self.clf_.coef_)
        return self

    def is_fitted(self) -> bool:
        return self.clf_ is not None

    def _predict_proba(self, records: list[dict]) -> np.ndarray:
        proba = self.clf_.predict_proba((self._embed(records) - self.mean_) / self.scale_)
        return expand_to_labels(proba, self.clf_.classes_)

    # -- persistence: head as safetensors arrays, encoder copied in (no pickle) ----------------
    def _save_weights(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        save_file({"coef": np.ascontiguousarray(self.clf_.coef_),
                   "intercept": np.ascontiguousarray(self.clf_.intercept_),
                   "classes": np.ascontiguousarray(self.clf_.classes_, dtype=np.int64),
                   "mean": np.ascontiguousarray(self.mean_, dtype=np.float32),
                   "scale": np.ascontiguousarray(self.scale_, dtype=np.float32)}, str(directory / HEAD_FILE))
        if self.copy_encoder:  # self-contained: the directory is also a Hugging Face model directory
            self.encoder_.save_pretrained(directory)
            self.tokenizer_.save_pretrained(directory)
            for leftover in directory.glob("*.bin"):  # never: safetensors only
                leftover.unlink()
        else:  # opt-out (copy_encoder=false): reference the encoder, and remember which weights it had
            (directory / REFERENCE_FILE).write_text(json.dumps(self._encoder_reference(), indent=2), encoding="utf-8")

    def _encoder_reference(self) -> dict:
        """Which encoder a model saved without one needs: the name and the hash of its weights."""
        from .hf import resolve_pretrained

        weights = Path(resolve_pretrained(self.pretrained)) / "model.safetensors"
        return {"pretrained": self.pretrained, "weights_sha256": sha256_file(weights) if weights.is_file() else None}

    def _load_weights(self, directory: Path, meta: dict) -> None:
        from safetensors.numpy import load_file
        from sklearn.linear_model import LogisticRegression

        from .hf import resolve_pretrained

        self._check_params()
        if self.copy_encoder:
            if not (directory / "config.json").is_file():
                raise ModelLoadError(f"{directory}: the encoder (config.json, model.safetensors) is missing")
            self._load_encoder(str(directory))
        else:
            try:
                self._load_encoder(resolve_pretrained(self.pretrained))
            except (OSError, ValueError, ConfigError) as exc:
                raise ModelLoadError(f"{directory}: saved without its encoder, and the encoder "
                                     f"{self.pretrained!r} cannot be loaded ({exc})") from None
            saved = json.loads((directory / REFERENCE_FILE).read_text(encoding="utf-8"))
            if saved.get("weights_sha256") != self._encoder_reference().get("weights_sha256"):
                raise ModelLoadError(f"{directory}: the encoder {self.pretrained!r} is not the one this model "
                                     "was trained with (its weights changed); retrain or save with copy_encoder=true")
        arrays = load_file(str(directory / HEAD_FILE))
        clf = LogisticRegression(C=self.C)
        clf.coef_, clf.intercept_, clf.classes_ = arrays["coef"], arrays["intercept"], arrays["classes"]
        if clf.coef_.shape[1] != self.n_features or arrays["mean"].shape != (self.n_features,):
            raise ValueError(f"head has {clf.coef_.shape[1]} features, the encoder gives {self.n_features}")
        self.clf_, self.mean_, self.scale_ = clf, arrays["mean"], arrays["scale"]
