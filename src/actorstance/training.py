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
import time
from pathlib import Path

import numpy as np

from .evaluation import evaluate_model, write_jsonl
from .splits import check_trainable, load_splits, resolve_path

log = logging.getLogger(__name__)


def set_seed(seed: int) -> None:
    """Python's and numpy's generators (each model seeds its own, e.g. torch, from its ``seed``).
    String hashing is not seeded: PYTHONHASHSEED acts only at interpreter start, and results must
    not depend on set or hash order (tests check that a seed gives identical models)."""
    random.seed(seed)
    np.random.seed(seed)


def publish_model(model_dir: Path, models_dir: Path, name: str) -> Path:
    """Copy a trained model into ``models/`` under the first free name (``NAME``, ``NAME-2``, ...;
    safe when runs publish at once) and point ``models/LATEST`` at it."""
    from .atomic import atomic_open, fsync_dir, temp_dir, usual_dir_mode

    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(models_dir, f".{name}")
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
    from .errors import ConfigError

    if cfg.data.get("unlabeled") and not cfg.model.get("distill_from"):
        raise ConfigError("data.unlabeled: unlabeled records need a teacher to label them (model.distill_from=DIR)")
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
        lines = M.park2021_lines(rows)
        if lines is not None:
            metrics["park2021_lines"] = lines
            log.info("%s Park 2021 5-class line macro-F1 %.4f (%d lines)", name, lines["macro_f1"], lines["n_lines"])
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
    if cfg.get("focus"):  # the article's main names, for predict --focus (articles.focus)
        from .articles.focus import fit_for_run

        selector = fit_for_run(cfg.data, base_dir)
        selector.save(model_dir)
        results["focus"] = selector.info
    M.write_json(results, out / "metrics.json")  # the run's results are complete before a model is published
    if cfg.get("save_to_models", True):
        data_name = re.sub(r"[^\w.-]+", "_", str(cfg.data.get("name"))).strip("._") or "data"  # no "/" or ".."
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{model.family}-{data_name}-s{seed}"
        published = publish_model(model_dir, resolve_path(cfg.get("models_dir", "models"), base_dir), name)
        results["published_model"] = str(published)
        M.write_json(results, out / "metrics.json")
    distributed.finish()
    return results
