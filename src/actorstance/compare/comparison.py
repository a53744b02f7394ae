"""From loaded runs to the comparison as plain data (:func:`compare_runs`): the config keys that
differ, the rows (runs that differ only in seed), each row's mean ± sd, CI and tests against the
best row. Kept apart from the report so every output format renders one and the same result.
"""

from __future__ import annotations

import json
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from .. import LABELS
from .runs import Run, load_predictions
from .statistics import bootstrap_p, macro_f1_resampled, mcnemar_exact, resample_indices, vote

METRICS = ("macro_f1", "accuracy", "f_avg", *(f"f1_{label}" for label in LABELS))
SORT_KEYS = (*METRICS, "train_seconds", "n", "delta", "p_bootstrap", "p_mcnemar")
NOISE_KEYS = ("hydra", "hydra.*", "models_dir", "save_to_models", "tracking", "tracking.*")  # never what makes runs differ
MISSING = "–"  # a key that one run's config does not have


def _same(values) -> bool:
    return len({json.dumps(v, sort_keys=True, default=str) for v in values}) <= 1


def differing_keys(runs: list[Run], ignore=()) -> list[str]:
    """Config keys whose value is not the same in every run (noise and ignored keys left out)."""
    patterns = (*NOISE_KEYS, *ignore)
    keys: dict[str, None] = {}
    for r in runs:  # Hydra group choices first, then config keys in file order
        keys.update(dict.fromkeys(r.groups))
    for r in runs:
        keys.update(dict.fromkeys(r.config))
    varying = [k for k in keys if not any(fnmatch(k, p) for p in patterns)
               and not _same(r.config.get(k, MISSING) for r in runs)]
    groups = {g for r in runs for g in r.groups if g in varying}
    # a different model (data, ...) choice explains its own keys: keep only those all runs share
    return [k for k in varying if not (k.split(".", 1)[0] in groups and "." in k
                                       and (k.endswith("._target_") or any(k not in r.config for r in runs)))]


def is_seed_key(key: str) -> bool:
    return key.rsplit(".", 1)[-1] == "seed"


def _short(value, compact: bool = True) -> str:
    """A config value in a cell: lists without spaces, long floats (Optuna's) to 4 significant digits."""
    if compact and isinstance(value, float) and len(str(value)) > 7:
        return f"{value:.4g}"
    if value is MISSING:
        return MISSING
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value).replace('", "', ",").replace(", ", ",")
    return str(value)


def _mean_sd(values):
    import numpy as np

    values = [v for v in values if v is not None]
    if not values:
        return None, None
    if len(values) == 1:
        return float(values[0]), None
    same = max(values) == min(values)  # exactly 0, not a rounding residue
    return float(np.mean(values)), 0.0 if same else float(np.std(values, ddof=1))


def _metric_values(metrics: dict, split: str) -> dict:
    m = metrics[split]
    out = {k: m.get(k) for k in ("macro_f1", "accuracy", "f_avg")}
    for label in LABELS:
        out[f"f1_{label}"] = ((m.get("per_class") or {}).get(label) or {}).get("f1")
    out["train_seconds"] = (metrics.get("timings") or {}).get("train_seconds")
    return out


def _display_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def compare_runs(runs: list[Run], split: str = "dev", n_boot: int = 1000, seed: int = 0,
                 per_run: bool = False, ignore=(), sort: str = "macro_f1", ascending: bool = False) -> dict:
    """The whole comparison as plain data: keys that differ, one dict per row, skipped runs."""
    import numpy as np

    skipped = [{"run": _display_path(r.path), "reason": r.problem} for r in runs if r.problem]
    usable = []
    for r in runs:
        if r.problem:
            continue
        metrics = r.metrics or {}
        if not isinstance(metrics.get(split), dict) or "macro_f1" not in metrics[split]:
            skipped.append({"run": _display_path(r.path), "reason": f"no {split} metrics in metrics.json"})
        else:
            usable.append(r)
    keys = differing_keys(usable, ignore)
    shown = keys if per_run else [k for k in keys if not is_seed_key(k)]
    if sort not in SORT_KEYS and sort not in shown:
        from ..errors import ActorstanceError

        raise ActorstanceError(f"cannot sort by {sort!r}; choose one of {', '.join((*SORT_KEYS, *shown))}")

    groups: dict[tuple, list[Run]] = {}
    for r in usable:
        alone = per_run or not r.config  # a run without a config cannot be told from others: never grouped
        gkey = (str(r.path.resolve()),) if alone else tuple(json.dumps(r.config.get(k, MISSING), default=str) for k in shown)
        groups.setdefault(gkey, []).append(r)

    eval_sets: dict[tuple, object] = {}  # Predictions.key -> resample indices
    rows: list[dict[str, Any]] = []
    for members in groups.values():
        label = " ".join(f"{k}={_short(members[0].config.get(k, MISSING))}" for k in shown)
        row: dict[str, Any] = {
            "label": f"{_display_path(members[0].path)} {label}".strip() if per_run else (label or "all runs"),
            "keys": {k: members[0].config.get(k, MISSING) for k in shown},
            "n": len(members), "seeds": [r.config.get("seed") for r in members],
            "runs": [_display_path(r.path) for r in members], "notes": []}
        values = [_metric_values(r.metrics or {}, split) for r in members]
        for m in (*METRICS, "train_seconds"):
            row[m], row[f"{m}_sd"] = _mean_sd([v[m] for v in values])
        row["per_run_macro_f1"] = [v["macro_f1"] for v in values]
        if not members[0].config:
            row["label"] = f"{_display_path(members[0].path)} (no config found)"
        seeds = [s for s in row["seeds"] if s is not None]
        if len(set(map(str, seeds))) < len(seeds):
            row["notes"].append("repeated seed (--per-run shows each run)")
        preds = [load_predictions(r.path, split) for r in members]
        bad = [f"{_display_path(r.path)}: {p}" for r, p in zip(members, preds) if isinstance(p, str)]
        row["_preds"], row["_stat"] = None, None
        if bad:
            row["notes"].append("no CI (" + "; ".join(bad) + ")")
        elif n_boot > 0:
            stats = []
            for p in preds:
                if p.key not in eval_sets:
                    eval_sets[p.key] = resample_indices(p.ids, n_boot, seed)
                stats.append(macro_f1_resampled(p.gold, p.pred, eval_sets[p.key]))
            row["_stat"] = np.mean(stats, axis=0)
            row["_preds"] = preds
            row["_point"] = float(np.mean([macro_f1_resampled(p.gold, p.pred, np.arange(len(p.ids))[None])[0]
                                           for p in preds]))
            lo, hi = np.percentile(row["_stat"], [2.5, 97.5])
            row["macro_f1_ci"] = [float(lo), float(hi)]
            row["n_examples"] = len(preds[0].ids)
            if len({p.key for p in preds}) > 1:
                row["notes"].append("seeds evaluated on different examples: resampled each on its own")
        rows.append(row)

    best: dict[str, Any] = max(rows, key=lambda r: r["macro_f1"]) if rows else {}  # {}: no rows, no loop
    for row in rows:
        row["best"] = row is best
        row["delta"] = row["macro_f1"] - best["macro_f1"]
        row["delta_ci"] = row["p_bootstrap"] = row["p_mcnemar"] = row["mcnemar_b"] = row["mcnemar_c"] = None
        if row is best:
            row["notes"].insert(0, "best")
            continue
        if best["_preds"] is None or row["_preds"] is None:
            if n_boot > 0:
                row["notes"].append("not tested: predictions missing")
            continue
        best_keys, row_keys = {p.key for p in best["_preds"]}, {p.key for p in row["_preds"]}
        if len(best_keys) > 1 or best_keys != row_keys:
            row["notes"].append("not paired: evaluated on different examples than the best row")
            continue
        d = row["_stat"] - best["_stat"]
        row["delta"] = row["_point"] - best["_point"]
        row["delta_ci"] = [float(x) for x in np.percentile(d, [2.5, 97.5])]
        row["p_bootstrap"] = bootstrap_p(d)
        gold = best["_preds"][0].gold
        row["mcnemar_b"], row["mcnemar_c"], row["p_mcnemar"] = mcnemar_exact(vote(best["_preds"]) == gold,
                                                                             vote(row["_preds"]) == gold)

    def sort_key(row):  # numbers largest first (unless ascending), other config values in text order
        v = row["keys"].get(sort) if sort in shown else row.get(sort)
        missing = v is None or v is MISSING
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (missing, -v if not ascending else v, "")
        return (missing, 0, "" if missing else json.dumps(v, default=str))

    rows.sort(key=sort_key)
    for i, row in enumerate(rows, 1):
        row["row"] = i
        row["note"] = "; ".join(row.pop("notes"))
        for k in ("_preds", "_stat", "_point"):
            row.pop(k, None)
    return {"split": split, "bootstrap": n_boot, "seed": seed, "grouping": "per run" if per_run else "seeds grouped",
            "keys": shown, "rows": rows, "skipped": skipped,
            "best": next((r["row"] for r in rows if r["best"]), None)}
