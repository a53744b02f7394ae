"""The ``actorstance`` command line's grammar: every command's options and the checks of their
values. Parsing only, with nothing heavy imported (``--help`` is instant); :mod:`.cli` runs the
command that ``run`` names.
"""

from __future__ import annotations

import argparse

from . import __version__

MODEL_HELP = "model directory, or a models folder (or its LATEST file) to use the latest there (default: models/LATEST)"
FOCUS_HELP = ("only pairs between the names the model predicts each article is about (its name selector, focus.json, "
              "fitted by experiment=articles_listed*): --listed-only without a list of names")
FP32_HELP = ("transformer models: never the int8 copy a model was saved with: slower, and each pair's probability "
             "the same whatever else is scored (int8 sets its scale per batch; docs/articles.md, Speed)")


def _count(value: str, least: int = 0) -> int:
    """argparse type: a whole number >= ``least``."""
    try:
        n = int(value)
    except ValueError:
        n = least - 1
    if n < least:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {least}, got {value!r}")
    return n


def _positive(value: str) -> int:
    return _count(value, 1)


def _share(value: str) -> float:
    """argparse type: a number in [0, 1]."""
    try:
        x = float(value)
    except ValueError:
        x = -1.0
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value!r}")
    return x


def _seconds(value: str) -> float:
    """argparse type: a number of seconds > 0."""
    try:
        x = float(value)
    except ValueError:
        x = 0.0
    if not x > 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {value!r}")
    return x


def build_parser() -> argparse.ArgumentParser:
    from .articles.pairs import SALIENT
    from .articles.pipeline import PER_SENTENCE  # light: no spaCy or model imports

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
        p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a reader option, repeatable; for --format columns the field mapping, "
                            "e.g. --option text=sentence --option label=stance")

    p = sub.add_parser("predict", help="stance of each actor toward each target in records or articles",
                       description="Classify records (JSONL/CSV naming text, actor, target), or find actors and "
                                   "their stances in articles: text files, folders of them, JSONL of {id, text}, "
                                   "or - (standard input).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, folder of .txt articles, or - for standard input")
    p.add_argument("--model", action="append", metavar="MODEL",
                   help=MODEL_HELP + "; repeated (--model A --model B): the mean of their probabilities, an ensemble "
                                     "as slow as its members together (--focus takes the first one's selector)")
    data_options(p)
    p.add_argument("-f", "--output-format", choices=["table", "jsonl", "csv", "parquet"],
                   help="default: from --out's extension, else table (parquet: article rows to a file, with pyarrow)")
    p.add_argument("-o", "--out", help="write here instead of standard output (written atomically)")
    p.add_argument("--int8", action="store_true",
                   help="transformer models: predict with the int8 ONNX copy (1.5-1.9x fp32's speed; close calls "
                        "are rechecked in fp32); built on the fly if the model was saved without it (a model saved "
                        "with it, as experiment=articles is, uses it unasked)")
    p.add_argument("--fp32", action="store_true", help=FP32_HELP)
    p.add_argument("--onnx", action="store_true",
                   help="transformer models: predict in fp32 with ONNX Runtime (0.96-1.15x torch's speed; with "
                        "--int8, its close calls are rechecked there too); exported on the fly if not saved")
    p.add_argument("--int8-recheck", type=_share, metavar="X",
                   help="with --int8, redo in fp32 the rows whose two best probabilities lie closer than X "
                        "(default: the model's own, 0.2; 0 is faster)")
    art = p.add_argument_group("articles")
    art.add_argument("--actors", metavar="FILE", help="actor file: JSON {canonical: [aliases]} or CSV/TSV rows "
                                                      "canonical,alias,...; merges mentions across articles")
    art.add_argument("--target", action="append", metavar="TEXT",
                     help="a topic to take stances toward (repeatable); replaces the default targets "
                          "(the other actors in the sentence)")
    art.add_argument("--targets", metavar="FILE", help="topics with aliases, in the actor-file format")
    art.add_argument("--listed-only", action="store_true",
                     help="only pairs whose actor and target both name an entry of --actors (or a --target topic; "
                          "in JSONL or Parquet input, of the article's own \"actors\" list; beside a NAME.txt, of "
                          "NAME.actors.json's): the actors and topics you study, "
                          "without their bystanders (names matched leniently: \"Obama\" is \"Barack Obama\")")
    art.add_argument("--focus", action="store_true", help=FOCUS_HELP)
    art.add_argument("--per-sentence", type=_count, default=PER_SENTENCE, metavar="N",
                     help=f"at most N stances per sentence, the most probable (0: no limit; default {PER_SENTENCE})")
    art.add_argument("--salient", type=_count, metavar="N",
                     help="the article's N most mentioned names are candidate targets of every sentence with an "
                          f"actor, named there or not (default {SALIENT}; 2 adds about a third more pairs: docs/articles.md)")
    art.add_argument("--min-probability", type=_share, default=0.0, metavar="P",
                     help="report a stance only when its probability is at least P (fewer, surer rows; "
                          "default 0: every stance; precision by bar: evaluate-articles, docs/articles.md)")
    art.add_argument("--all-pairs", action="store_true",
                     help="write a row for every candidate pair, the neutral ones too (default: rows with a stance)")
    art.add_argument("--summary", nargs="?", const="-", metavar="FILE",
                     help="per-actor and per-pair summary: as JSON to FILE, or as a table without FILE "
                          "(the table is always printed after table output)")
    art.add_argument("--ner", choices=["auto", "spacy", "rules"], default="auto",
                     help="actor detector: spaCy NER, capitalised-name rules, or auto (spaCy if installed)")
    art.add_argument("--ner-processes", type=_positive, default=1, metavar="N",
                     help="spaCy worker processes, which run ahead while the model scores (for large corpora)")
    art.add_argument("--evidence", type=_positive, default=3, metavar="N", help="evidence sentences per summary entry")
    art.add_argument("--chunk", type=_positive, default=64, metavar="N",
                     help="articles per model batch (memory holds one chunk)")
    art.add_argument("--progress", action="store_true", help="progress bar on stderr even when it is not a terminal")
    big = p.add_argument_group("large inputs (docs/scaling.md)")
    big.add_argument("--engine", choices=["local", "ray"], default="local",
                     help="ray: shards (JSONL/Parquet files, folders of .txt) predicted by Ray actors into --out-dir, "
                          "one file per shard; a rerun skips the shards already done (pip install "
                          "'actorstance[distributed]')")
    big.add_argument("--out-dir", metavar="DIR", help="with --engine ray: where the shards' rows and the manifest go")
    big.add_argument("--address", metavar="ADDR",
                     help="with --engine ray: a running Ray cluster to use (e.g. auto, or ray://HOST:10001); "
                          "default: start Ray on this machine for the run")
    big.add_argument("--workers", type=_positive, metavar="N",
                     help="with --engine ray: model actors (default: one per CPU, at most one per shard)")
    p.set_defaults(run="predict")

    p = sub.add_parser("evaluate", help="score a model on labeled data",
                       description="Macro-F1, accuracy, F_avg, per-class scores and the confusion matrix.")
    p.add_argument("data", nargs="+", metavar="DATA", help="labeled file(s)")
    p.add_argument("--model", help=MODEL_HELP)
    data_options(p)
    p.add_argument("--by", action="append", default=["hard_case"], metavar="FIELD",
                   help="also score each value of this field separately (default: hard_case, when present)")
    p.add_argument("--out", help="write metrics as JSON here")
    p.add_argument("--predictions", help="write per-example predictions (JSONL) here")
    p.set_defaults(run="evaluate")

    p = sub.add_parser("evaluate-articles", help="score the article pipeline end to end against gold triples",
                       description="Run the article pipeline on raw articles with gold (actor, stance, target) "
                                   "triples -- a SEESAW folder, or a folder of NAME.txt with NAME.gold.jsonl -- and "
                                   "report precision, recall and F1 of supportive/critical triples per sentence "
                                   "(lenient name matching), each stage's recall, and the summary's agreement.")
    p.add_argument("gold", metavar="GOLD", help="SEESAW folder, or a folder of NAME.txt + NAME.gold.jsonl")
    p.add_argument("--model", nargs="+", metavar="MODEL",
                   help=MODEL_HELP + "; several: the mean of their probabilities (an ensemble, as a list of "
                                     "distillation teachers)")
    p.add_argument("--split", default="valid", choices=["train", "valid", "test"], help="SEESAW split (default valid)")
    p.add_argument("--part", default="all", choices=["all", "fit", "select"],
                   help="SEESAW train stories: all, or the part models learn from (fit) / settings are picked on (select)")
    p.add_argument("--ner", choices=["auto", "spacy", "rules"], default="auto", help="mention detector")
    p.add_argument("--actors", metavar="FILE", help="actor file (canonical names with aliases), as for predict")
    p.add_argument("--listed-only", action="store_true",
                   help="only pairs between listed names, as predict --listed-only: each SEESAW article's own entity "
                        "list, else the names of --actors")
    p.add_argument("--focus", action="store_true", help=FOCUS_HELP + "; SEESAW's own lists are not read")
    p.add_argument("--int8", action="store_true", help="transformer models: predict with the int8 ONNX copy")
    p.add_argument("--fp32", action="store_true", help=FP32_HELP)
    p.add_argument("--int8-recheck", type=_share, metavar="X",
                   help="with --int8, redo in fp32 the pairs whose two best probabilities lie closer than X "
                        "(default: the model's own, 0.2; 0 is faster)")
    p.add_argument("--onnx", action="store_true", help="transformer models: predict in fp32 with ONNX Runtime")
    p.add_argument("--chunk", type=_positive, default=64, metavar="N", help="articles per model batch")
    p.add_argument("--ner-processes", type=_positive, default=1, metavar="N",
                   help="spaCy worker processes, which run ahead while the model scores (as predict)")
    p.add_argument("--per-sentence", type=_count, default=PER_SENTENCE, metavar="N",
                   help=f"at most N stances per sentence (0: no limit; default {PER_SENTENCE}, as predict)")
    p.add_argument("--salient", type=_count, metavar="N",
                   help="the article's N most mentioned names as targets of every sentence (default as predict)")
    p.add_argument("--min-probability", type=_share, default=0.0, metavar="P",
                   help="keep a stance only when its probability is at least P (default 0, as predict)")
    p.add_argument("--out", help="write the report as JSON here")
    p.add_argument("--rows", metavar="FILE", help="write every candidate row (JSONL), the neutral ones too")
    p.set_defaults(run="evaluate-articles")

    p = sub.add_parser("data", help="public benchmark data: fetch the authors' files at pinned commits")
    data_sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    f = data_sub.add_parser("fetch", help="download SEESAW, Park 2021 and NewsMTSC (train/dev parts), checked by SHA-256",
                            description="Download the named data sets from the authors' repositories at the commits "
                                        "the project pins, check every file's SHA-256, and write them atomically into "
                                        "DIR/NAME/ (a rerun skips files already in place).")
    f.add_argument("names", nargs="+", metavar="NAME", help="seesaw, park2021, newsmtsc")
    f.add_argument("--to", required=True, metavar="DIR", help="where to put them (e.g. ../shared/data)")
    from .fetch import DEFAULT_BASE_URL

    f.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"raw-file server (default {DEFAULT_BASE_URL})")
    f.add_argument("--workers", type=_positive, default=8, help="parallel downloads")
    f.set_defaults(run="data fetch")

    p = sub.add_parser("serve", help="serve a model over HTTP: a JSON API for records and articles, and a web page",
                       description="Load a model once and serve POST /v1/records, POST /v1/articles, GET /healthz, "
                                   "the API docs at /docs and a web page at / (pip install 'actorstance[serve]'). "
                                   "Requests carry data only; the model and limits are set here.")
    p.add_argument("--model", action="append", metavar="MODEL",
                   help=MODEL_HELP + "; repeated (--model A --model B): the mean of their probabilities, as predict")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_count, default=8000, help="port (default 8000)")
    p.add_argument("--int8", action="store_true", help="transformer models: predict with the int8 ONNX copy")
    p.add_argument("--fp32", action="store_true", help=FP32_HELP)
    p.add_argument("--onnx", action="store_true", help="transformer models: predict in fp32 with ONNX Runtime")
    p.add_argument("--max-body-kb", type=_positive, default=1024, metavar="N",
                   help="largest request body in KiB; larger ones get 413 (default 1024)")
    p.add_argument("--max-sentences", type=_positive, default=2000, metavar="N",
                   help="most records, or article sentences, per request; more get 422 (default 2000)")
    p.add_argument("--timeout-s", type=_seconds, default=30.0, metavar="S",
                   help="seconds a request may take, waiting for the model included; then 504 (default 30)")
    p.add_argument("--ner", choices=["auto", "spacy", "rules"], default="auto", help="actor detector for articles")
    p.add_argument("--actors", metavar="FILE", help="actor file (canonical names with aliases), as for predict")
    p.add_argument("--listed-only", action="store_true",
                   help="article requests: only pairs between the names of --actors (or of each article's own \"actors\"), "
                        "as predict --listed-only")
    p.add_argument("--focus", action="store_true", help="article requests: " + FOCUS_HELP)
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default info: one line per request)")
    p.set_defaults(run="serve")

    p = sub.add_parser("compare", help="compare training runs: differing config keys, mean ± sd, CIs, tests")
    from .compare import add_arguments  # a light module: its heavy imports happen in main()

    add_arguments(p)
    p.set_defaults(run="compare")
    return parser
