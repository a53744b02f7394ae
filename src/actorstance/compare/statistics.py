"""The numbers behind the CIs and paired tests, as the package docstring's recipe states them:
resamples of an evaluation set, macro-F1 per resample, a seed group's vote, the bootstrap p and
exact McNemar. Works on loaded predictions (label-index arrays), never on files, so each can be
checked alone; numpy and scipy load on call.
"""

from __future__ import annotations

from .. import LABELS


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
