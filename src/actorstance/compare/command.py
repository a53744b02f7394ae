"""``actorstance compare`` itself: its arguments (added to the parser by :mod:`actorstance.cli`)
and :func:`main`, which chains runs -> comparison -> report and turns "nothing to compare" into a
clear error. Light to import: the CLI builds its parser without loading numpy.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .comparison import SORT_KEYS, compare_runs
from .report import plot, render_result
from .runs import find_run_dirs, load_run

SPLITS = ("dev", "test")
FORMATS = ("table", "markdown", "csv", "json")


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
    from ..errors import ActorstanceError
    from ..output import write_text

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
