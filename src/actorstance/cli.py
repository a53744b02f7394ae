"""The ``actorstance`` command: predict, evaluate, compare.

Only argparse is imported at start-up, so ``--help`` is instant; each command imports what
it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import __version__


def _default_model() -> Path:
    from .errors import ModelLoadError

    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        latest = base / "models" / "LATEST"
        if latest.is_file():
            return base / "models" / latest.read_text(encoding="utf-8").strip()
    raise ModelLoadError("no --model given and no models/LATEST found: train one with `python train.py` "
                         "or pass --model DIR")


def _stdin_to_file() -> Path:
    """Spool standard input to a temp file named so that its format can be detected."""
    text = sys.stdin.read()
    first = text.lstrip()[:1]
    suffix = ".jsonl" if first in ("{", "") else ".csv"
    path = Path(tempfile.mkdtemp(prefix="actorstance-")) / f"stdin{suffix}"  # ids read "stdin-LINE"
    path.write_text(text, encoding="utf-8")
    return path


def _label_map(value: str | None):
    """``stance`` or ``favor=supportive,against=critical``."""
    if not value:
        return None
    if "=" not in value:
        return value
    return dict(item.split("=", 1) for item in value.split(",") if item)


PREDICT_COLUMNS = ["id", "actor", "target", "label", "probability", "text"]


def prediction_rows(model, ds) -> list[dict]:
    from . import LABELS

    proba = model.predict_proba(ds)
    rows = []
    for ex, p in zip(ds, proba):
        i = int(p.argmax())
        rows.append({
            "id": ex["id"], "article_id": ex.get("article_id"), "sentence_index": ex.get("sentence_index"),
            "actor": ex["actor"], "target": ex["target"], "label": LABELS[i], "probability": round(float(p[i]), 4),
            **{f"p_{lab}": round(float(v), 4) for lab, v in zip(LABELS, p)},
            "actor_span": ex["actor_span"], "target_span": ex["target_span"], "text": ex["text"],
        })
    return rows


def cmd_predict(args) -> int:
    from . import data as D
    from .models import load_model
    from .output import format_from_path, render, write_text

    model_dir = Path(args.model) if args.model else _default_model()
    model = load_model(model_dir)
    paths = [_stdin_to_file() if p == "-" else Path(p) for p in args.inputs]
    ds = D.load_many(paths, format=args.format, label_map=_label_map(args.label_map), require_label=False)
    rows = prediction_rows(model, ds)
    fmt = args.output_format or format_from_path(args.out)
    write_text(render(rows, fmt, PREDICT_COLUMNS if fmt == "table" else None), args.out)
    return 0


def cmd_evaluate(args) -> int:
    from . import data as D
    from . import metrics as M
    from .models import load_model
    from .training import evaluate_model, write_jsonl

    model = load_model(Path(args.model) if args.model else _default_model())
    ds = D.load_many([Path(p) for p in args.data], format=args.format, label_map=_label_map(args.label_map))
    metrics, rows = evaluate_model(model, ds, tuple(args.by))
    print(M.format_table(metrics, title=f"{len(ds)} examples from {', '.join(args.data)}"))
    if args.out:
        M.write_json(metrics, args.out)
        print(f"\nmetrics written to {args.out}")
    if args.predictions:
        write_jsonl(rows, Path(args.predictions))
    return 0


def cmd_compare(args) -> int:
    from .compare import main as compare_main

    return compare_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actorstance",
        description="Who stands where on what: stance of actors toward targets in news text.",
        epilog="Train with `python train.py` (Hydra); see README.md.")
    parser.add_argument("--version", action="version", version=f"actorstance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def data_options(p):
        p.add_argument("--format", help="input format (default: detected): jsonl, csv, park2021, newsmtsc, "
                                        "semeval2016, columns")
        p.add_argument("--label-map", help="label aliases: a named map (stance, sentiment, procon) or "
                                           "alias=label,... e.g. favor=supportive,against=critical,none=neutral")

    p = sub.add_parser("predict", help="stance of each actor toward each target in records or articles",
                       description="Classify records (text, actor, target) from JSONL/CSV files or - (stdin).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, or - for standard input")
    p.add_argument("--model", help="model directory (default: the one named in models/LATEST)")
    data_options(p)
    p.add_argument("-f", "--output-format", choices=["table", "jsonl", "csv"],
                   help="default: from --out's extension, else table")
    p.add_argument("-o", "--out", help="write here instead of standard output (written atomically)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="score a model on labeled data",
                       description="Macro-F1, accuracy, F_avg, per-class scores and the confusion matrix.")
    p.add_argument("data", nargs="+", metavar="DATA", help="labeled file(s)")
    p.add_argument("--model", help="model directory (default: the one named in models/LATEST)")
    data_options(p)
    p.add_argument("--by", action="append", default=["hard_case"], metavar="FIELD",
                   help="also score each value of this field separately (default: hard_case, when present)")
    p.add_argument("--out", help="write metrics as JSON here")
    p.add_argument("--predictions", help="write per-example predictions (JSONL) here")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("compare", help="compare training runs: differing config keys, mean ± sd, CIs, tests")
    from .compare import add_arguments  # a light module: its heavy imports happen in main()

    add_arguments(p)
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from .errors import ActorstanceError

    try:
        return int(args.func(args) or 0)
    except ActorstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
