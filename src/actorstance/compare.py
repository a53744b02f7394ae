"""``actorstance compare``: which configuration is better, by how much, and is it real?

Reads the run directories that ``train.py`` writes (``.hydra/config.yaml``, ``metrics.json``,
``predictions_{dev,test}.jsonl``) and prints one table: only the config keys that differ
between runs, the metrics, and how much of a difference is noise.

How the numbers are made (all from the saved per-example predictions, so anyone can redo them):

* A **row** holds the runs whose configs differ only in keys named ``seed``; its metrics are the
  mean, the sample standard deviation (ddof=1) and the number ``n`` of those runs.
* **Resamples**: the examples of an evaluation set, sorted by id, are drawn with replacement
  ``B`` times: ``np.random.default_rng([seed, zlib.crc32(ids)]).integers(0, n, size=(B, n))``
  with ``ids`` the sorted ids joined by newlines. Every run evaluated on that set uses the
  same resamples, so rows on one set are paired by construction.
* **95% CI** of a row's macro-F1: the 2.5th and 97.5th percentiles (numpy's linear
  interpolation) over the resamples of the row's statistic, the mean of its runs' macro-F1
  on the resample. (Seeds evaluated on different examples are resampled each on its own set.)
* **Paired bootstrap** against the best row (highest mean macro-F1): ``d_b`` = row statistic
  minus best statistic on resample ``b``; ``Δ`` is the observed difference, its CI the
  percentiles of ``d_b``, and ``p = min(1, 2 * min(#(d_b <= 0) + 1, #(d_b >= 0) + 1) / (B + 1))``.
* **McNemar** (exact, two-sided) on per-example correctness of each row's prediction
  (a row of several runs votes; a tie goes to the label with the higher mean probability):
  ``b`` = best right and row wrong, ``c`` = the reverse, ``p = min(1, 2 * BinomCDF(min(b, c); b + c, 1/2))``.
* Rows evaluated on different examples (other ids or gold labels) cannot be paired: no p-value,
  and the note says so. p-values are not adjusted for the number of rows compared.

Kept light at import (argparse only): numpy, scipy, yaml and matplotlib load in :func:`main`.
"""

from __future__ import annotations

import glob
import json
import re
import sys
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from . import LABELS

SPLITS = ("dev", "test")
METRICS = ("macro_f1", "accuracy", "f_avg", *(f"f1_{label}" for label in LABELS))
SORT_KEYS = (*METRICS, "train_seconds", "n", "delta", "p_bootstrap", "p_mcnemar")
NOISE_KEYS = ("hydra", "hydra.*", "models_dir", "save_to_models", "tracking", "tracking.*")  # never what makes runs differ
ERROR_FILE = "error.json"  # written by train.py for a failed multirun job
FORMATS = ("table", "markdown", "csv", "json")
MISSING = "–"  # a key that one run's config does not have


# ---------------------------------------------------------------------------- reading runs
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


def _natural_key(path: Path):
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
    run.config = {**choices, **flatten(config)}
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
    gold: object  # np.ndarray[int]
    pred: object  # np.ndarray[int]
    proba: object  # np.ndarray (n, 3) or None

    @property
    def key(self) -> tuple:  # two runs can be paired only on the same examples with the same gold labels
        return self.ids, tuple(self.gold.tolist())


def load_predictions(path: Path):
    """``Predictions`` from ``predictions_SPLIT.jsonl``; a message instead when it is missing or bad."""
    import numpy as np

    if not path.is_file():
        return f"no {path.name}"
    index = {label: i for i, label in enumerate(LABELS)}
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                proba = [r.get(f"p_{label}") for label in LABELS]
                rows.append((str(r["id"]), index[r["gold"]], index[r["pred"]],
                             None if None in proba else [float(p) for p in proba]))
            except (ValueError, KeyError, TypeError) as exc:
                return f"{path}:{line_no}: bad prediction row ({type(exc).__name__}: {exc})"
    if not rows:
        return f"{path.name} is empty"
    rows.sort(key=lambda r: r[0])
    have_proba = all(r[3] is not None for r in rows)
    return Predictions(tuple(r[0] for r in rows), np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                       np.array([r[3] for r in rows], dtype=float) if have_proba else None)


# ---------------------------------------------------------------------------- statistics
def resample_indices(ids: tuple, n_boot: int, seed: int):
    """The documented resamples of one evaluation set (shared by every run evaluated on it)."""
    import zlib

    import numpy as np

    rng = np.random.default_rng([seed, zlib.crc32("\n".join(ids).encode("utf-8"))])
    return rng.integers(0, len(ids), size=(n_boot, len(ids)), dtype=np.int64)


def macro_f1_resampled(gold, pred, idx):
    """Macro-F1 (as :mod:`actorstance.metrics`: over labels in gold or predictions) per row of ``idx``."""
    import numpy as np

    k = len(LABELS)
    codes = gold * k + pred
    out = np.empty(len(idx))
    step = max(1, 4_000_000 // max(1, idx.shape[1]))
    for start in range(0, len(idx), step):
        block = codes[idx[start:start + step]]
        b = len(block)
        conf = np.bincount((block + (np.arange(b) * k * k)[:, None]).ravel(), minlength=b * k * k).reshape(b, k, k)
        tp = np.diagonal(conf, axis1=1, axis2=2).astype(float)
        gold_n, pred_n = conf.sum(axis=2), conf.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(pred_n > 0, tp / pred_n, 0.0)
            r = np.where(gold_n > 0, tp / gold_n, 0.0)
            f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
        present = (gold_n > 0) | (pred_n > 0)
        out[start:start + b] = (f * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
    return out


def vote(preds: list):
    """Per-example label of a row: majority over its runs, ties to the higher mean probability."""
    import numpy as np

    votes = sum(np.eye(len(LABELS))[p.pred] for p in preds)
    if all(p.proba is not None for p in preds):
        votes = votes + 0.5 * sum(p.proba for p in preds) / len(preds)
    return votes.argmax(axis=1)


def mcnemar_exact(best_right, row_right) -> tuple[int, int, float]:
    from scipy.stats import binom

    b = int((best_right & ~row_right).sum())
    c = int((~best_right & row_right).sum())
    p = 1.0 if b + c == 0 else min(1.0, 2.0 * float(binom.cdf(min(b, c), b + c, 0.5)))
    return b, c, p


def bootstrap_p(d) -> float:
    """Two-sided p of 'no difference' from the paired resampled differences (see the module doc)."""
    import numpy as np

    n = len(d)
    return float(min(1.0, 2 * min(np.sum(d <= 0) + 1, np.sum(d >= 0) + 1) / (n + 1)))


# ---------------------------------------------------------------------------- the comparison
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
        if not isinstance((r.metrics or {}).get(split), dict) or "macro_f1" not in r.metrics[split]:
            skipped.append({"run": _display_path(r.path), "reason": f"no {split} metrics in metrics.json"})
        else:
            usable.append(r)
    keys = differing_keys(usable, ignore)
    shown = keys if per_run else [k for k in keys if not is_seed_key(k)]
    if sort not in SORT_KEYS and sort not in shown:
        from .errors import ActorstanceError

        raise ActorstanceError(f"cannot sort by {sort!r}; choose one of {', '.join((*SORT_KEYS, *shown))}")

    groups: dict[tuple, list[Run]] = {}
    for r in usable:
        gkey = (str(r.path.resolve()),) if per_run else tuple(json.dumps(r.config.get(k, MISSING), default=str) for k in shown)
        groups.setdefault(gkey, []).append(r)

    eval_sets: dict[tuple, object] = {}  # Predictions.key -> resample indices
    rows = []
    for members in groups.values():
        label = " ".join(f"{k}={_short(members[0].config.get(k, MISSING))}" for k in shown)
        row = {"label": f"{_display_path(members[0].path)} {label}".strip() if per_run else (label or "all runs"),
               "keys": {k: members[0].config.get(k, MISSING) for k in shown},
               "n": len(members), "seeds": [r.config.get("seed") for r in members],
               "runs": [_display_path(r.path) for r in members], "notes": []}
        values = [_metric_values(r.metrics, split) for r in members]
        for m in (*METRICS, "train_seconds"):
            row[m], row[f"{m}_sd"] = _mean_sd([v[m] for v in values])
        row["per_run_macro_f1"] = [v["macro_f1"] for v in values]
        seeds = [s for s in row["seeds"] if s is not None]
        if len(set(map(str, seeds))) < len(seeds):
            row["notes"].append("repeated seed (--per-run shows each run)")
        preds = [load_predictions(r.path / f"predictions_{split}.jsonl") for r in members]
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

    best = max(rows, key=lambda r: r["macro_f1"]) if rows else None
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


# ---------------------------------------------------------------------------- output
def _f(v, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _p(v) -> str:
    if v is None:
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def display_rows(result: dict) -> tuple[list[dict], list[str]]:
    """Rows of strings for the terminal and Markdown: mean ± sd, intervals, tests."""
    per_run = result["grouping"] == "per run"
    columns = ["#", *(["run"] if per_run else []), *result["keys"], "n", "macro-F1", "95% CI", "accuracy", "F_avg",
               *(f"F1 {label[:4]}" for label in LABELS), "Δ vs best", "Δ 95% CI", "p boot", "p McNemar", "sig", "note"]
    out = []
    for r in result["rows"]:
        ci, dci = r.get("macro_f1_ci"), r.get("delta_ci")
        row = {"#": str(r["row"]), "run": r["runs"][0], **{k: _short(v) for k, v in r["keys"].items()}, "n": str(r["n"]),
               "macro-F1": _f(r["macro_f1"]) + (f" ± {r['macro_f1_sd']:.3f}" if r["macro_f1_sd"] is not None else ""),
               "95% CI": f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "",
               "accuracy": _f(r["accuracy"]), "F_avg": _f(r["f_avg"]),
               **{f"F1 {label[:4]}": _f(r[f"f1_{label}"]) for label in LABELS},
               "Δ vs best": "" if r["best"] else f"{r['delta']:+.3f}",
               "Δ 95% CI": f"[{dci[0]:+.3f}, {dci[1]:+.3f}]" if dci else "",
               "p boot": _p(r["p_bootstrap"]), "p McNemar": _p(r["p_mcnemar"]),
               "sig": "" if r["p_bootstrap"] is None else ("yes" if r["p_bootstrap"] < 0.05 else "no"),
               "note": r["note"]}
        out.append(row)
    return out, columns


CSV_FIXED = ["row", "label", "n", "seeds", *(x for m in METRICS for x in (m, f"{m}_sd")),
             "macro_f1_ci_low", "macro_f1_ci_high", "delta", "delta_ci_low", "delta_ci_high",
             "p_bootstrap", "p_mcnemar", "mcnemar_b", "mcnemar_c", "n_examples", "train_seconds", "note", "runs"]


def _flat_rows(result: dict) -> tuple[list[dict], list[str]]:
    rows = []
    for r in result["rows"]:
        flat = {**{k: _short(v, compact=False) for k, v in r["keys"].items()}, **{k: r.get(k) for k in CSV_FIXED}}
        flat["macro_f1_ci_low"], flat["macro_f1_ci_high"] = r.get("macro_f1_ci") or (None, None)
        flat["delta_ci_low"], flat["delta_ci_high"] = r.get("delta_ci") or (None, None)
        flat["seeds"] = " ".join(map(str, r["seeds"]))
        flat["runs"] = " ".join(r["runs"])
        rows.append(flat)
    return rows, [*result["keys"], *CSV_FIXED]


def _markdown(rows: list[dict], columns: list[str]) -> str:
    def cell(v):
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def describe(result: dict) -> str:
    n_runs = sum(r["n"] for r in result["rows"])
    n_ex = {r.get("n_examples") for r in result["rows"]} - {None}
    lines = [f"{n_runs} run{'s' if n_runs != 1 else ''} in {len(result['rows'])} row{'s' if len(result['rows']) != 1 else ''} "
             f"({result['grouping']}), {result['split']} split; macro-F1 as mean ± sd over a row's runs."]
    if result["bootstrap"]:
        lines.append(f"95% CI: bootstrap over {'/'.join(map(str, sorted(n_ex))) or '?'} {result['split']} examples "
                     f"({result['bootstrap']} resamples, seed {result['seed']}); Δ, p boot: paired bootstrap of macro-F1 "
                     f"against the best row (#{result['best']}); p McNemar: exact test on correctness; "
                     "sig: p boot < 0.05.")
    return "\n".join(lines)


def render_result(result: dict, fmt: str) -> str:
    from .output import render

    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        rows, columns = _flat_rows(result)
        return render(rows, "csv", columns)
    rows, columns = display_rows(result)
    skipped = [f"  {s['run']}: {s['reason']}" for s in result["skipped"]]
    if fmt == "markdown":
        text = _markdown(rows, columns) + "\n\n" + describe(result) + "\n"
        if skipped:
            text += "\nRuns without results:\n\n" + "\n".join(f"- {s.strip()}" for s in skipped) + "\n"
        return text
    text = render(rows, "table", columns) + describe(result) + "\n"
    if skipped:
        text += (f"\n{len(skipped)} run{'s' if len(skipped) != 1 else ''} without results (listed, not compared):\n"
                 + "\n".join(skipped) + "\n")
    return text


def plot(result: dict, path: str | Path) -> None:
    """Macro-F1 per row with its 95% CI (and each run as a dot), and per-class F1 per row."""

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import textwrap

    rows = result["rows"]

    def tick(r):  # long config labels wrapped to 3 short lines, so the axes keep their room
        lines = textwrap.wrap(f"#{r['row']} {r['label']}", 34) or [f"#{r['row']}"]
        return "\n".join(lines[:2] + (["…"] if len(lines) > 3 else lines[2:3]))

    labels = [tick(r) for r in rows]
    y = np.arange(len(rows))[::-1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 1.8 + 0.7 * len(rows)), sharey=True,
                                   gridspec_kw={"width_ratios": [1.4, 1]})
    for yi, r in zip(y, rows):
        ci = r.get("macro_f1_ci")
        err = [[r["macro_f1"] - ci[0]], [ci[1] - r["macro_f1"]]] if ci else None
        ax1.errorbar(r["macro_f1"], yi, xerr=err, fmt="o", color="tab:red" if r["best"] else "tab:blue", capsize=4)
        ax1.scatter(r["per_run_macro_f1"], [yi] * len(r["per_run_macro_f1"]), s=10, color="grey", zorder=3)
    ax1.set_yticks(y, labels)
    ax1.set_xlabel(f"{result['split']} macro-F1 (mean, 95% bootstrap CI; dots: runs)")
    height = 0.8 / len(LABELS)
    for j, label in enumerate(LABELS):
        bars = ax2.barh(y + (1 - j) * height, [r[f"f1_{label}"] or 0 for r in rows], height=height, label=label)
        ax2.bar_label(bars, fmt="%.2f", fontsize=6, padding=2)
    ax2.set_xlabel(f"{result['split']} F1 per class (mean over runs)")
    ax2.set_xlim(0, 1)
    ax2.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(LABELS), fontsize="small", frameon=False)
    fig.tight_layout()
    from .atomic import atomic_open

    try:
        with atomic_open(path, binary=True) as fh:
            fig.savefig(fh, dpi=110, format=Path(path).suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------- the command
def add_arguments(parser) -> None:
    parser.description = ("One table of the runs' metrics that shows only the config keys that differ; runs "
                          "differing only in seed form one row (mean ± sd, n), with a 95% bootstrap CI of "
                          "macro-F1 and paired tests (bootstrap, McNemar) against the best row.")
    parser.epilog = ("CI: percentile bootstrap over the evaluation examples (the same resamples for every run on "
                     "them); p boot: paired bootstrap of macro-F1 against the best row; p McNemar: exact test on "
                     "per-example correctness (a seed group votes). See the module docstring of actorstance.compare.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run dirs, multirun dirs or globs")
    parser.add_argument("--split", choices=SPLITS, default="dev", help="which split's results (default: dev)")
    parser.add_argument("--sort", default="macro_f1", metavar="METRIC",
                        help=f"sort rows by this, largest first: {', '.join(SORT_KEYS)} or a shown config key "
                             "(default: macro_f1)")
    parser.add_argument("--ascending", action="store_true", help="smallest first")
    parser.add_argument("-f", "--format", choices=FORMATS,
                        help="default: from --out's extension (.md, .csv, .json), else table")
    parser.add_argument("-o", "--out", help="write here instead of standard output (atomically)")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw macro-F1 with CIs and per-class F1")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for CIs and paired tests; 0 turns them off (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the resampling (default: 0)")
    parser.add_argument("--ignore", action="append", default=[], metavar="KEY",
                        help="config key (glob) never to show or group by, e.g. 'data.*' (repeatable)")
    parser.add_argument("--per-run", action="store_true",
                        help="one row per run instead of grouping runs that differ only in seed")


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower() if args.out not in (None, "-") else ""
    return {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json"}.get(suffix, "table")


def main(args) -> int:
    from .errors import ActorstanceError
    from .output import write_text

    if args.bootstrap < 0:
        raise ActorstanceError("--bootstrap must be 0 or more")
    dirs, problems = find_run_dirs(args.paths)
    runs = [load_run(d) for d in dirs]
    if not runs:
        raise ActorstanceError("no run found in " + "; ".join(f"{p} ({why})" for p, why in problems)
                               + "\nexpected directories written by train.py (.hydra/config.yaml, metrics.json)")
    result = compare_runs(runs, args.split, args.bootstrap, args.seed, args.per_run, args.ignore, args.sort, args.ascending)
    result["skipped"] = [{"run": p, "reason": why} for p, why in problems] + result["skipped"]
    if not result["rows"]:
        raise ActorstanceError(f"none of the {len(runs)} runs has {args.split} results:\n  "
                               + "\n  ".join(f"{s['run']}: {s['reason']}" for s in result["skipped"]))
    fmt = _format(args)
    write_text(render_result(result, fmt), args.out)
    if fmt in ("csv", "json") and result["skipped"]:
        listed = "\n  ".join(f"{s['run']}: {s['reason']}" for s in result["skipped"])
        print("runs without results (listed, not compared):\n  " + listed,
              file=sys.stderr)
    if args.plot:
        plot(result, args.plot)
    if args.out not in (None, "-") or args.plot:
        print("written: " + ", ".join(str(p) for p in (args.out, args.plot) if p not in (None, "-")), file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------- Hydra callback
class FailedJobsReport:
    """Hydra callback (configs/hydra/default.yaml): after a multirun, name the failed jobs and exit 1.

    ``train.py`` already kept the sweep going and left ``error.json`` in each failed job's dir;
    this makes the failures impossible to miss and the command's exit status honest.
    """

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        failed = sorted(sweep_dir.rglob(ERROR_FILE), key=_natural_key)
        if not failed:
            return
        lines = []
        for path in failed:
            try:
                err = json.loads(path.read_text(encoding="utf-8"))
                lines.append(f"  {path.parent}: {' '.join(err.get('overrides') or [])}: {err.get('error')}: {err.get('message')}")
            except (OSError, ValueError):
                lines.append(f"  {path.parent}: (unreadable {ERROR_FILE})")
        done = sum(1 for _ in sweep_dir.rglob("metrics.json"))
        print(f"\n{len(failed)} job{'s' if len(failed) != 1 else ''} failed ({done} finished; their results are kept):\n"
              + "\n".join(lines) + f"\ncompare what finished: actorstance compare {sweep_dir}", file=sys.stderr)
        sys.exit(1)

    # the other hooks Hydra calls on every callback
    def on_run_start(self, config, **kwargs) -> None: ...
    def on_run_end(self, config, **kwargs) -> None: ...
    def on_multirun_start(self, config, **kwargs) -> None: ...
    def on_job_start(self, config, **kwargs) -> None: ...
    def on_job_end(self, config, job_return, **kwargs) -> None: ...
