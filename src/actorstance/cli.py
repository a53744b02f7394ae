"""The ``actorstance`` command: predict, evaluate, compare, serve.

Only argparse is imported at start-up, so ``--help`` is instant; each command imports what
it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from . import __version__


def _stdin_to_file() -> tuple[Path, bool]:
    """Spool standard input to a temp file named so that its kind can be detected: records
    (JSONL/CSV naming actor and target) or articles (JSONL of id/text, or plain text).
    Returns the path and whether it holds articles."""
    from .data import max_file_bytes
    from .errors import DataError

    limit = max_file_bytes()
    raw = sys.stdin.buffer.read(limit + 1)
    if len(raw) > limit:
        raise DataError([f"<stdin>: over the input limit of {limit / 2**20:,.0f} MiB (split the input, or set "
                         "ACTORSTANCE_MAX_FILE_MB)"])
    head = raw.lstrip()[:1]
    first_line = raw.lstrip().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if head in (b"{", b""):
        suffix, articles = ".jsonl", head == b"{" and '"actor"' not in first_line and '"target"' not in first_line
    else:
        header = {h.strip().lower() for h in first_line.replace("\t", ",").split(",")}
        is_records = "text" in header and ("actor" in header or "target" in header)
        suffix, articles = (".csv", False) if is_records else (".txt", True)
    path = Path(tempfile.mkdtemp(prefix="actorstance-")) / f"stdin{suffix}"  # ids read "stdin-LINE"
    path.write_bytes(raw)
    return path, articles


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


def _label_map(value: str | None):
    """``stance`` or ``favor=supportive,against=critical``."""
    if not value:
        return None
    if "=" not in value:
        return value
    items = [item.split("=", 1) for item in value.split(",") if item]
    if any(len(item) != 2 or not item[0].strip() or not item[1].strip() for item in items):
        from .errors import ActorstanceError

        raise ActorstanceError(f"--label-map: expected a map name or ALIAS=LABEL pairs separated by commas "
                               f"(e.g. favor=supportive,against=critical), got {value!r}")
    return dict(items)


def _reader_options(items: list[str]) -> dict:
    """``["text=sentence", "label=stance"]`` -> ``{"text": "sentence", "label": "stance"}``."""
    from .errors import ConfigError

    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--option {item!r}: expected KEY=VALUE")
        options[key.strip()] = value.strip() or None
    return options


MODEL_HELP = "model directory, or a models folder (or its LATEST file) to use the latest there (default: models/LATEST)"

PREDICT_COLUMNS = ["id", "actor", "target", "label", "probability", "text"]
#: Records predicted (and written) at a time.
RECORD_CHUNK = 4096


def prediction_rows(model, ds, proba=None) -> list[dict]:
    """One output row per record (a list of dicts or a Dataset); ``proba``: the model's
    probabilities if already computed (the server scores several requests in one call)."""
    from . import LABELS

    proba = model.predict_proba(ds) if proba is None else proba
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


def _load_for_prediction(model_dir: Path, args):
    """The model, switched to ONNX Runtime where ``--onnx``/``--int8`` ask for it."""
    from .models import load_for_prediction

    return load_for_prediction(model_dir, args.onnx, args.int8, getattr(args, "int8_recheck", None),
                               flag=lambda name: "--" + name.replace("_", "-"))


def cmd_predict(args) -> int:
    import shutil

    from .errors import DataError

    names: dict[str, str] = {}
    try:
        return _predict(args, names)
    except DataError as exc:  # name standard input as such, not by its spool file
        raise DataError([_stdin_named(p, names) for p in exc.problems]) from None
    finally:
        for spool in names:  # the copies of standard input
            shutil.rmtree(Path(spool).parent, ignore_errors=True)


def _check_writable(*outputs) -> None:
    """A clear error now for an output path that cannot be written (a folder, or under a file)."""
    from .atomic import AtomicFile

    for out in outputs:
        if out not in (None, "-"):
            AtomicFile(out).discard()


def _stdin_named(problem: str, names: dict[str, str]) -> str:
    for spool, name in names.items():
        problem = problem.replace(spool, name)
    return problem


def _predict(args, names: dict[str, str]) -> int:
    from . import data as D
    from .articles import is_article_input
    from .errors import ActorstanceError
    from .models import resolve_model_dir
    from .output import format_from_path

    paths, article_flags = [], []
    for p in args.inputs:
        if p == "-":
            path, is_articles = _stdin_to_file()
            names[str(path)] = "<stdin>"
        else:
            path = Path(p)
            is_articles = is_article_input(path, args.format)
        paths.append(path)
        article_flags.append(is_articles)
    if any(article_flags) and not all(article_flags):
        raise ActorstanceError("give either articles (text, folders, JSONL of id/text) or records "
                               "(JSONL/CSV with actor and target) to one predict call, not both")
    if args.engine == "ray":
        from .ray_engine import predict_ray

        _check_ray_args(args, paths, article_flags, names)
        return predict_ray(args, resolve_model_dir(args.model), paths)
    if args.out_dir or args.address or args.workers:
        raise ActorstanceError("--out-dir, --address and --workers go with --engine ray")
    model_dir = resolve_model_dir(args.model)
    model = _load_for_prediction(model_dir, args)
    if all(article_flags):
        return predict_articles(args, model, paths, names)
    from .articles.writer import RowWriter

    label_map, options = _label_map(args.label_map), _reader_options(args.option)
    records = [r for p in paths for r in D.read_records(p, args.format, label_map, require_label=False, options=options)]
    with RowWriter(args.output_format or format_from_path(args.out), args.out, None, PREDICT_COLUMNS) as writer:
        for start in range(0, len(records), RECORD_CHUNK):  # rows leave memory as they are written (JSONL/CSV)
            writer.write(prediction_rows(model, records[start:start + RECORD_CHUNK]))
    return 0


def _check_ray_args(args, paths, article_flags, names) -> None:
    """The ray engine reads article shards and writes a folder: refuse what it cannot do, up front."""
    from .errors import ActorstanceError

    if names:
        raise ActorstanceError("--engine ray reads shard files and folders, not standard input (-)")
    if not all(article_flags):
        raise ActorstanceError("--engine ray predicts articles (JSONL of id/text, Parquet, folders of .txt); "
                               "predict record files without it")
    if args.out:
        raise ActorstanceError("--engine ray writes into --out-dir, not -o/--out")
    if not args.out_dir:
        raise ActorstanceError("--engine ray writes one file per shard: give --out-dir DIR")
    args.output_format = args.output_format or "jsonl"
    if args.output_format not in ("jsonl", "parquet"):
        raise ActorstanceError(f"--engine ray writes jsonl or parquet, not {args.output_format}")
    _check_writable(args.summary)  # now, not after the whole corpus


def predict_articles(args, model, paths: list[Path], names: dict[str, str]) -> int:
    """The article pipeline: rows streamed chunk by chunk, then the summary; unreadable
    inputs are reported at the end (exit 2) while the rest of the corpus is processed."""
    from .articles import ArticlePipeline, RowWriter, Summary, iter_articles
    from .articles.inputs import count_articles
    from .articles.writer import write_rows
    from .errors import DataError
    from .output import format_from_path

    _check_writable(args.summary)
    pipeline = ArticlePipeline.build(model, ner=args.ner, ner_processes=args.ner_processes, actors=args.actors,
                                     topics=args.target, topics_file=args.targets, chunk_articles=args.chunk,
                                     per_sentence=args.per_sentence, salient=args.salient)
    fmt = args.output_format or format_from_path(args.out)
    summary, problems = Summary(args.evidence), []
    progress = args.progress or sys.stderr.isatty()
    with RowWriter(fmt, args.out) as writer:
        write_rows(pipeline, iter_articles(paths, problems, names), writer, summary, args.all_pairs, progress,
                   count_articles(paths) if progress else None)
        if problems and not pipeline.timings.articles:  # nothing was read: the error alone, no empty tables
            raise DataError(problems)
    show_summary(args, summary, fmt, rows_to_stdout=args.out in (None, "-"))
    if problems:
        print(f"error: {DataError(problems)}", file=sys.stderr)
        return DataError.exit_code
    return 0


def show_summary(args, summary, fmt: str, rows_to_stdout: bool) -> None:
    """``--summary FILE`` as JSON; ``--summary`` (or table output) as tables: on standard output
    unless the rows went there."""
    if args.summary not in (None, "-"):
        summary.write_json(args.summary)
    if fmt == "table" or args.summary == "-":
        to_stdout = fmt == "table" or not rows_to_stdout
        stream = sys.stdout if to_stdout else sys.stderr
        stream.write(("\n" if to_stdout and rows_to_stdout else "") + summary.tables())
        stream.flush()


def cmd_evaluate(args) -> int:
    from . import data as D
    from . import metrics as M
    from .models import load_model, resolve_model_dir
    from .evaluation import evaluate_model, write_jsonl

    _check_writable(args.out, args.predictions)  # before the work, not after the table is printed
    model = load_model(resolve_model_dir(args.model))
    ds = D.load_many([Path(p) for p in args.data], format=args.format, label_map=_label_map(args.label_map),
                     options=_reader_options(args.option))
    metrics, rows = evaluate_model(model, ds, tuple(args.by))
    print(M.format_table(metrics, title=f"{len(ds)} examples from {', '.join(args.data)}"))
    if args.out:
        M.write_json(metrics, args.out)
        print(f"\nmetrics written to {args.out}")
    if args.predictions:
        write_jsonl(rows, Path(args.predictions))
    return 0


def cmd_evaluate_articles(args) -> int:
    """The article pipeline end to end on articles with gold triples (SEESAW or *.gold.jsonl)."""
    from .articles.evaluate import evaluate_articles, format_report
    from .articles.gold import read_bundled, read_seesaw
    from .articles.pipeline import ArticlePipeline
    from .errors import DataError
    from .models import resolve_model_dir
    from .output import write_text

    _check_writable(args.out)
    gold_dir = Path(args.gold)
    if (gold_dir / "meta").is_dir() and (gold_dir / "annotations").is_dir():
        articles, what = list(read_seesaw(gold_dir, args.split, args.part)), f"SEESAW {args.split} ({args.part})"
    elif gold_dir.is_dir() and any(gold_dir.glob("*.gold.jsonl")):
        articles, what = list(read_bundled(gold_dir)), str(gold_dir)
    else:
        raise DataError([f"{gold_dir}: neither a SEESAW folder (meta/, articles/, annotations/) nor a folder of "
                         "NAME.txt with NAME.gold.jsonl"])
    if not articles:
        raise DataError([f"{gold_dir}: no articles in {what}"])
    model_dir = resolve_model_dir(args.model)
    model = _load_for_prediction(model_dir, args)
    pipeline = ArticlePipeline.build(model, ner=args.ner, ner_processes=args.ner_processes, actors=args.actors,
                                     chunk_articles=args.chunk, per_sentence=args.per_sentence, salient=args.salient)
    from contextlib import nullcontext

    from .articles.writer import RowWriter

    with RowWriter("jsonl", args.rows) if args.rows else nullcontext() as writer:
        report = evaluate_articles(articles, pipeline, writer.write if writer else None)
    report.update({"gold": what, "model": str(model_dir), "ner": pipeline.detector.name, "int8": bool(args.int8),
                   "actors": args.actors, "per_sentence": args.per_sentence, "salient": pipeline.salient,
                   "ner_processes": args.ner_processes,
                   "int8_recheck": getattr(pipeline.model, "int8_recheck", None) if args.int8 else None})
    print(format_report(report, f"{what}, model {model_dir.name}"))
    if args.out:
        import json

        write_text(json.dumps(report, indent=1) + "\n", args.out)
        print(f"report written to {args.out}")
    return 0


def cmd_data_fetch(args) -> int:
    from .fetch import fetch

    counts = fetch(args.names, args.to, args.base_url, workers=args.workers)
    print("fetched and checked: " + ", ".join(f"{n} ({k} files)" for n, k in counts.items())
          + f"; train with e.g. ACTORSTANCE_SHARED_DATA={args.to} python train.py experiment=articles")
    return 0


def cmd_serve(args) -> int:
    """The model behind an HTTP API and a web page (``actorstance.serve``), loaded once here."""
    import ipaddress

    from .errors import ActorstanceError
    from .models import resolve_model_dir

    try:
        import uvicorn

        from .serve import Limits, create_app
    except ImportError as exc:
        raise ActorstanceError(f"serve needs FastAPI and uvicorn ({exc.name} is missing): "
                               "pip install 'actorstance[serve]'") from None
    model_dir = resolve_model_dir(args.model)
    model = _load_for_prediction(model_dir, args)
    limits = Limits(max_body_kb=args.max_body_kb, max_sentences=args.max_sentences, timeout_s=args.timeout_s)
    app = create_app(model, model_dir, limits, ner=args.ner, actors=args.actors)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(f"notice: serving on {args.host}: anyone who can reach port {args.port} can use the model "
              "(there is no authentication)", file=sys.stderr)
    print(f"serving {model.family} model {model_dir} on http://{args.host}:{args.port}/ (API docs: /docs)",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _seconds(value: str) -> float:
    """argparse type: a number of seconds > 0."""
    try:
        x = float(value)
    except ValueError:
        x = 0.0
    if not x > 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {value!r}")
    return x


def cmd_compare(args) -> int:
    from .compare import main as compare_main

    return compare_main(args)


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
    p.add_argument("--model", help=MODEL_HELP)
    data_options(p)
    p.add_argument("-f", "--output-format", choices=["table", "jsonl", "csv", "parquet"],
                   help="default: from --out's extension, else table (parquet: article rows to a file, with pyarrow)")
    p.add_argument("-o", "--out", help="write here instead of standard output (written atomically)")
    p.add_argument("--int8", action="store_true",
                   help="transformer models: predict with the int8 ONNX copy (1.5-1.9x fp32's speed; close calls "
                        "are rechecked in fp32); built on the fly if the model was saved without it")
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
    art.add_argument("--per-sentence", type=_count, default=PER_SENTENCE, metavar="N",
                     help=f"at most N stances per sentence, the most probable (0: no limit; default {PER_SENTENCE})")
    art.add_argument("--salient", type=_count, metavar="N",
                     help="the article's N most mentioned names are candidate targets of every sentence with an "
                          f"actor, named there or not (0: off; default {SALIENT} for scorers trained on article "
                          "candidates, else 0)")
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
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="score a model on labeled data",
                       description="Macro-F1, accuracy, F_avg, per-class scores and the confusion matrix.")
    p.add_argument("data", nargs="+", metavar="DATA", help="labeled file(s)")
    p.add_argument("--model", help=MODEL_HELP)
    data_options(p)
    p.add_argument("--by", action="append", default=["hard_case"], metavar="FIELD",
                   help="also score each value of this field separately (default: hard_case, when present)")
    p.add_argument("--out", help="write metrics as JSON here")
    p.add_argument("--predictions", help="write per-example predictions (JSONL) here")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("evaluate-articles", help="score the article pipeline end to end against gold triples",
                       description="Run the article pipeline on raw articles with gold (actor, stance, target) "
                                   "triples -- a SEESAW folder, or a folder of NAME.txt with NAME.gold.jsonl -- and "
                                   "report precision, recall and F1 of supportive/critical triples per sentence "
                                   "(lenient name matching), each stage's recall, and the summary's agreement.")
    p.add_argument("gold", metavar="GOLD", help="SEESAW folder, or a folder of NAME.txt + NAME.gold.jsonl")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--split", default="valid", choices=["train", "valid", "test"], help="SEESAW split (default valid)")
    p.add_argument("--part", default="all", choices=["all", "fit", "select"],
                   help="SEESAW train stories: all, or the part models learn from (fit) / settings are picked on (select)")
    p.add_argument("--ner", choices=["auto", "spacy", "rules"], default="auto", help="mention detector")
    p.add_argument("--actors", metavar="FILE", help="actor file (canonical names with aliases), as for predict")
    p.add_argument("--int8", action="store_true", help="transformer models: predict with the int8 ONNX copy")
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
    p.add_argument("--out", help="write the report as JSON here")
    p.add_argument("--rows", metavar="FILE", help="write every candidate row (JSONL), the neutral ones too")
    p.set_defaults(func=cmd_evaluate_articles)

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
    f.set_defaults(func=cmd_data_fetch)

    p = sub.add_parser("serve", help="serve a model over HTTP: a JSON API for records and articles, and a web page",
                       description="Load a model once and serve POST /v1/records, POST /v1/articles, GET /healthz, "
                                   "the API docs at /docs and a web page at / (pip install 'actorstance[serve]'). "
                                   "Requests carry data only; the model and limits are set here.")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_count, default=8000, help="port (default 8000)")
    p.add_argument("--int8", action="store_true", help="transformer models: predict with the int8 ONNX copy")
    p.add_argument("--onnx", action="store_true", help="transformer models: predict in fp32 with ONNX Runtime")
    p.add_argument("--max-body-kb", type=_positive, default=1024, metavar="N",
                   help="largest request body in KiB; larger ones get 413 (default 1024)")
    p.add_argument("--max-sentences", type=_positive, default=2000, metavar="N",
                   help="most records, or article sentences, per request; more get 422 (default 2000)")
    p.add_argument("--timeout-s", type=_seconds, default=30.0, metavar="S",
                   help="seconds a request may take, waiting for the model included; then 504 (default 30)")
    p.add_argument("--ner", choices=["auto", "spacy", "rules"], default="auto", help="actor detector for articles")
    p.add_argument("--actors", metavar="FILE", help="actor file (canonical names with aliases), as for predict")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default info: one line per request)")
    p.set_defaults(func=cmd_serve)

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
        print("interrupted", file=sys.stderr)
        import multiprocessing

        if multiprocessing.active_children() or getattr(args, "ner_processes", 1) > 1:
            for worker in multiprocessing.active_children():
                worker.terminate()
            sys.stdout.flush()  # spaCy's queues to its stopped workers would block a normal exit
            sys.stderr.flush()
            os._exit(130)
        return 130


if __name__ == "__main__":
    sys.exit(main())
