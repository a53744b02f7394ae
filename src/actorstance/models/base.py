"""The one model contract, and the safe, atomic, self-describing model directory.

A saved model is a directory holding ``meta.json`` (family, labels, parameters, resolved
config, data fingerprint, metrics, library versions and the SHA-256 of every other file)
and weight files in formats that cannot run code when read (safetensors, JSON). ``load``
checks the hashes before reading anything, so a corrupted or edited directory fails with a
clear message instead of producing silent nonsense.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import LABELS, __version__
from ..atomic import sha256_file, temp_dir, temp_prefix, usual_dir_mode
from ..errors import ConfigError, ModelLoadError

META_FILE = "meta.json"
FORMAT_VERSION = 1


def _as_records(examples) -> list[dict]:
    """Accept a ``datasets.Dataset``, a list of dicts or a dict of columns."""
    if isinstance(examples, dict):
        keys = list(examples)
        return [dict(zip(keys, vals)) for vals in zip(*examples.values())]
    return [dict(ex) for ex in examples]




def library_versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"actorstance": __version__}
    for dist in ("numpy", "scikit-learn", "torch", "transformers", "datasets", "safetensors", "onnxruntime"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return out


def read_meta(path: Path) -> dict:
    path = Path(path)
    if not path.is_dir():
        raise ModelLoadError(f"{path}: model directory not found")
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelLoadError(f"{path}: not a model directory (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{meta_path}: corrupted ({exc})") from None
    if not isinstance(meta, dict) or "family" not in meta or "files" not in meta:
        raise ModelLoadError(f"{meta_path}: not an actorstance model description")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{meta_path}: model format {meta.get('format_version')} not supported "
                             f"(this actorstance reads format {FORMAT_VERSION})")
    if tuple(meta.get("labels", ())) != LABELS:
        raise ModelLoadError(f"{meta_path}: label order {meta.get('labels')} differs from {list(LABELS)}")
    files, params = meta.get("files"), meta.get("params", {})
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ModelLoadError(f"{meta_path}: files: expected {{file name: sha256}}")
    if not isinstance(params, dict):
        raise ModelLoadError(f"{meta_path}: params: expected an object of parameter values")
    return meta


def attach_file(model_dir: str | Path, name: str, text: str) -> Path:
    """Add a JSON or text file to a saved model (e.g. the article name selector, ``focus.json``) and list it with its
    checksum in meta.json, each written whole (a temporary file, then a rename)."""
    from .. import atomic

    model_dir = Path(model_dir)
    meta = read_meta(model_dir)
    with atomic.atomic_open(model_dir / name) as fh:
        fh.write(text)
    meta["files"][name] = atomic.sha256_file(model_dir / name)
    with atomic.atomic_open(model_dir / META_FILE) as fh:
        fh.write(json.dumps(meta, indent=2, ensure_ascii=False))
    return model_dir / name


def verify_files(path: Path, meta: dict) -> None:
    """Every weight file is present, inside the directory, a plain file (no symlink) and
    unchanged since saving; the directory holds nothing else. The checksums catch corruption and
    careless edits, not a deliberate forgery (whoever can edit the files can edit meta.json):
    load models from people you trust; loading never runs code either way."""
    root = Path(path).resolve()
    for name, digest in meta["files"].items():
        f = Path(path) / name
        if Path(name).is_absolute() or ".." in Path(name).parts or f.is_symlink() \
                or not f.resolve().is_relative_to(root):
            raise ModelLoadError(f"{Path(path) / META_FILE}: files: {name!r} is not a file inside the model directory")
        if not f.is_file():
            raise ModelLoadError(f"{f}: missing from the model directory")
        if sha256_file(f) != digest:
            raise ModelLoadError(f"{f}: checksum mismatch: the file is corrupted or was modified after saving")
    extra = sorted(p.relative_to(path).as_posix() for p in Path(path).rglob("*")
                   if (p.is_file() or p.is_symlink()) and p.relative_to(path).as_posix() not in meta["files"]
                   and p.name != META_FILE)
    if extra:
        raise ModelLoadError(f"{path}: holds files that meta.json does not list ({', '.join(extra[:5])}); "
                             "a model directory holds only what was saved")


def atomic_dir_write(target: Path, write) -> Path:
    """Call ``write(tmp_dir)`` and move the result to ``target`` in one rename.

    A crash leaves at most a hidden temporary directory, never a half-written model.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(target.parent, f".{target.name}")
    try:
        usual_dir_mode(tmp)
        write(tmp)
        if target.exists():
            old = target.parent / f"{temp_prefix(f'.{target.name}')}old-{time.time_ns()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


class StanceModel:
    """The contract every model family follows (scikit-learn style).

    ``__init__`` only stores parameters; ``fit`` and ``load`` do the heavy work.
    ``predict_proba`` returns an ``(n, 3)`` float array with columns in ``LABELS`` order.
    Subclasses implement ``fit``, ``is_fitted``, ``_predict_proba``, ``_save_weights`` and
    ``_load_weights``.
    """

    family = "base"

    def __init__(self, **params):
        self._params = params
        for k, v in params.items():
            setattr(self, k, v)
        self.info: dict[str, Any] = {}  # config, data fingerprint, metrics: saved beside the weights

    def get_params(self) -> dict:
        """The parameters as they are now: the attributes are the one source of truth (a model
        switched to ``int8`` after training saves ``int8: true``)."""
        return {k: getattr(self, k) for k in self._params}

    # -- contract ---------------------------------------------------------------------------
    def fit(self, train, dev=None) -> "StanceModel":
        raise NotImplementedError

    def is_fitted(self) -> bool:
        raise NotImplementedError

    def predict_proba(self, examples) -> np.ndarray:
        """Checks the input once for every family, then calls ``_predict_proba(records)``."""
        if not self.is_fitted():
            raise RuntimeError("model is not fitted: call fit() or load() first")
        records = _as_records(examples)
        if not records:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        check_examples(records)
        proba = self._predict_proba(records)
        if not np.isfinite(proba).all():
            raise ModelLoadError(f"the {self.family} model gives non-finite probabilities (NaN or inf): its weights "
                                 "are broken; retrain it")
        return proba

    def _predict_proba(self, records: list[dict]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, examples) -> list[str]:
        proba = self.predict_proba(examples)
        return [LABELS[i] for i in proba.argmax(axis=1)]

    # -- persistence ------------------------------------------------------------------------
    def _save_weights(self, directory: Path) -> None:
        raise NotImplementedError

    def _load_weights(self, directory: Path, meta: dict) -> None:
        raise NotImplementedError

    def save(self, directory: str | Path) -> Path:
        def write(tmp: Path) -> None:
            self._save_weights(tmp)
            files = {p.relative_to(tmp).as_posix(): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
            meta = {
                "format_version": FORMAT_VERSION, "family": self.family, "labels": list(LABELS),
                "label2id": {label: i for i, label in enumerate(LABELS)},
                "params": _jsonable(self.get_params()), "versions": library_versions(),
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files, **_jsonable(self.info),
            }
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

        return atomic_dir_write(Path(directory), write)

    @classmethod
    def load(cls, directory: str | Path) -> "StanceModel":
        directory = Path(directory)
        meta = read_meta(directory)
        if meta["family"] != cls.family:
            raise ModelLoadError(f"{directory}: holds a {meta['family']!r} model, not {cls.family!r}")
        verify_files(directory, meta)
        try:
            model = cls(**meta.get("params", {}))
        except (TypeError, ValueError, ConfigError) as exc:  # an unknown parameter, or a value of the wrong kind
            raise ModelLoadError(f"{directory / META_FILE}: params: {exc}") from None
        model.info = {k: meta[k] for k in ("config", "data", "metrics") if k in meta}
        try:
            model._load_weights(directory, meta)
        except ModelLoadError:
            raise
        except Exception as exc:  # malformed but checksum-consistent files
            raise ModelLoadError(f"{directory}: cannot read model weights ({type(exc).__name__}: {exc})") from None
        return model


def _jsonable(obj):
    """Plain JSON types from OmegaConf containers, tuples and numpy scalars."""
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf

        if isinstance(obj, (DictConfig, ListConfig)):
            return OmegaConf.to_container(obj, resolve=True)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def expand_to_labels(proba: np.ndarray, classes) -> np.ndarray:
    """Probabilities over a classifier's ``classes`` (label ids) as ``(n, 3)`` in LABELS order;
    a class absent from training keeps probability 0."""
    out = np.zeros((len(proba), len(LABELS)), dtype=np.float32)
    out[:, classes] = proba
    return out


def check_examples(examples: Sequence[dict]) -> None:
    """Every example has text, actor and target (API callers skip the file validation)."""
    for i, ex in enumerate(examples):
        missing = [k for k in ("text", "actor", "target") if k not in ex]
        if missing:
            raise ValueError(f"examples need the fields text, actor and target; example {i} lacks {missing}")
