"""The data config -> train / dev / test datasets: which files, in which format, how dev is drawn.

Kept apart from :mod:`.training` so that the CLI, benchmarks and tests load data the way a
training run does without importing the run itself.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

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


def file_specs(value, data_cfg, base_dir) -> list[tuple[Path, str | None, object, dict]]:
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
    ``data.unlabeled`` names files (as ``data.train`` does) whose records join train without their
    labels, after the dev split: sentences for a distillation teacher to label (``model.distill_from``).
    """
    from omegaconf.errors import InterpolationToMissingValueError, MissingMandatoryValue

    from . import data as D

    def load(key):
        try:
            value = data_cfg.get(key)
        except (MissingMandatoryValue, InterpolationToMissingValueError) as exc:  # a ??? left unset
            raise ConfigError(f"data.{key}: {str(exc).splitlines()[0]} (set it, e.g. data.path=FILE)") from None
        specs = file_specs(value, data_cfg, base_dir)
        if not specs:
            return None
        records = []
        for path, fmt, label_map, options in specs:
            records.extend(D.read_records(path, format=fmt, label_map=label_map, options=options,
                                          require_label=key != "unlabeled"))
        return records if key == "unlabeled" else D.to_dataset(records)

    splits = {k: load(k) for k in ("train", "dev", "test")}
    unlabeled = load("unlabeled")
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
    if unlabeled:
        labeled = len(splits["train"])
        splits["train"] = D.to_dataset(list(splits["train"]) + [{**r, "label": None} for r in unlabeled])
        log.info("train: %d unlabeled records (for the distillation teacher) beside %d labeled", len(unlabeled), labeled)
    return splits


def check_trainable(splits: dict) -> None:
    """A clear error, before any model is built, for training data no classifier can learn from."""
    from .errors import DataError

    train = splits["train"]
    labels = sorted({ex["label"] for ex in train} - {None})  # None: data.unlabeled
    dev = len(splits["dev"]) if splits["dev"] is not None else 0
    if not train:
        raise DataError([f"the training split is empty ({dev} records went to dev): give more data, or a "
                         "smaller data.dev_fraction"])
    if len(labels) < 2:
        raise DataError([f"the training split holds one label only ({labels[0]!r} in all {len(train)} records): "
                         "a classifier needs examples of at least two"])
