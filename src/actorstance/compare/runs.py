"""Finding and reading run directories: what ``train.py`` left on disk (``.hydra/``, ``metrics.json``,
``predictions_SPLIT.jsonl``, ``error.json``) as :class:`Run` and :class:`Predictions`, so the statistics
and the comparison work on loaded data. A run that cannot be read gets a ``problem``, not an exception.
The benchmark's kept copies (``benchmarks/results/quality_runs/``: ``config.yaml``, ``metrics.json``,
``predictions_SPLIT.json`` as a table) read the same, so committed results can be compared again.
"""

from __future__ import annotations

import glob
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import LABELS

if TYPE_CHECKING:  # numpy is imported where predictions are read
    import numpy as np

ERROR_FILE = "error.json"  # written by train.py for a failed multirun job


@dataclass
class Run:
    path: Path
    config: dict = field(default_factory=dict)   # flat dotted keys (+ Hydra group choices) -> value
    groups: tuple = ()                            # the keys that are Hydra group choices (model, data, ...)
    metrics: dict | None = None
    problem: str | None = None                    # why the run cannot be compared


def flatten(tree, prefix: str = "") -> dict:
    """``{"model": {"C": 1}}`` -> ``{"model.C": 1}``; lists stay values."""
    out = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                out.update(flatten(v, key))
            else:
                out[key] = v
    return out


def _natural_key(path: str | Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(path))]


def _is_run_dir(d: Path) -> bool:
    return (d / ".hydra" / "config.yaml").is_file() or (d / "metrics.json").is_file() or (d / ERROR_FILE).is_file()


def find_run_dirs(patterns) -> tuple[list[Path], list[tuple[str, str]]]:
    """Run directories named by, or found under, each path or glob; and the paths that named none."""
    dirs, problems, seen = [], [], set()
    for pattern in patterns:
        matches = sorted(glob.glob(str(pattern)), key=_natural_key) if glob.has_magic(str(pattern)) else [pattern]
        found = []
        for m in map(Path, matches):
            if not m.exists():
                continue
            if m.is_file():  # metrics.json or .hydra/config.yaml given directly
                m = m.parent.parent if m.parent.name == ".hydra" else m.parent
            if _is_run_dir(m):
                found.append(m)
            elif m.is_dir():
                below = {c.parent.parent for c in m.rglob("config.yaml") if c.parent.name == ".hydra"}
                below |= {c.parent for c in m.rglob("metrics.json")} | {c.parent for c in m.rglob(ERROR_FILE)}
                found += sorted(below, key=_natural_key)
        if not found:
            problems.append((str(pattern), "does not exist" if not matches or not any(Path(x).exists() for x in matches)
                             else "holds no run directory (.hydra/config.yaml or metrics.json)"))
        for d in found:
            if d.resolve() not in seen:
                seen.add(d.resolve())
                dirs.append(d)
    return dirs, problems


def _read_yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # interpolations such as ${seed} stay as written


def load_run(path: Path) -> Run:
    run = Run(path)
    try:
        if (path / ".hydra" / "config.yaml").is_file():
            config = _read_yaml(path / ".hydra" / "config.yaml") or {}
        elif (path / "config.yaml").is_file():  # a kept copy (benchmarks/benchmark.py's keep_files)
            config = _read_yaml(path / "config.yaml") or {}
        elif (path / "model" / "meta.json").is_file():
            config = json.loads((path / "model" / "meta.json").read_text(encoding="utf-8")).get("config") or {}
        else:
            config = {}
        choices = {}
        if (path / ".hydra" / "hydra.yaml").is_file():
            hydra_cfg = _read_yaml(path / ".hydra" / "hydra.yaml") or {}
            raw = ((hydra_cfg.get("hydra") or {}).get("runtime") or {}).get("choices") or {}
            choices = {k: v for k, v in raw.items() if not k.startswith("hydra")}
    except Exception as exc:  # a half-written or edited file: list it, keep going
        run.problem = f"unreadable config: {exc}"
        return run
    flat = flatten(config)
    if not choices:  # no Hydra record of the group choices (a kept copy): the class a group builds stands for it
        choices = {k.split(".")[0]: str(v).rsplit(".", 1)[-1] for k, v in flat.items()
                   if k.count(".") == 1 and k.endswith("._target_")}
    run.config = {**choices, **flat}
    run.groups = tuple(choices)
    if (path / ERROR_FILE).is_file():
        try:
            err = json.loads((path / ERROR_FILE).read_text(encoding="utf-8"))
            run.problem = f"failed: {err.get('error')}: {err.get('message')}"
        except Exception:
            run.problem = f"failed (unreadable {ERROR_FILE})"
        return run
    if not (path / "metrics.json").is_file():
        run.problem = "no metrics.json: still running, or stopped before it finished"
        return run
    try:
        run.metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    except Exception as exc:
        run.problem = f"unreadable metrics.json: {exc}"
    return run


@dataclass
class Predictions:
    """One run's predictions on one split, sorted by id; labels as indices into ``LABELS``."""

    ids: tuple
    gold: np.ndarray  # int
    pred: np.ndarray  # int
    proba: np.ndarray | None  # (n, 3)

    @property
    def key(self) -> tuple:  # two runs can be paired only on the same examples with the same gold labels
        return self.ids, tuple(self.gold.tolist())


def load_predictions(run_dir: Path, split: str):
    """``Predictions`` from ``predictions_SPLIT.jsonl`` (train.py's rows) or ``predictions_SPLIT.json`` (a kept
    table: ``columns`` and ``rows``); a message instead when both are missing, or the file is bad or has no gold."""
    import numpy as np

    path = run_dir / f"predictions_{split}.jsonl"
    records: list[tuple[str, Any]] = []  # (where, row)
    if not path.is_file() and (run_dir / f"predictions_{split}.json").is_file():
        path = run_dir / f"predictions_{split}.json"
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
            records = [(f"{path}: row {i}", dict(zip(table["columns"], row))) for i, row in enumerate(table["rows"], 1)]
        except (ValueError, KeyError, TypeError) as exc:
            return f"{path}: not a predictions table ({type(exc).__name__}: {exc})"
        if records and "gold" not in records[0][1]:
            return f"{path.name} holds no gold labels (public data are kept without them)"
    elif not path.is_file():
        return f"no {path.name}"
    else:
        with open(path, encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                try:
                    if line.strip():
                        records.append((f"{path}:{line_no}", json.loads(line)))
                except ValueError as exc:
                    return f"{path}:{line_no}: bad prediction row ({type(exc).__name__}: {exc})"
    index = {label: i for i, label in enumerate(LABELS)}
    rows = []
    for where, r in records:
        try:
            proba = [r.get(f"p_{label}") for label in LABELS]
            rows.append((str(r["id"]), index[r["gold"]], index[r["pred"]],
                         None if None in proba else [float(p) for p in proba]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return f"{where}: bad prediction row ({type(exc).__name__}: {exc})"
    if not rows:
        return f"{path.name} is empty"
    rows.sort(key=lambda r: r[0])
    have_proba = all(r[3] is not None for r in rows)
    return Predictions(tuple(r[0] for r in rows), np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                       np.array([r[3] for r in rows], dtype=float) if have_proba else None)
