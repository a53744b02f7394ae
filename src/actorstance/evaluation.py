"""A trained model on a labeled dataset: per-example predictions and the metrics over them."""

from __future__ import annotations

import time
from pathlib import Path

from . import LABELS


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
