"""``actorstance predict`` plain against ``--engine ray`` with 1 and 2 actors, end to end.

The 6 bundled articles (data/articles/*.txt) repeated to N articles with distinct ids, split into
S JSONL shards; each run is the whole command in a fresh process (model and detector loading,
and for Ray its start and stop, included), since that is what a user waits for. The fixed
overhead of the engine is measured apart: both commands on a single one-article shard. The ray
runs' rows are checked to equal the plain run's. Without --model, a tfidf model is trained in a
temporary folder from data/stance/train.jsonl.

    .venv/bin/python benchmarks/ray_predict.py [--n 2000] [--shards 8] [--ner rules] [--model DIR]

Writes benchmarks/results/ray/predict-N.json (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}


def make_shards(folder: Path, n: int, shards: int) -> list[Path]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "articles").glob("*.txt"))]
    folder.mkdir(parents=True)
    paths = [folder / f"part-{k:03d}.jsonl" for k in range(shards)]
    handles = [open(p, "w", encoding="utf-8") for p in paths]
    for i in range(n):
        handles[i * shards // n].write(json.dumps({"id": f"a{i:06d}", "text": texts[i % len(texts)]}) + "\n")
    for h in handles:
        h.close()
    return paths


def train_tfidf(folder: Path) -> Path:
    from actorstance.data import load_many
    from actorstance.models.tfidf import TfidfStanceModel

    path = folder / "tfidf"
    TfidfStanceModel(seed=0).fit(load_many([ROOT / "data" / "stance" / "train.jsonl"])).save(path)
    return path


def timed(args: list) -> float:
    t0 = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "actorstance", *map(str, args)], env=ENV, capture_output=True,
                            text=True)
    seconds = time.perf_counter() - t0
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, args))}\n{result.stderr}")
    return round(seconds, 2)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="articles")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--ner", default="rules", choices=["rules", "spacy", "auto"])
    ap.add_argument("--model", help="model directory (default: a tfidf model trained here)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ray"))
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    model = Path(args.model) if args.model else train_tfidf(tmp)
    paths = make_shards(tmp / "shards", args.n, args.shards)
    one = make_shards(tmp / "one", 1, 1)
    common = ["--model", model, "--ner", args.ner]
    load0 = os.getloadavg()[0]

    overhead = {"plain_s": timed(["predict", *one, *common, "-f", "jsonl", "-o", tmp / "one.jsonl"]),
                "ray_1_actor_s": timed(["predict", *one, *common, "--engine", "ray", "--workers", 1,
                                        "--out-dir", tmp / "one-ray"])}
    overhead["ray_minus_plain_s"] = round(overhead["ray_1_actor_s"] - overhead["plain_s"], 2)
    runs = {"plain": timed(["predict", *paths, *common, "-f", "jsonl", "-o", tmp / "plain.jsonl"])}
    plain_rows = (tmp / "plain.jsonl").read_text(encoding="utf-8")
    for workers in (1, 2):
        out = tmp / f"ray-{workers}"
        runs[f"ray_{workers}_actors"] = timed(["predict", tmp / "shards", *common, "--engine", "ray", "--workers",
                                               workers, "--out-dir", out])
        rows = "".join((out / f"{p.stem}.rows.jsonl").read_text(encoding="utf-8") for p in paths)
        assert rows == plain_rows, f"ray with {workers} actors: rows differ from the plain run's"
    res = {
        "command": shlex.join(["python", "benchmarks/ray_predict.py", *(argv or sys.argv[1:])]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_avg_1min": [round(load0, 1), round(os.getloadavg()[0], 1)],
        "articles": args.n, "shards": args.shards, "ner": args.ner, "model": "tfidf (trained here)" if not args.model
        else str(model), "rows": plain_rows.count("\n"), "rows_identical": True,
        "wall_s": runs, "articles_per_s": {k: round(args.n / v, 1) for k, v in runs.items()},
        "speedup_vs_plain": {k: round(runs["plain"] / v, 2) for k, v in runs.items() if k != "plain"},
        "overhead_one_article": overhead,
    }
    shutil.rmtree(tmp, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"predict-{args.n}.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
