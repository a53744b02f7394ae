"""Latency of ``POST /v1/articles`` for one article at a time (one client, sequential requests),
against the same pipeline called in this process (what ``actorstance predict`` runs), same model.

    .venv/bin/python benchmarks/serve_article_latency.py --model RUN/model --int8 --name minilm-between

Writes benchmarks/results/serve/article-latency-NAME.json: p50/p95/max over --requests requests
(after one warm-up request each way), the article's sentence count, and the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmark import machine  # noqa: E402
from serve_load import free_port, percentile, start_server, train_tfidf  # noqa: E402


def stats(latencies: list[float]) -> dict:
    return {"n": len(latencies), "p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1), "max_ms": round(1000 * max(latencies), 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="model directory (default: tfidf trained here on data/stance/train.jsonl)")
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--article", default=str(ROOT / "data/articles/05-climate-summit.txt"))
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--name", required=True)
    args = ap.parse_args(argv)

    from actorstance.articles import ArticlePipeline, Article
    from actorstance.articles.segmentation import count_sentences
    from actorstance.models import load_for_prediction

    text = Path(args.article).read_text(encoding="utf-8")
    body = json.dumps({"text": text}).encode()
    tmp = Path(tempfile.mkdtemp(prefix="actorstance-serve-latency-"))
    load_before = os.getloadavg()
    try:
        model_dir = Path(args.model) if args.model else train_tfidf(tmp)
        port = free_port()
        server = start_server(model_dir, port, tmp / "server.log", ("--int8",) if args.int8 else ())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            served, statuses = [], []
            for i in range(args.requests + 1):
                t0 = time.perf_counter()
                conn.request("POST", "/v1/articles", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if i:  # the first request warms up
                    served.append(time.perf_counter() - t0)
                    statuses.append(resp.status)
        finally:
            server.terminate()
            server.wait(timeout=30)
        model = load_for_prediction(model_dir, int8=args.int8)
        pipeline = ArticlePipeline.build(model)
        direct = []
        for i in range(args.requests + 1):
            t0 = time.perf_counter()
            for _ in pipeline.run([Article("a", text, args.article)]):
                pass
            if i:
                direct.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "command": ".venv/bin/python benchmarks/serve_article_latency.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(), "model": {"family": model.family, "path": str(args.model or "tfidf (trained here)"),
                                        "int8": args.int8},
        "article": os.path.relpath(args.article, ROOT), "sentences": count_sentences(text),
        "served": {**stats(served), "status_not_200": sum(s != 200 for s in statuses)},
        "direct": stats(direct), "served_p50_over_direct_p50": round(percentile(served, 0.5) / percentile(direct, 0.5), 3),
        "load_average_before_after": [round(x, 2) for x in load_before + os.getloadavg()],
    }
    out = ROOT / "benchmarks" / "results" / "serve" / f"article-latency-{args.name}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("sentences", "served", "direct", "served_p50_over_direct_p50")}, indent=1))
    print(f"written to {out}")
    return 1 if result["served"]["status_not_200"] else 0


if __name__ == "__main__":
    sys.exit(main())
