"""The model families. All follow one contract (:class:`~actorstance.models.base.StanceModel`).

Families are looked up by name and imported lazily, so that the scikit-learn path never
imports torch.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import ModelLoadError

FAMILIES = {
    "tfidf": "actorstance.models.tfidf:TfidfStanceModel",
    "transformer": "actorstance.models.transformer:TransformerStanceModel",
    "embedding": "actorstance.models.embedding:EmbeddingStanceModel",
}


def model_class(family: str):
    if family not in FAMILIES:
        raise ModelLoadError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")
    module, name = FAMILIES[family].split(":")
    return getattr(importlib.import_module(module), name)


def load_model(path: str | Path):
    """Load any saved model directory; the directory says which family it is."""
    from .base import read_meta

    meta = read_meta(Path(path))
    return model_class(meta.get("family", "?")).load(path)
