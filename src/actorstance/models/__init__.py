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


def load_for_prediction(path: str | Path, onnx: bool = False, int8: bool = False, int8_recheck: float | None = None,
                        flag=str, fp32: bool = False):
    """A saved model switched to ONNX Runtime (fp32 and/or int8) where asked; one rule for the
    command line's ``--onnx``/``--int8``/``--int8-recheck``/``--fp32`` and ``actorstance.load`` (``flag``
    names an option in errors as its caller spells it). ``fp32``: never the int8 copy a model was
    saved with (int8 quantises each batch's activations with one scale, so a pair's probability
    moves a little with the other sentences scored beside it; fp32 gives every pair the same
    probability whatever else is scored)."""
    from ..errors import ActorstanceError

    if fp32 and (int8 or int8_recheck is not None):
        raise ActorstanceError(f"{flag('fp32')} and {flag('int8' if int8 else 'int8_recheck')}: choose one")
    model = load_model(path)
    if fp32 and getattr(model, "int8", False):
        model.int8 = False
    for wanted, name, attribute in ((onnx or int8, "int8" if int8 else "onnx", "use_onnx"),
                                    (int8_recheck is not None, "int8_recheck", "int8_recheck")):
        if wanted and not hasattr(model, attribute):
            raise ActorstanceError(f"{flag(name)}: {path} is a {model.family} model; {flag(name)} applies to "
                                   "transformer models")
    if onnx or int8:
        model.use_onnx(fp32=onnx, int8=int8)
    if int8_recheck is not None:
        model.int8_recheck = float(int8_recheck)
    return model


class MeanOfModels:
    """Several loaded models as one scorer: the mean of their probabilities (an ensemble of
    seeds, as a list of distillation teachers gives them). For measuring a teacher: it is as
    many times slower as it has members; not a family, so it is never saved. Settings that
    describe the training data (``info``) are the first member's."""

    family = "ensemble"

    def __init__(self, models: list):
        if not models:
            raise ValueError("MeanOfModels needs at least one model")
        self.models = models
        self.info = models[0].info

    @property
    def int8_recheck(self):
        return getattr(self.models[0], "int8_recheck", None)

    def predict_proba(self, examples):
        import numpy as np

        return np.mean([np.asarray(m.predict_proba(examples), dtype=np.float64) for m in self.models],
                       axis=0).astype(np.float32)


def one_scorer(models: list):
    """The model itself, or several as one: their :class:`MeanOfModels` (an ensemble, ``--model A --model B``)."""
    return models[0] if len(models) == 1 else MeanOfModels(models)


def resolve_model_dir(path: str | Path | None = None) -> Path:
    """The model directory that ``path`` names: a model directory, a models folder holding
    ``LATEST``, or a ``LATEST`` file; without a path, ``models/LATEST`` in the working directory
    or the project. One rule for the command line's ``--model`` and ``actorstance.load``."""
    if path is None:
        for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
            if (base / "models" / "LATEST").is_file():
                return _named_by_latest(base / "models" / "LATEST")
        raise ModelLoadError("no model given and no models/LATEST found: train one with `python train.py`, or name "
                             "a model directory (--model DIR on the command line)")
    path = Path(path)
    if path.is_dir() and not (path / "meta.json").exists() and (path / "LATEST").is_file():
        path = path / "LATEST"
    return _named_by_latest(path) if path.name == "LATEST" and path.is_file() else path


def _named_by_latest(latest: Path) -> Path:
    name = latest.read_text(encoding="utf-8").strip()
    if not name:
        raise ModelLoadError(f"{latest}: empty; it should name a model directory beside it")
    return latest.parent / name
