"""Load test of ``actorstance serve``: N concurrent clients for a bounded time, against the same
model called directly (the command line's path) in the same run.

Starts ``actorstance serve`` on loopback in a child process (a tfidf model trained here in a
temporary folder from data/stance/train.jsonl, or --model), runs --clients threads that each
POST /v1/records (--records per request, sentences from data/stance/dev+test) on a kept-alive
connection for --seconds, and reports requests/s, records/s, p50/p95/max latency and the count of
5xx answers. Then it times ``prediction_rows`` (what ``actorstance predict`` runs) on the same
records in requests of the same size and in one call, for the same model, in this process.
The clients share the machine's cores with the server: on 2 cores the comparison is the
server's overhead and batching, not a pure server throughput.

    .venv/bin/python benchmarks/serve_load.py --seconds 15 --clients 8 --records 16

With --articles the clients POST /v1/articles instead, one bundled article (data/articles/*.txt)
a request, and the direct path is ``analyze_rows`` (what ``actorstance.analyze`` and the server
run) on one article a call and on all six in one call; throughput is in sentences/s.

Writes benchmarks/results/serve/records-<family>-c<clients>-r<records>.json, or
articles-<family>-c<clients>.json (or --out).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmark import machine  # noqa: E402  (the same machine description in every results file)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_tfidf(out: Path) -> Path:
    """The default tfidf model on the bundled training data (seconds)."""
    from actorstance.data import load_many
    from actorstance.models.tfidf import TfidfStanceModel

    return TfidfStanceModel(seed=0).fit(load_many([ROOT / "data/stance/train.jsonl"])).save(out / "model")


def start_server(model_dir: Path, port: int, log: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "actorstance", "serve", "--model", str(model_dir), "--port", str(port),
           "--log-level", "warning", "--max-sentences", "10000", *extra]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not answer /healthz within 120 s")


def client(port: int, path: str, bodies: list[bytes], until: float, out: list, k: int) -> None:
    """POST bodies in turn on one kept-alive connection until ``until``: (latency, status, body
    index) each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = k
    while time.monotonic() < until:
        b = i % len(bodies)
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, bodies[b], {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except OSError:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = 599  # a broken connection counts as a server error
        out.append((time.perf_counter() - t0, status, b))
    conn.close()


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (Linux /proc), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def direct(model, records: list[dict], size: int, seconds: float) -> dict:
    """Records/s of validation + ``prediction_rows`` (the CLI's path, without file reading) in
    calls of ``size`` records."""
    from actorstance.cli import prediction_rows
    from actorstance.data import RawRow, validate_rows

    n = calls = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        start = (calls * size) % len(records)
        chunk = (records + records)[start:start + size]
        prediction_rows(model, validate_rows([RawRow(i, r) for i, r in enumerate(chunk)], Path("records"),
                                             require_label=False))
        n, calls = n + len(chunk), calls + 1
    took = time.perf_counter() - t0
    return {"records_per_call": size, "calls": calls, "records": n, "seconds": round(took, 2),
            "records_per_second": round(n / took, 1)}


def direct_articles(model, texts: list[str], per_call: int, seconds: float) -> dict:
    """Sentences/s of ``analyze_rows`` (the server's and ``actorstance.analyze``'s loop) on
    ``per_call`` articles a call, the same pipeline settings as the server's defaults."""
    from actorstance.api import analyze_rows, as_articles
    from actorstance.articles import ArticlePipeline
    from actorstance.articles.segmentation import count_sentences

    pipeline = ArticlePipeline.build(model)
    analyze_rows(pipeline, as_articles(texts[:1]))  # spaCy's first call loads its model
    n = calls = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        start = (calls * per_call) % len(texts)
        chunk = (texts + texts)[start:start + per_call]
        analyze_rows(pipeline, as_articles(chunk))
        n, calls = n + sum(count_sentences(t) for t in chunk), calls + 1
    took = time.perf_counter() - t0
    return {"articles_per_call": per_call, "calls": calls, "sentences": n, "seconds": round(took, 2),
            "sentences_per_second": round(n / took, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="model directory (default: tfidf trained here on data/stance/train.jsonl)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--records", type=int, default=16, help="records per request")
    ap.add_argument("--articles", action="store_true", help="POST /v1/articles, one bundled article a request")
    ap.add_argument("--out", help="results file (default benchmarks/results/serve/records-FAMILY-cN-rN.json)")
    args = ap.parse_args(argv)

    from actorstance.articles.segmentation import count_sentences
    from actorstance.data import load_many
    from actorstance.models import load_for_prediction

    records = [{k: ex[k] for k in ("text", "actor", "target")}
               for ex in load_many([ROOT / "data/stance/dev.jsonl", ROOT / "data/stance/test.jsonl"])]
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data/articles").glob("*.txt"))]
    if args.articles:  # units: sentences of each request
        path, bodies = "/v1/articles", [json.dumps({"text": t}).encode() for t in texts]
        units = [count_sentences(t) for t in texts]
    else:
        path = "/v1/records"
        bodies = [json.dumps({"records": records[i:i + args.records]}).encode()
                  for i in range(0, len(records) - args.records + 1, args.records)]
        units = [args.records] * len(bodies)
    tmp = Path(tempfile.mkdtemp(prefix="actorstance-serve-load-"))
    load_before = os.getloadavg()
    try:
        model_dir = Path(args.model) if args.model else train_tfidf(tmp)
        port = free_port()
        server = start_server(model_dir, port, tmp / "server.log")
        try:
            results: list = []
            per_client = [[] for _ in range(args.clients)]
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=client, args=(port, path, bodies, until, per_client[k], k * 7))
                       for k in range(args.clients)]
            memory = [rss_mb(server.pid)]  # the server's resident memory, sampled through the run
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                time.sleep(min(5.0, args.seconds / 4))
                memory.append(rss_mb(server.pid))
            for t in threads:
                t.join()
            took = time.perf_counter() - t0
            results = [r for rs in per_client for r in rs]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            health = json.loads(conn.getresponse().read())
        finally:
            server.terminate()
            server.wait(timeout=30)
        ok = [lat for lat, status, _ in results if status == 200]
        unit = "sentences" if args.articles else "records"
        served = {
            "requests": len(results), "ok": len(ok), "status_5xx": sum(s >= 500 for _, s, _ in results),
            "status_4xx": sum(400 <= s < 500 for _, s, _ in results), "seconds": round(took, 2),
            "requests_per_second": round(len(ok) / took, 1), "server_rss_mb": memory,
            f"{unit}_per_second": round(sum(units[b] for _, s, b in results if s == 200) / took, 1),
            "latency_ms": {"p50": round(1000 * percentile(ok, 0.5), 1), "p95": round(1000 * percentile(ok, 0.95), 1),
                           "max": round(1000 * max(ok), 1) if ok else None,
                           "mean": round(1000 * statistics.mean(ok), 1) if ok else None},
        }
        model = load_for_prediction(model_dir)
        if args.articles:
            direct_same = direct_articles(model, texts, 1, min(args.seconds, 10.0))
            direct_all = direct_articles(model, texts, len(texts), min(args.seconds, 10.0))
        else:
            direct_same = direct(model, records, args.records, min(args.seconds, 5.0))
            direct_all = direct(model, records, len(records), min(args.seconds, 5.0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "command": ".venv/bin/python benchmarks/serve_load.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(), "model": {"family": model.family, "path": str(args.model or "tfidf trained on "
                                                                                       "data/stance/train.jsonl")},
        "server": {"health": health}, "clients": args.clients,
        **({"articles": len(texts), "sentences": sum(units)} if args.articles else {"records_per_request": args.records}),
        "served": served, "direct_same_size": direct_same, "direct_one_call": direct_all,
        "served_vs_direct_same_size": round(served[f"{unit}_per_second"] / direct_same[f"{unit}_per_second"], 3),
        "load_average_before_after": [round(x, 2) for x in load_before + os.getloadavg()],
    }
    out = Path(args.out or ROOT / "benchmarks" / "results" / "serve" /
               (f"articles-{model.family}-c{args.clients}.json" if args.articles else
                f"records-{model.family}-c{args.clients}-r{args.records}.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("served", "direct_same_size", "direct_one_call",
                                             "served_vs_direct_same_size")}, indent=1))
    print(f"written to {out}")
    return 1 if served["status_5xx"] else 0


if __name__ == "__main__":
    sys.exit(main())
