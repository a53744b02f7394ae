"""One training run: load data -> fit -> evaluate -> save. Importable without Hydra.

``train.py`` is only a Hydra shell around :func:`run`; tests call :func:`run` directly with
a composed config and a temporary output directory.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import LABELS
from .errors import ConfigError

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def resolve_path(path: str | Path, base_dir: str | Path | None = None) -> Path:
    """A relative path as the user means it: from where they ran the command, else from the project."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_absolute():
        return p
    for base in (base_dir, Path.cwd(), PROJECT_ROOT):
        if base is not None and (Path(base) / p).exists():
            return Path(base) / p
    return Path(base_dir or Path.cwd()) / p


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [value]
    return list(value)


def _file_specs(value, data_cfg, base_dir) -> list[tuple[Path, str | None, object, dict]]:
    """``(path, format, label_map, options)`` per file; an item may be a path or a mapping
    ``{path, format, label_map, options}`` whose keys override the data config's for that file."""
    specs = []
    for item in _as_list(value):
        spec = {"path": item} if isinstance(item, (str, Path)) else dict(item)
        if not spec.get("path"):
            raise ConfigError(f"data: a file entry needs a path, got {spec!r}")
        specs.append((resolve_path(spec["path"], base_dir),
                      spec.get("format", data_cfg.get("format")),
                      spec.get("label_map", data_cfg.get("label_map")),
                      dict(spec.get("options", data_cfg.get("options")) or {})))
    return specs


def load_splits(data_cfg, seed: int = 0, base_dir=None) -> dict:
    """``{"train", "dev", "test"}`` datasets from a ``data`` config (dev split from train if absent).

    ``data.split_seed`` fixes that dev split whatever the run's seed (default: the seed).
    """
    from omegaconf.errors import InterpolationToMissingValueError, MissingMandatoryValue

    from . import data as D

    def load(key):
        try:
            value = data_cfg.get(key)
        except (MissingMandatoryValue, InterpolationToMissingValueError) as exc:  # a ??? left unset
            raise ConfigError(f"data.{key}: {str(exc).splitlines()[0]} (set it, e.g. data.path=FILE)") from None
        specs = _file_specs(value, data_cfg, base_dir)
        if not specs:
            return None
        records = []
        for path, fmt, label_map, options in specs:
            records.extend(D.read_records(path, format=fmt, label_map=label_map, options=options))
        return D.to_dataset(records)

    splits = {k: load(k) for k in ("train", "dev", "test")}
    if splits["train"] is None:
        raise ConfigError("data.train names no file")
    if splits["dev"] is None and data_cfg.get("dev_fraction"):
        if "group" not in splits["train"].column_names or not any(splits["train"]["group"]):
            log.warning("the training data has no group column: the dev split is drawn by sentence, so sentences "
                        "of one article can fall on both sides and dev scores run high; give each record its "
                        "article or story id as `group` (data=columns: data.options.group=COLUMN)")
        split_seed = data_cfg.get("split_seed")
        splits["train"], splits["dev"] = D.split_by_group(splits["train"], float(data_cfg["dev_fraction"]),
                                                          seed if split_seed is None else int(split_seed))
    limit = data_cfg.get("limit")
    if limit:  # a quick look at a big data set
        for k, ds in splits.items():
            if ds is not None and len(ds) > limit:
                splits[k] = ds.shuffle(seed=seed).select(range(int(limit)))
    return splits


def set_seed(seed: int) -> None:
    """Python's and numpy's generators (each model seeds its own, e.g. torch, from its ``seed``).
    String hashing is not seeded: PYTHONHASHSEED acts only at interpreter start, and results must
    not depend on set or hash order (tests check that a seed gives identical models)."""
    random.seed(seed)
    np.random.seed(seed)


def predict_rows(model, ds) -> tuple[list[dict], list[str], float]:
    """Per-example predictions (id, gold, predicted, probabilities) and the seconds it took."""
    t0 = time.perf_counter()
    proba = model.predict_proba(ds)
    seconds = time.perf_counter() - t0
    pred = [LABELS[i] for i in proba.argmax(axis=1)]
    rows = []
    for ex, p, pr in zip(ds, pred, proba):
        rows.append({"id": ex["id"], "gold": ex["label"], "pred": p,
                     **{f"p_{label}": round(float(v), 6) for label, v in zip(LABELS, pr)}})
    return rows, pred, seconds


def evaluate_model(model, ds, slice_fields=("hard_case",)):
    """Metrics, per-example rows and prediction seconds for one labeled dataset."""
    from . import metrics as M

    rows, pred, seconds = predict_rows(model, ds)
    slices = {f: ds[f] for f in slice_fields if f in ds.column_names}
    result = M.compute(ds["label"], pred, slices)
    result["predict_seconds"] = round(seconds, 4)
    result["sentences_per_second"] = round(len(ds) / seconds, 1) if seconds > 0 else None
    return result, rows


def write_jsonl(rows, path: Path) -> None:
    from .output import render, write_text

    write_text(render(rows, "jsonl"), path)


def check_trainable(splits: dict) -> None:
    """A clear error, before any model is built, for training data no classifier can learn from."""
    from .errors import DataError

    train = splits["train"]
    labels = sorted({ex["label"] for ex in train})
    dev = len(splits["dev"]) if splits["dev"] is not None else 0
    if not train:
        raise DataError([f"the training split is empty ({dev} records went to dev): give more data, or a "
                         "smaller data.dev_fraction"])
    if len(labels) < 2:
        raise DataError([f"the training split holds one label only ({labels[0]!r} in all {len(train)} records): "
                         "a classifier needs examples of at least two"])


def publish_model(model_dir: Path, models_dir: Path, name: str) -> Path:
    """Copy a trained model into ``models/`` under the first free name (``NAME``, ``NAME-2``, ...;
    safe when runs publish at once) and point ``models/LATEST`` at it."""
    from .atomic import atomic_open, fsync_dir, usual_dir_mode

    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=models_dir))
    try:
        usual_dir_mode(tmp)
        shutil.copytree(model_dir, tmp, dirs_exist_ok=True)
        for i in itertools.count(1):  # claim the first free name; a rename never replaces a model (never empty)
            target = models_dir / (name if i == 1 else f"{name}-{i}")
            if target.exists():
                continue
            try:
                os.rename(tmp, target)
                break
            except OSError as exc:  # another run took the name between the check and the rename
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(models_dir)
    with atomic_open(models_dir / "LATEST") as fh:
        fh.write(target.name + "\n")
    return target


def run(cfg, output_dir: str | Path, base_dir: str | Path | None = None) -> dict:
    """Train and evaluate one configuration; write metrics, predictions, plots and the model, and
    log the run to the experiment tracker the config names (``tracking=mlflow``; none by default).

    Under ``torchrun`` every rank trains its share (see :mod:`.distributed`); rank 0 alone
    evaluates, writes and tracks, the others return ``{"rank": r}`` once it is done.
    """
    from . import distributed
    from .tracking import tracked

    if not distributed.is_main():
        return _train_and_evaluate(cfg, output_dir, base_dir)
    with tracked(cfg, output_dir, base_dir) as record:
        return record(_train_and_evaluate(cfg, output_dir, base_dir))


def _train_and_evaluate(cfg, output_dir: str | Path, base_dir: str | Path | None = None) -> dict:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from . import data as D
    from . import distributed
    from . import metrics as M

    out = Path(output_dir)
    rank = distributed.world().rank
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    seed = int(cfg.get("seed", 0))
    set_seed(seed)
    t_start = time.perf_counter()
    splits = load_splits(cfg.data, seed, base_dir)
    check_trainable(splits)
    t_loaded = time.perf_counter()
    model = instantiate(cfg.model)
    log.info("training %s on %d examples (dev %s)", model.family, len(splits["train"]),
             len(splits["dev"]) if splits["dev"] is not None else "none")
    model.fit(splits["train"], splits["dev"])
    train_seconds = time.perf_counter() - t_loaded
    if rank != 0:  # the model and the scores are rank 0's (the weights are the same on every rank)
        distributed.finish()
        return {"rank": rank}

    results = {"model": model.family, "data": cfg.data.get("name"), "seed": seed,
               "n_train": len(splits["train"]), "data_fingerprint": D.fingerprint(splits["train"]),
               "timings": {"load_seconds": round(t_loaded - t_start, 3), "train_seconds": round(train_seconds, 3)}}
    slice_fields = tuple(cfg.data.get("slices") or ())
    for name in ("dev", "test"):
        ds = splits.get(name)
        if ds is None or len(ds) == 0:
            continue
        metrics, rows = evaluate_model(model, ds, slice_fields)
        results[name] = metrics
        results["timings"][f"predict_{name}_seconds"] = metrics["predict_seconds"]
        write_jsonl(rows, out / f"predictions_{name}.jsonl")
        M.plot_confusion(metrics, out / f"confusion_{name}.png", f"{model.family} on {name}: macro-F1 {metrics['macro_f1']:.3f}")
        log.info("%s macro-F1 %.4f accuracy %.4f", name, metrics["macro_f1"], metrics["accuracy"])
    results["timings"]["total_seconds"] = round(time.perf_counter() - t_start, 3)

    model.info = {"config": OmegaConf.to_container(cfg, resolve=True),
                  "data": {"name": cfg.data.get("name"), "fingerprint": results["data_fingerprint"],
                           "n_train": results["n_train"]},
                  "metrics": {k: results[k] for k in ("dev", "test") if k in results}}
    model_dir = model.save(out / "model")
    M.write_json(results, out / "metrics.json")  # the run's results are complete before a model is published
    if cfg.get("save_to_models", True):
        data_name = re.sub(r"[^\w.-]+", "_", str(cfg.data.get("name"))).strip("._") or "data"  # no "/" or ".."
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{model.family}-{data_name}-s{seed}"
        published = publish_model(model_dir, resolve_path(cfg.get("models_dir", "models"), base_dir), name)
        results["published_model"] = str(published)
        M.write_json(results, out / "metrics.json")
    distributed.finish()
    return results
