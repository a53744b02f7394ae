"""Would combining finished training runs beat the best single run? Scored on their dev predictions.

Reads the ``predictions_dev.jsonl`` that ``train.py`` writes into each run directory (same dev
examples in every run: same data and ``split_seed``) and prints dev macro-F1 for:

- each run alone;
- ``ensemble``: the mean of all runs' probabilities (N models at prediction time);
- ``prior shift``: each run's log-probabilities minus ``tau`` times the log of the dev label
  shares (logit adjustment, Menon et al. 2021), for a few ``tau``: is argmax the wrong
  decision rule for macro-F1 when the minority classes are under-predicted?
- ``--with DIR``: each run's log-probabilities plus ``w`` times those of another model (e.g. a
  tfidf run): do the two families err on different examples?
- ``--soup``: the runs' weights averaged into one model (a "model soup", Wortsman et al. 2022;
  one model at prediction time), which needs ``model/`` in every run (``save_to_models`` is
  independent: train.py keeps the model in the run directory) and ``--records`` to re-read the
  dev sentences by id.

Every figure is on dev, which also picked each run's checkpoint, and the tau / w grids are
read off dev too: a gain here is an upper bound, not a measured improvement.

    .venv/bin/python benchmarks/combine_runs.py RUN_DIR RUN_DIR [...] [--with DIR]
        [--soup --records FILE --format NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actorstance import LABELS  # noqa: E402
from actorstance.errors import ActorstanceError  # noqa: E402
from actorstance.metrics import compute  # noqa: E402

TAUS = (0.1, 0.2, 0.3, 0.5, 1.0)
WEIGHTS = (0.1, 0.2, 0.3, 0.5, 1.0)


def read_predictions(run: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Ids, gold labels and the (n, 3) probabilities of one run's dev predictions."""
    path = run / "predictions_dev.jsonl"
    if not path.is_file():
        sys.exit(f"{path}: not found (a train.py run directory with a dev split is needed)")
    ids, gold, proba = [], [], []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ids.append(row["id"])
            gold.append(row["gold"])
            proba.append([float(row[f"p_{label}"]) for label in LABELS])
        except (ValueError, KeyError, TypeError) as exc:
            sys.exit(f"{path}:{lineno}: not a prediction row ({type(exc).__name__}: {exc})")
    return ids, gold, np.array(proba, dtype=np.float64).reshape(-1, len(LABELS))


def macro_f1(gold: list[str], scores: np.ndarray) -> float:
    return compute(gold, [LABELS[i] for i in scores.argmax(axis=1)])["macro_f1"]


def log_proba(proba: np.ndarray) -> np.ndarray:
    return np.log(np.clip(proba, 1e-6, 1.0))  # the files round to 6 decimals: 0 happens


def average_models(model_dirs: list[Path], out: Path) -> Path:
    """Write the mean of the models' weights to ``out`` (config, tokenizer and meta of the first);
    the checksums in meta.json are renewed, so the soup loads like any saved model."""
    from safetensors.numpy import load_file, save_file

    shutil.copytree(model_dirs[0], out)
    meta = json.loads((out / "meta.json").read_text())
    for name in [n for n in meta["files"] if n.endswith(".safetensors")]:
        states = [load_file(str(d / name)) for d in model_dirs]
        if any(s.keys() != states[0].keys() or any(s[k].shape != states[0][k].shape for k in s) for s in states):
            sys.exit(f"{name}: the models' weights differ in names or shapes; only one architecture can be averaged")
        averaged = {k: (np.mean([s[k] for s in states], axis=0).astype(v.dtype) if v.dtype.kind == "f" else v)
                    for k, v in states[0].items()}
        save_file(averaged, str(out / name))
        meta["files"][name] = hashlib.sha256((out / name).read_bytes()).hexdigest()
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return out


def soup_f1(runs: list[Path], ids: list[str], gold: list[str], records: str, fmt: str | None) -> float:
    """Dev macro-F1 of the runs' averaged weights, the dev sentences re-read by id from ``records``."""
    from actorstance.data import read_records
    from actorstance.models import load_model

    by_id = {r["id"]: r for r in read_records(records, fmt)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        sys.exit(f"{records}: {len(missing)} dev ids not found (first: {missing[0]}); wrong --records file?")
    with tempfile.TemporaryDirectory() as tmp:
        model = load_model(average_models([run / "model" for run in runs], Path(tmp) / "soup"))
        return compute(gold, model.predict([by_id[i] for i in ids]))["macro_f1"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path, help="train.py run directories (hydra.run.dir)")
    ap.add_argument("--with", dest="other", type=Path, help="a run of another model to fuse with each run")
    ap.add_argument("--soup", action="store_true", help="also average the runs' weights into one model")
    ap.add_argument("--records", help="the data file the dev split was cut from (for --soup)")
    ap.add_argument("--format", help="its format name, e.g. park2021 (for --soup)")
    args = ap.parse_args(argv)

    ids, gold, _ = read_predictions(args.runs[0])
    probas = {}
    for run in args.runs + ([args.other] if args.other else []):
        run_ids, run_gold, proba = read_predictions(run)
        if run_ids != ids or run_gold != gold:
            sys.exit(f"{run}: its dev examples differ from {args.runs[0]}'s (other data, split_seed or order)")
        probas[run] = proba

    print(f"{len(ids)} dev examples; dev macro-F1")
    for run in args.runs:
        print(f"  {run.name:<28} {macro_f1(gold, probas[run]):.4f}")
    if len(args.runs) > 1:
        print(f"  {'ensemble (mean probability)':<28} {macro_f1(gold, np.mean([probas[r] for r in args.runs], axis=0)):.4f}")
    shares = np.bincount([LABELS.index(g) for g in gold], minlength=len(LABELS)) / len(gold)
    print("prior shift, tau = " + " ".join(f"{t:>6}" for t in TAUS))
    for run in args.runs:
        row = [macro_f1(gold, log_proba(probas[run]) - t * log_proba(shares)) for t in TAUS]
        print(f"  {run.name:<28} " + " ".join(f"{v:.4f}" for v in row))
    if args.other:
        print(f"fused with {args.other.name}, w = " + " ".join(f"{w:>6}" for w in WEIGHTS))
        for run in args.runs:
            row = [macro_f1(gold, log_proba(probas[run]) + w * log_proba(probas[args.other])) for w in WEIGHTS]
            print(f"  {run.name:<28} " + " ".join(f"{v:.4f}" for v in row))
    if args.soup:
        if not args.records:
            sys.exit("--soup needs --records FILE (the data file the dev split was cut from)")
        try:
            f1 = soup_f1(args.runs, ids, gold, args.records, args.format)
        except ActorstanceError as exc:  # unreadable records or model: the message names the file
            sys.exit(str(exc))
        print(f"  {'soup (mean weights)':<28} {f1:.4f}")


if __name__ == "__main__":
    main()
