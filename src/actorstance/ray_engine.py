"""``actorstance predict --engine ray``: the article pipeline over shards, in Ray actors.

Each actor loads the model, or the models of an ensemble (``--model A --model B``; shipped once
through Ray's object store, so workers need no copy of ``models/``), and the mention detector
(spaCy) once, then predicts whole shards with :func:`~actorstance.articles.shards.run_shard`,
writing each shard's files under ``--out-dir`` itself; the driver only schedules, keeps the
progress bar, and at the end writes the manifest and merges the shards' summaries. Shards
already done (see :mod:`.articles.shards`) are skipped, so a killed run resumes where it
stopped. Ray is imported only here, and only when the
engine is asked for (pip install 'actorstance[distributed]').
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections import deque
from pathlib import Path

from . import __version__
from .errors import ActorstanceError, DataError

MANIFEST = "manifest.json"


def _ray():
    try:
        import ray
    except ImportError:
        raise ActorstanceError("--engine ray needs Ray: pip install 'actorstance[distributed]'") from None
    return ray


class ShardWorker:
    """A Ray actor: the model (several as one, as ``predict --model A --model B``) and detector, loaded once, then one
    shard per call."""

    def __init__(self, models: list[tuple[str, dict[str, bytes]]], options: dict):
        from .articles import ArticlePipeline
        from .models import load_for_prediction, one_scorer

        from .atomic import temp_dir

        self.error, self.tmp = None, str(temp_dir(None, "actorstance-model", "actorstance-*.tmp-*"))
        try:
            model_dirs, loaded = [], []
            for k, (model_name, model_files) in enumerate(models):
                model_dir = Path(self.tmp) / str(k) / model_name
                for rel, data in model_files.items():
                    (model_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                    (model_dir / rel).write_bytes(data)
                model_dirs.append(model_dir)
                loaded.append(load_for_prediction(model_dir, options["onnx"], options["int8"], options["int8_recheck"],
                                                  flag=lambda name: "--" + name.replace("_", "-"), fp32=options["fp32"]))
            from .articles.focus import FocusSelector

            focus = FocusSelector.load(model_dirs[0]) if options["focus"] else None  # the first model's, as predict's
            self.pipeline = ArticlePipeline.build(one_scorer(loaded), **options["pipeline"], focus=focus)
        except ActorstanceError as exc:  # reported by the driver in one line
            self.error = str(exc)

    def ready(self) -> str | None:
        return self.error

    def run(self, shard, out_dir: str, fmt: str, all_pairs: bool, evidence: int, settings: dict) -> dict:
        from .articles.shards import run_shard

        try:
            return run_shard(self.pipeline, shard, out_dir, fmt, all_pairs=all_pairs, evidence=evidence,
                             settings=settings)
        except ActorstanceError as exc:  # e.g. the output cannot be written: this shard fails, not the run
            return {"error": str(exc)}

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _model_files(model_dir: Path) -> dict[str, bytes]:
    from .models.base import read_meta

    read_meta(model_dir)  # a missing or broken model: its usual error, before Ray starts
    return {str(f.relative_to(model_dir)): f.read_bytes() for f in sorted(model_dir.rglob("*")) if f.is_file()}


def settings_of(args, models: list[tuple[str, dict[str, bytes]]]) -> dict:
    """What decides the rows: a rerun resumes only under the same settings (the models by content, in order)."""
    import hashlib

    h = hashlib.sha256()
    for k, (_, model_files) in enumerate(models):
        if k:  # one model hashes as before ensembles were taken
            h.update(b"\1next model\0")
        for rel, data in model_files.items():
            h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())

    def file_digest(path):
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path and Path(path).is_file() else path

    return {"actorstance": __version__, "model": h.hexdigest(), "int8": bool(args.int8), "fp32": bool(args.fp32),
            "onnx": bool(args.onnx), "int8_recheck": args.int8_recheck, "ner": args.ner, "actors": file_digest(args.actors),
            "target": args.target, "targets": file_digest(args.targets), "per_sentence": args.per_sentence,
            "salient": args.salient, "min_probability": args.min_probability, "all_pairs": bool(args.all_pairs),
            "format": args.output_format}


def predict_ray(args, model_dirs: list[Path], inputs: list[Path]) -> int:
    """Shards in, one rows file per shard out; the manifest and the summary at the end. Exit 2
    if any article or shard could not be read or predicted (the others are still written)."""
    from .articles.inputs import count_articles
    from .articles.shards import completed, list_shards
    from .atomic import atomic_open

    out_dir, fmt = Path(args.out_dir), args.output_format
    if out_dir.exists() and not out_dir.is_dir():
        raise ActorstanceError(f"--out-dir {out_dir}: is a file, not a folder")
    if fmt == "parquet":
        from .articles.writer import row_schema

        row_schema()  # pyarrow is there
    shards = list_shards(inputs)
    models = [(d.name, _model_files(d)) for d in model_dirs]
    settings = settings_of(args, models)
    records: dict[str, dict] = {}
    for shard in shards:
        record = completed(shard, out_dir, fmt, settings)
        if record is not None:
            records[shard.name] = record
    todo = [s for s in shards if s.name not in records]
    resumed = len(records)
    failures: list[str] = []
    bar = None
    if args.progress or sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=count_articles([s.path for s in shards]), unit="article", file=sys.stderr, desc="predict",
                   initial=sum(r["articles"] for r in records.values()))
    if todo:
        _ray()  # missing: say so before anything is written
        out_dir.mkdir(parents=True, exist_ok=True)
        _run_on_ray(args, models, todo, out_dir, settings, records, failures, bar)
    if bar is not None:
        bar.close()

    done = [records[s.name] | {"name": s.name} for s in shards if s.name in records]
    problems = [p for r in done for p in r["problems"]] + failures
    manifest = {"settings": settings, "complete": not failures and len(done) == len(shards),
                "articles": sum(r["articles"] for r in done), "rows": sum(r["rows"] for r in done),
                "not_english": [a for r in done for a in r.get("not_english", [])],
                "shards": [{k: v for k, v in r.items() if k not in ("ids", "settings")} for r in done],
                "failed": failures}
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_dir / MANIFEST) as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    _warn_duplicate_ids(done)
    print(f"{len(done)} of {len(shards)} shards done ({len(done) - resumed} now, {resumed} by an earlier run), "
          f"{manifest['articles']:,} articles, {manifest['rows']:,} rows in {out_dir}/ ({MANIFEST})", file=sys.stderr)
    from .cli import notice_not_english

    notice_not_english(manifest["not_english"], manifest["articles"])
    if args.summary is not None and done:
        from .articles import Summary
        from .cli import show_summary

        summary = Summary(args.evidence)
        for shard in shards:
            if shard.name in records:
                summary.merge_part(shard.outputs(out_dir, fmt)[1])
        summary.articles_read, summary.not_english = manifest["articles"], manifest["not_english"]
        show_summary(args, summary, fmt, rows_to_stdout=False)
    if problems:
        print(f"error: {DataError(problems)}", file=sys.stderr)
        return DataError.exit_code
    return 0


def _run_on_ray(args, models, todo, out_dir, settings, records, failures, bar) -> None:
    """Start (or join) Ray, keep every actor busy with one shard at a time until none is left."""
    import logging

    ray = _ray()
    own = not ray.is_initialized()
    if own and args.address:
        ray.init(address=args.address, logging_level=logging.WARNING, log_to_driver=False)
    elif own:
        ray.init(num_cpus=args.workers or min(os.cpu_count() or 1, len(todo)), include_dashboard=False,
                 logging_level=logging.WARNING, log_to_driver=False)
    try:
        n_workers = args.workers or int(ray.available_resources().get("CPU", 1)) or 1
        options = {"onnx": args.onnx, "int8": args.int8, "int8_recheck": args.int8_recheck, "fp32": args.fp32,
                   "focus": args.focus,
                   "pipeline": {"ner": args.ner, "ner_processes": args.ner_processes, "actors": args.actors,
                                "topics": args.target, "topics_file": args.targets, "chunk_articles": args.chunk,
                                "per_sentence": args.per_sentence, "salient": args.salient,
                                "min_probability": args.min_probability, "listed_only": args.listed_only}}
        model_ref = ray.put(models)
        Worker = ray.remote(num_cpus=1)(ShardWorker)

        def start():
            return Worker.remote(model_ref, options)

        actors = [start() for _ in range(min(n_workers, len(todo)))]
        try:
            for error in ray.get([a.ready.remote() for a in actors]):
                if error:
                    raise ActorstanceError(error)
            queue, pending = deque(todo), {}

            def submit(actor):
                if queue:
                    shard = queue.popleft()
                    pending[actor.run.remote(shard, str(out_dir), args.output_format, args.all_pairs, args.evidence,
                                             settings)] = (actor, shard)

            for actor in actors:
                submit(actor)
            while pending:
                [ref], _ = ray.wait(list(pending), num_returns=1)
                actor, shard = pending.pop(ref)
                try:
                    record = ray.get(ref)
                except ray.exceptions.RayActorError as exc:  # the worker died (killed, out of memory): a new one
                    failures.append(f"{shard.path}: its worker died ({_first_line(exc)})")
                    actors.remove(actor)
                    actor = start()
                    actors.append(actor)
                except ray.exceptions.RayError as exc:
                    cause = getattr(exc, "cause", None)
                    failures.append(f"{shard.path}: failed: {type(cause).__name__}: {cause}" if cause is not None
                                    else f"{shard.path}: failed: {_first_line(exc)}")
                else:
                    if "error" in record:
                        failures.append(f"{shard.path}: {record['error']}")
                    else:
                        records[shard.name] = record
                        if bar is not None:
                            bar.update(record["articles"])
                submit(actor)
        finally:
            for actor in actors:
                with contextlib.suppress(Exception):  # a dead actor has nothing left to remove
                    ray.get(actor.close.remote(), timeout=30)
    finally:
        if own:
            ray.shutdown()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _warn_duplicate_ids(done: list[dict]) -> None:
    """Articles are never predicted twice by the engine; an id that two inputs share is the data's."""
    first: dict[str, str] = {}
    clashes: list[str] = []
    for record in done:
        for aid in record["ids"]:
            if aid in first and len(clashes) < 5:
                clashes.append(f"{aid} ({first[aid]}, {record['source']})")
            first.setdefault(aid, record["source"])
    if clashes:
        print(f"warning: article ids found in more than one place: {'; '.join(clashes)}", file=sys.stderr)
