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

The package, one module a stage: :mod:`.runs` (find and read run directories) ->
:mod:`.statistics` (resamples, bootstrap, McNemar) -> :mod:`.comparison` (rows, CIs and tests as
plain data) -> :mod:`.report` (table, Markdown, CSV, JSON, plot); :mod:`.command` wires them into
the CLI, :mod:`.hydra_callback` reports a sweep's failed jobs. The names below are the public ones.
"""

from .command import FORMATS, SPLITS, add_arguments, main
from .comparison import METRICS, MISSING, NOISE_KEYS, SORT_KEYS, compare_runs, differing_keys, is_seed_key
from .hydra_callback import FailedJobsReport
from .report import CSV_FIXED, describe, display_rows, plot, render_result
from .runs import ERROR_FILE, Predictions, Run, find_run_dirs, flatten, load_predictions, load_run
from .statistics import bootstrap_p, macro_f1_resampled, mcnemar_exact, resample_indices, vote

__all__ = [
    "CSV_FIXED", "ERROR_FILE", "FORMATS", "METRICS", "MISSING", "NOISE_KEYS", "SORT_KEYS", "SPLITS",
    "FailedJobsReport", "Predictions", "Run",
    "add_arguments", "bootstrap_p", "compare_runs", "describe", "differing_keys", "display_rows", "find_run_dirs",
    "flatten", "is_seed_key", "load_predictions", "load_run", "macro_f1_resampled", "main", "mcnemar_exact", "plot",
    "render_result", "resample_indices", "vote",
]
