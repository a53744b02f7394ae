"""The ``actorstance`` command: predict, evaluate, compare, serve (the options: :mod:`.cli_parser`).

Only argparse is imported at start-up, so ``--help`` is instant; each command imports what
it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .cli_parser import build_parser


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
    from .atomic import temp_dir

    path = temp_dir(None, "actorstance-stdin", "actorstance-*.tmp-*") / f"stdin{suffix}"  # ids read "stdin-LINE"
    path.write_bytes(raw)
    return path, articles


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


def _model_dirs(args) -> list[Path]:
    """The ``--model`` directories (``models/LATEST`` without one)."""
    from .models import resolve_model_dir

    return [resolve_model_dir(m) for m in (args.model or [None])]


def _load_scorer(args) -> tuple[list[Path], Any]:
    """The ``--model`` directories and their models as one scorer: the model itself, or several as the mean of their
    probabilities (``models.one_scorer``). One rule for predict, evaluate-articles and serve (``--engine ray`` loads
    the same in each worker)."""
    from .models import one_scorer

    model_dirs = _model_dirs(args)
    return model_dirs, one_scorer([_load_for_prediction(d, args) for d in model_dirs])


def _load_for_prediction(model_dir: Path, args):
    """The model, switched to ONNX Runtime where ``--onnx``/``--int8`` ask for it (kept off its int8 copy
    with ``--fp32``)."""
    from .models import load_for_prediction

    return load_for_prediction(model_dir, args.onnx, args.int8, getattr(args, "int8_recheck", None),
                               flag=lambda name: "--" + name.replace("_", "-"), fp32=getattr(args, "fp32", False))


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
    from .articles.inputs import has_own_lists
    from .errors import ActorstanceError
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
    _check_focus(args)
    if args.listed_only and not args.actors and not all(has_own_lists(p) for p in paths):
        raise ActorstanceError("--listed-only keeps the pairs between the names you list: give them with --actors FILE "
                               "(topics may come from it, --target or --targets), or per article: as \"actors\" in "
                               "JSONL or Parquet input, or in NAME.actors.json beside each NAME.txt (a list of names)")
    if args.engine == "ray":
        from .ray_engine import predict_ray

        _check_ray_args(args, paths, article_flags, names)
        return predict_ray(args, _model_dirs(args), paths)
    if args.out_dir or args.address or args.workers:
        raise ActorstanceError("--out-dir, --address and --workers go with --engine ray")
    model_dirs, model = _load_scorer(args)
    if all(article_flags):
        return predict_articles(args, model, paths, names, _focus(model_dirs[0], args))
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


def _focus(model_dir: Path, args):
    """The model's name selector where ``--focus`` asks for it (a clear error where it has none)."""
    from .articles.focus import FocusSelector

    _check_focus(args)
    return FocusSelector.load(model_dir) if args.focus else None


def _check_focus(args) -> None:
    from .errors import ActorstanceError

    if args.focus and args.listed_only:
        raise ActorstanceError("--focus predicts the names to keep pairs to, --listed-only takes them from you: give one")


def predict_articles(args, model, paths: list[Path], names: dict[str, str], focus=None) -> int:
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
                                     per_sentence=args.per_sentence, salient=args.salient,
                                     min_probability=args.min_probability, listed_only=args.listed_only, focus=focus)
    notice_listed_model(model, args.listed_only or args.focus)
    fmt = args.output_format or format_from_path(args.out)
    summary = Summary(args.evidence)
    problems: list[str] = []
    progress = args.progress or sys.stderr.isatty()
    with RowWriter(fmt, args.out) as writer:
        write_rows(pipeline, iter_articles(paths, problems, names), writer, summary, args.all_pairs, progress,
                   count_articles(paths) if progress else None)
        if problems and not pipeline.timings.articles:  # nothing was read: the error alone, no empty tables
            raise DataError(problems)
    summary.articles_read = pipeline.timings.articles
    notice_not_english(summary.not_english, summary.articles_read)
    if pipeline.timings.unlisted:
        print(f"notice: --listed-only: {pipeline.timings.unlisted} article(s) gave no \"actors\" and no --actors file "
              "was given, so none of their pairs was kept", file=sys.stderr)
    show_summary(args, summary, fmt, rows_to_stdout=args.out in (None, "-"))
    if problems:
        print(f"error: {DataError(problems)}", file=sys.stderr)
        return DataError.exit_code
    return 0


def notice_listed_model(model, listed_only: bool) -> None:
    """Say on stderr when a scorer trained on listed pairs only reads every candidate (no ``--listed-only``)."""
    from .articles.pairs import trained_on_listed_pairs

    if not listed_only and trained_on_listed_pairs(model):
        print("notice: this model learned from the pairs between an article's main names only "
              "(experiment=articles_listed or articles_focus): "
              "give the names with --actors FILE --listed-only, or let it pick each article's main names with --focus, or "
              "its other pairs will read as stances too often",
              file=sys.stderr)


def notice_not_english(ids: list[str], n_read: int) -> None:
    """Name on stderr the articles that do not read as English (their rows are not to be trusted)."""
    if ids:
        n = len(ids)
        print(f"notice: {n} of {n_read} article{'s' if n_read != 1 else ''} do{'es' if n == 1 else ''} not read as "
              f"English ({', '.join(ids[:5])}{', ...' if n > 5 else ''}): the recogniser, the parser and the models "
              "read English only, so their rows are unreliable", file=sys.stderr)


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
    from .errors import ActorstanceError, DataError
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
    model_dirs, model = _load_scorer(args)
    members = getattr(model, "models", [model])  # an ensemble's members, or the model itself
    pipeline = ArticlePipeline.build(model, ner=args.ner, ner_processes=args.ner_processes, actors=args.actors,
                                     chunk_articles=args.chunk, per_sentence=args.per_sentence, salient=args.salient,
                                     min_probability=args.min_probability, listed_only=args.listed_only,
                                     focus=_focus(model_dirs[0], args))
    notice_listed_model(model, args.listed_only or args.focus)
    if args.listed_only and not pipeline.listed_names and not all(g.entities for g in articles):
        raise ActorstanceError(f"--listed-only: {gold_dir} has no entity lists (SEESAW's); give the names with --actors FILE")
    from contextlib import nullcontext

    from .articles.writer import RowWriter

    with RowWriter("jsonl", args.rows) if args.rows else nullcontext() as writer:
        report = evaluate_articles(articles, pipeline, writer.write if writer else None)
    # int8 where asked, or where a model was saved with its int8 copy and --fp32 did not turn it off
    int8 = any(getattr(m, "int8", False) and "int8" in getattr(m, "onnx_sessions_", {}) for m in members)
    report.update({"gold": what, "model": " + ".join(map(str, model_dirs)), "ner": pipeline.detector.name, "int8": int8,
                   "actors": args.actors, "per_sentence": args.per_sentence, "salient": pipeline.salient,
                   "min_probability": args.min_probability, "listed_only": args.listed_only, "focus": args.focus,
                   "salient_holders": pipeline.salient_holders,
                   "ner_processes": args.ner_processes,
                   "int8_recheck": getattr(members[0], "int8_recheck", None) if int8 else None})
    print(format_report(report, f"{what}, model {' + '.join(d.name for d in model_dirs)}"))
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

    try:
        import uvicorn

        from .serve import Limits, create_app
    except ImportError as exc:
        raise ActorstanceError(f"serve needs FastAPI, uvicorn and fastapi-offline ({exc.name} is missing): "
                               "pip install 'actorstance[serve]'") from None
    model_dirs, model = _load_scorer(args)
    model_dir = model_dirs[0] if len(model_dirs) == 1 else " + ".join(map(str, model_dirs))
    limits = Limits(max_body_kb=args.max_body_kb, max_sentences=args.max_sentences, timeout_s=args.timeout_s)
    app = create_app(model, model_dir, limits, ner=args.ner, actors=args.actors, listed_only=args.listed_only,
                     focus=_focus(model_dirs[0], args))
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


def cmd_compare(args) -> int:
    from .compare import main as compare_main

    return compare_main(args)


COMMANDS = {"predict": cmd_predict, "evaluate": cmd_evaluate, "evaluate-articles": cmd_evaluate_articles,
            "data fetch": cmd_data_fetch, "serve": cmd_serve, "compare": cmd_compare}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = COMMANDS.get(getattr(args, "run", None) or "")
    if run is None:
        parser.print_help()
        return 0
    from .errors import ActorstanceError

    try:
        return int(run(args) or 0)
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
