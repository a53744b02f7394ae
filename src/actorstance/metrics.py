"""Stance metrics: macro-F1, accuracy, per-class scores, F_avg and the confusion matrix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from . import LABEL2ID, LABELS


def confusion(gold: Sequence[str], pred: Sequence[str]) -> np.ndarray:
    """Rows are gold labels, columns predictions, both in ``LABELS`` order."""
    cm = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    for g, p in zip(gold, pred):
        cm[LABEL2ID[g], LABEL2ID[p]] += 1
    return cm


def scores_from_confusion(cm: np.ndarray) -> dict:
    per_class = {}
    for i, label in enumerate(LABELS):
        tp = cm[i, i]
        pred_n, gold_n = cm[:, i].sum(), cm[i, :].sum()
        p = tp / pred_n if pred_n else 0.0
        r = tp / gold_n if gold_n else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_class[label] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(gold_n)}
    present = [lab for lab in LABELS if per_class[lab]["support"] > 0 or cm[:, LABEL2ID[lab]].sum() > 0]
    n = int(cm.sum())
    return {
        "n": n,
        "accuracy": float(np.trace(cm) / n) if n else 0.0,
        # over the labels that occur in gold or predictions, as scikit-learn does
        "macro_f1": float(np.mean([per_class[lab]["f1"] for lab in present])) if present else 0.0,
        "f_avg": float((per_class["supportive"]["f1"] + per_class["critical"]["f1"]) / 2),
        "per_class": per_class,
        "confusion_matrix": {"labels": list(LABELS), "rows": "gold", "columns": "predicted", "matrix": cm.tolist()},
    }


def compute(gold: Sequence[str], pred: Sequence[str], slices: dict[str, Sequence] | None = None) -> dict:
    """All metrics; ``slices`` maps a field name to per-example values to score separately."""
    out = scores_from_confusion(confusion(gold, pred))
    for field, values in (slices or {}).items():
        by = {}
        for value in sorted({v for v in values if v not in (None, "")}):
            idx = [i for i, v in enumerate(values) if v == value]
            s = scores_from_confusion(confusion([gold[i] for i in idx], [pred[i] for i in idx]))
            by[value] = {k: s[k] for k in ("n", "accuracy", "macro_f1", "f_avg")}
        if by:
            out.setdefault("by", {})[field] = by
    return out


def park2021_lines(rows: Sequence[dict]) -> dict | None:
    """Park et al.'s 5-class macro-F1 over lines, rebuilt from each line's two directed predictions.

    The published yardstick scores one label per sentence (0 neutral, 1/2 p/q positive toward the
    other, 3/4 negative); this project predicts each direction apart. A line is 0 when both
    directions are neutral, the direction's class when one is not, and the more confident
    direction's class when both are not. None when ``rows`` hold no park2021 line pairs.
    """
    from .adapters import PARK2021_LABELS

    to_class = {pair: label for label, pair in PARK2021_LABELS.items()}
    pairs: dict[str, dict[str, dict]] = {}
    for row in rows:
        head, _, direction = str(row["id"]).rpartition("-")
        if head.startswith("park2021-") and direction in ("pq", "qp"):
            pairs.setdefault(head, {})[direction] = row
    gold, pred = [], []
    for both in pairs.values():
        if len(both) != 2:
            continue
        pq, qp = both["pq"], both["qp"]
        gold.append(to_class[(pq["gold"], qp["gold"])])
        a, b = pq["pred"], qp["pred"]
        if a != "neutral" and b != "neutral":  # one label a line: the more confident direction wins
            if pq[f"p_{a}"] >= qp[f"p_{b}"]:
                b = "neutral"
            else:
                a = "neutral"
        pred.append(to_class[(a, b)])
    if not gold:
        return None
    classes = sorted(PARK2021_LABELS)
    cm = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for g, p in zip(gold, pred):
        cm[classes.index(g), classes.index(p)] += 1
    f1 = {}
    for i, c in enumerate(classes):
        tp, pred_n, gold_n = cm[i, i], cm[:, i].sum(), cm[i, :].sum()
        f1[c] = float(2 * tp / (pred_n + gold_n)) if pred_n + gold_n else 0.0
    present = [c for i, c in enumerate(classes) if cm[i, :].sum() or cm[:, i].sum()]
    return {"n_lines": len(gold), "macro_f1": float(np.mean([f1[c] for c in present])),
            "accuracy": float(np.trace(cm) / len(gold)), "f1_per_class": f1,
            "confusion_matrix": {"labels": classes, "rows": "gold", "columns": "predicted", "matrix": cm.tolist()}}


def format_table(metrics: dict, title: str | None = None) -> str:
    """A plain-text report like scikit-learn's classification_report."""
    lines = [title] if title else []
    lines.append(f"{'':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for label in LABELS:
        c = metrics["per_class"][label]
        lines.append(f"{label:<12}{c['precision']:>10.3f}{c['recall']:>10.3f}{c['f1']:>10.3f}{c['support']:>10d}")
    lines.append("")
    lines.append(f"{'macro-F1':<12}{metrics['macro_f1']:>10.3f}    accuracy {metrics['accuracy']:.3f}"
                 f"    F_avg {metrics['f_avg']:.3f}    n {metrics['n']}")
    cm = metrics["confusion_matrix"]["matrix"]
    lines.append("")
    lines.append("confusion (rows gold, columns predicted)")
    lines.append(f"{'':<12}" + "".join(f"{lab[:10]:>12}" for lab in LABELS))
    for label, row in zip(LABELS, cm):
        lines.append(f"{label:<12}" + "".join(f"{v:>12d}" for v in row))
    for field, by in metrics.get("by", {}).items():
        lines.append("")
        lines.append(f"by {field}")
        lines.append(f"{'':<24}{'n':>6}{'macro-F1':>10}{'accuracy':>10}")
        for value, s in by.items():
            lines.append(f"{value[:24]:<24}{s['n']:>6d}{s['macro_f1']:>10.3f}{s['accuracy']:>10.3f}")
    return "\n".join(lines)


def plot_confusion(metrics: dict, path: str | Path, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.array(metrics["confusion_matrix"]["matrix"])
    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title(title or f"macro-F1 {metrics['macro_f1']:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(obj, path: str | Path) -> None:
    """Write JSON atomically (temp file, then rename)."""
    from .output import write_text

    write_text(json.dumps(obj, indent=2, ensure_ascii=False), path)
