"""actorstance serve: the endpoints, their limits and error answers, the model thread, the page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import GERMAN, ROOT, tiny_records

pytest.importorskip("fastapi")
pytest.importorskip("httpx")  # FastAPI's TestClient

from fastapi.testclient import TestClient  # noqa: E402

import actorstance  # noqa: E402
from actorstance.cli import main, prediction_rows  # noqa: E402
from actorstance.data import RawRow, validate_rows  # noqa: E402
from actorstance.models import load_for_prediction  # noqa: E402
from actorstance.serve import Busy, Limits, ModelLane, create_app  # noqa: E402

ARTICLE = ("Chancellor Anna Weber praised the ceasefire deal on Monday. Opposition leader Marco Ruiz "
           "dismissed the deal as a stunt and accused Anna Weber of naivety.\n\n"
           "Trade unions blasted the budget reforms. The IMF welcomed the budget reforms.")
JSON = {"content-type": "application/json"}


def plain(records):
    return [{k: r[k] for k in ("text", "actor", "target")} for r in records]


@pytest.fixture(scope="module")
def model(tiny_tfidf_dir):
    return load_for_prediction(tiny_tfidf_dir)


def client_for(model, model_dir=None, **limits):
    return TestClient(create_app(model, model_dir, Limits(**limits), ner="rules"))


@pytest.fixture(scope="module")
def client(model, tiny_tfidf_dir):
    with client_for(model, tiny_tfidf_dir, max_body_kb=64, max_sentences=40) as c:
        yield c


def still_serving(client):
    r = client.post("/v1/records", json={"records": plain(tiny_records()[:2])})
    assert r.status_code == 200 and len(r.json()["predictions"]) == 2


# ------------------------------------------------------------------------ endpoints

def test_records_give_the_rows_of_the_cli_and_the_probabilities_of_the_api(client, model, tiny_tfidf_dir):
    records = plain(tiny_records())
    r = client.post("/v1/records", json={"records": records})
    assert r.status_code == 200, r.text
    got = r.json()["predictions"]
    expected = prediction_rows(model, validate_rows([RawRow(i, x) for i, x in enumerate(records)],
                                                    Path("records"), require_label=False))
    assert got == expected  # the rows of `actorstance predict -f jsonl`
    df = actorstance.load(tiny_tfidf_dir).predict(records)
    assert [p["label"] for p in got] == list(df["label"])
    assert np.array([[p[f"p_{lab}"] for lab in actorstance.LABELS] for p in got]) == \
        pytest.approx(df[["p_supportive", "p_critical", "p_neutral"]].to_numpy(), abs=1e-4)


def test_records_take_spans_and_ids(client):
    rec = {"id": "x1", "text": "Kyiv thanked Kyiv's neighbour Warsaw.", "actor": "Kyiv", "target": "Warsaw",
           "actor_span": [13, 17]}
    p = client.post("/v1/records", json={"records": [rec]}).json()["predictions"][0]
    assert p["id"] == "x1" and p["actor_span"] == [13, 17] and p["target_span"] == [30, 36]
    assert p["label"] in actorstance.LABELS and sum(p[f"p_{lab}"] for lab in actorstance.LABELS) == pytest.approx(1, 1e-3)


def test_articles_give_what_analyze_gives(client, tiny_tfidf_dir):
    body = {"articles": [{"id": "a1", "text": ARTICLE}, {"id": 2, "text": "Marco Ruiz accused Anna Weber of naivety."}],
            "all_pairs": True}
    r = client.post("/v1/articles", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    expected = actorstance.analyze([("a1", ARTICLE), ("2", body["articles"][1]["text"])],
                                   model=actorstance.load(tiny_tfidf_dir), ner="rules", all_pairs=True)
    keys = ["article_id", "sentence_index", "actor", "target", "label", "probability", "actor_span", "target_span"]
    assert [{k: row[k] for k in keys} for row in data["rows"]] == \
        [{k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}
         for row in expected.rows[keys].to_dict("records")]
    assert data["summary"] == json.loads(json.dumps(expected.summary))
    assert {row["article_id"] for row in data["rows"]} == {"a1", "2"} and "texts" not in data


def test_articles_options_apply_to_the_request_only(client):
    one = client.post("/v1/articles", json={"text": ARTICLE}).json()
    every = client.post("/v1/articles", json={"text": ARTICLE, "all_pairs": True, "per_sentence": 0}).json()
    assert all(row["label"] != "neutral" for row in one["rows"])
    assert len(every["rows"]) > len(one["rows"]) and any(row["label"] == "neutral" for row in every["rows"])
    assert client.app.state.pipeline.per_sentence == 2  # the server's pipeline is unchanged
    sure = client.post("/v1/articles", json={"text": ARTICLE, "all_pairs": True, "min_probability": 1.0}).json()
    assert sure["rows"] and all(row["label"] == "neutral" for row in sure["rows"])
    assert "below min probability" in {row["overruled"] for row in sure["rows"]}
    assert client.app.state.pipeline.min_probability == 0.0
    assert one["summary"]["corpus"]["actors"] and one["summary"]["articles"][0]["article_id"] == "0"


def test_a_server_with_listed_only_keeps_the_pairs_to_its_actor_file(model):
    with TestClient(create_app(model, None, ner="rules", actors={"Anna Weber": [], "Marco Ruiz": []},
                               listed_only=True)) as c:
        rows = c.post("/v1/articles", json={"text": ARTICLE, "all_pairs": True}).json()["rows"]
    assert rows and {(r["actor"], r["target"]) for r in rows} <= {("Anna Weber", "Marco Ruiz"), ("Marco Ruiz", "Anna Weber")}


def test_articles_may_carry_their_own_listed_names(model):
    """Each article's own "actors" (a request may ask for listed_only); without them and without an actor file, 422."""
    both = {("Anna Weber", "Marco Ruiz"), ("Marco Ruiz", "Anna Weber")}
    with TestClient(create_app(model, None, ner="rules", listed_only=True)) as c:
        rows = c.post("/v1/articles", json={"text": ARTICLE, "actors": ["Weber", "Marco Ruiz"], "all_pairs": True}).json()
        many = c.post("/v1/articles", json={"articles": [{"id": "a", "text": ARTICLE, "actors": ["Anna Weber", "Ruiz"]}],
                                            "all_pairs": True}).json()
        bare = c.post("/v1/articles", json={"articles": [{"id": "a", "text": ARTICLE, "actors": ["Anna Weber"]},
                                                         {"id": "b", "text": ARTICLE}]})
        bad = c.post("/v1/articles", json={"text": ARTICLE, "actors": "Anna Weber"})
    assert rows["rows"] and {(r["actor"], r["target"]) for r in rows["rows"]} <= both
    assert many["rows"] and {(r["actor"], r["target"]) for r in many["rows"]} <= both
    assert bare.status_code == 422 and "give article(s) 'b' their own \"actors\"" in bare.json()["detail"]
    assert bad.status_code == 422 and "article 0: actors: expected a list of names" in bad.json()["problems"][0]
    text = ARTICLE + " Lena Fox thanked Anna Weber."
    with TestClient(create_app(model, None, ner="rules")) as c:  # a request turns it on (or off) for itself
        on = c.post("/v1/articles", json={"text": text, "actors": ["Anna Weber", "Marco Ruiz"], "all_pairs": True,
                                          "listed_only": True}).json()["rows"]
        off = c.post("/v1/articles", json={"text": text, "actors": ["Anna Weber", "Marco Ruiz"],
                                           "all_pairs": True}).json()["rows"]
    assert on and {(r["actor"], r["target"]) for r in on} <= both < {(r["actor"], r["target"]) for r in off}


def test_an_article_not_in_english_is_named_in_its_own_answer_only(client):
    """The server's pipeline lives across requests: one request's flagged article is not the next one's."""
    german = client.post("/v1/articles", json={"articles": [{"id": "de", "text": GERMAN}]}).json()
    assert german["summary"]["corpus"]["articles_not_english"] == ["de"]
    english = client.post("/v1/articles", json={"text": ARTICLE}).json()
    assert "articles_not_english" not in english["summary"]["corpus"]


def test_include_text_returns_the_text_the_spans_index(client):
    html = "<p>Chancellor Anna Weber praised the ceasefire deal.</p><p>Marco Ruiz accused Anna Weber of naivety.</p>"
    data = client.post("/v1/articles", json={"text": html, "include_text": True, "all_pairs": True}).json()
    text = data["texts"]["0"]
    assert "<p>" not in text and data["rows"]
    for row in data["rows"]:
        assert text[slice(*row["actor_span"])] == row["actor_mention"]
        assert text[slice(*row["target_span"])] == row["target_mention"]


def test_healthz_names_the_model(client, tiny_tfidf_dir):
    h = client.get("/healthz").json()
    assert h["ok"] is True and h["family"] == "tfidf" and h["model"] == str(tiny_tfidf_dir)
    assert h["limits"] == {"max_body_kb": 64, "max_sentences": 40, "timeout_s": 30.0}


def test_docs_and_openapi(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert len(assets) == 2 and all(a.startswith("/") for a in assets)  # served here, not from a CDN
    assert all(client.get(a).status_code == 200 for a in assets)
    spec = client.get("/openapi.json").json()
    assert {"/v1/records", "/v1/articles", "/healthz"} <= set(spec["paths"])
    body = spec["paths"]["/v1/records"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["records"]


def test_the_page_has_the_form_escapes_text_and_loads_nothing_from_elsewhere(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<form id="form">' in html and '<textarea id="text"' in html and 'fetch("v1/articles"' in html
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html and "document.write" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)  # no CDN
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = r.headers["content-security-policy"]
    assert f"script-src 'sha256-{digest}'" in csp and "connect-src 'self'" in csp


# ------------------------------------------------------------------------ errors and limits

@pytest.mark.parametrize("body, headers, status, message", [
    (b'{"records": [', JSON, 400, "malformed JSON: Expecting value at line 1 column 14"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", JSON, 400, "not UTF-8 text"),
    (b'{"records": []}', {"content-type": "text/plain"}, 415, "expected Content-Type: application/json, got text/plain"),
    (b'{"records": []}', {}, 415, "got none"),
    (b"  ", JSON, 400, "empty request body"),
    (b"[" * 5000 + b"]" * 5000, JSON, 400, "nested too deeply"),
    (b"[1, 2]", JSON, 422, "expected a JSON object, got an array"),
    (b'{"records": [], "model": "/etc/passwd"}', JSON, 422, "unknown field(s) 'model'"),
    (b'{"records": "x"}', JSON, 422, "records: expected an array"),
    (b'{"records": []}', JSON, 422, "records: empty array"),
    (b'{"records": [{"sentence": "A met B.", "actor": "A"}]}', JSON, 422, "no record has the field(s) text, target"),
    (b'{"records": [{"text": "", "actor": "A", "target": "B"}, 7]}', JSON, 422, "records:0: text: empty"),
])
def test_bad_record_requests_get_a_4xx_that_names_the_problem(client, body, headers, status, message):
    r = client.post("/v1/records", content=body, headers=headers)
    assert r.status_code == status and message in r.json()["detail"], r.text
    still_serving(client)


@pytest.mark.parametrize("body, message", [
    ({"text": ARTICLE, "articles": []}, 'either "text"'),
    ({}, 'either "text"'),
    ({"text": 3}, "text: expected a string, got a number"),
    ({"text": "   "}, "article 0: empty"),
    ({"articles": [{"id": "a", "text": "x"}, {"txt": "y"}, {"id": "a", "text": "z"}]}, "articles[1]"),
    ({"articles": [{"id": "a", "text": "A met B."}, {"id": "a", "text": "C met D."}]}, "id 'a' given twice"),
    ({"text": ARTICLE, "per_sentence": -1}, "per_sentence: expected a whole number >= 0, got -1"),
    ({"text": ARTICLE, "all_pairs": "yes"}, 'all_pairs: expected true or false, got "yes"'),
    ({"text": ARTICLE, "min_probability": 2}, "min_probability: expected a number from 0 to 1, got 2"),
    ({"text": ARTICLE, "model": "models/other"}, "unknown field(s) 'model'"),
])
def test_bad_article_requests_get_422(client, body, message):
    r = client.post("/v1/articles", json=body)
    assert r.status_code == 422 and message in r.json()["detail"], r.text


def test_body_limit_with_and_without_content_length(model):
    with client_for(model, max_body_kb=1) as c:
        big = json.dumps({"records": plain(tiny_records()) * 3}).encode()
        assert len(big) > 1024
        r = c.post("/v1/records", content=big, headers=JSON)
        assert r.status_code == 413 and "over the limit of 1 KiB (--max-body-kb)" in r.json()["detail"]
        chunked = c.post("/v1/records", content=iter([big[:600], big[600:]]), headers=JSON)  # no Content-Length
        assert chunked.status_code == 413
        still_serving(c)


def test_record_and_sentence_limits(model):
    with client_for(model, max_sentences=3) as c:
        r = c.post("/v1/records", json={"records": plain(tiny_records())[:4]})
        assert r.status_code == 422 and "4 records; the limit is 3 per request (--max-sentences)" in r.json()["detail"]
        assert c.post("/v1/records", json={"records": plain(tiny_records())[:3]}).status_code == 200
        r = c.post("/v1/articles", json={"text": ARTICLE})  # 4 sentences
        assert r.status_code == 422 and "4 sentences; the limit is 3" in r.json()["detail"]
        assert c.post("/v1/articles", json={"text": "Marco Ruiz accused Anna Weber of naivety."}).status_code == 200


class SlowModel:
    """A model that takes its time, for the time limit."""

    def __init__(self, model, seconds):
        self.model, self.seconds, self.family, self.info = model, seconds, model.family, getattr(model, "info", {})

    def predict_proba(self, records):
        time.sleep(self.seconds)
        return self.model.predict_proba(records)


def test_time_limit_gives_504_and_the_server_keeps_serving(model):
    slow = SlowModel(model, 0.6)
    with client_for(slow, timeout_s=0.3) as c:
        r = c.post("/v1/records", json={"records": plain(tiny_records()[:1])})
        assert r.status_code == 504 and "more than 0.3 s (--timeout-s)" in r.json()["detail"]
        r = c.post("/v1/articles", json={"text": ARTICLE})
        assert r.status_code == 504
        slow.seconds = 0
        time.sleep(0.7)  # the first job finishes on the model thread
        still_serving(c)


class BrokenModel(SlowModel):
    def predict_proba(self, records):
        if self.seconds:
            raise RuntimeError("bug")
        return self.model.predict_proba(records)


def test_an_internal_error_is_a_json_500_and_the_server_keeps_serving(model):
    broken = BrokenModel(model, 1)
    with TestClient(create_app(broken, None, ner="rules"), raise_server_exceptions=False) as c:
        r = c.post("/v1/records", json={"records": plain(tiny_records()[:1])})
        assert r.status_code == 500 and r.json() == {"detail": "internal error (RuntimeError); see the server log"}
        broken.seconds = 0
        still_serving(c)


def test_unknown_paths_and_methods_answer_in_json(client):
    assert client.get("/v1/nope").status_code == 404
    r = client.get("/v1/records")
    assert r.status_code == 405 and r.json()["detail"] == "Method Not Allowed"


# ------------------------------------------------------------------------ the model thread

class GatedModel:
    """predict_proba waits for a gate and records each call's size."""

    def __init__(self):
        self.gate, self.entered, self.calls = threading.Event(), threading.Event(), []

    def predict_proba(self, records):
        self.entered.set()
        self.gate.wait(10)
        self.calls.append(len(records))
        return np.array([[float(r["n"]), 0.0, 0.0] for r in records])


def test_lane_scores_waiting_record_jobs_in_one_call_and_skips_abandoned_ones():
    m = GatedModel()
    lane = ModelLane(m.predict_proba, max_waiting=8)
    try:
        first = lane.submit([{"n": 0}])
        assert m.entered.wait(5)  # the first call is running: the next jobs queue behind it
        a, gone = lane.submit([{"n": 1}, {"n": 2}]), lane.submit([{"n": 9}])
        other = lane.submit(lambda: "article job")
        b = lane.submit([{"n": 3}])
        gone.cancel()  # its request timed out while queued
        m.gate.set()
        assert first.result(5)[:, 0].tolist() == [0]
        assert a.result(5)[:, 0].tolist() == [1, 2] and b.result(5)[:, 0].tolist() == [3]
        assert other.result(5) == "article job"
        assert m.calls == [1, 2, 1]  # a joined one call (gone skipped); the article job ran between a and b
    finally:
        m.gate.set()
        lane.close()


def test_lane_refuses_work_when_its_queue_is_full_and_passes_errors_on():
    m = GatedModel()
    lane = ModelLane(m.predict_proba, max_waiting=1)
    try:
        lane.submit([{"n": 0}])
        assert m.entered.wait(5)
        queued = lane.submit([{"n": 1}])
        with pytest.raises(Busy):
            lane.submit([{"n": 2}])
        m.gate.set()
        assert queued.result(5)[:, 0].tolist() == [1]
        boom = lane.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            boom.result(5)
    finally:
        m.gate.set()
        lane.close()


def test_busy_server_answers_503(model):
    m = GatedModel()
    m.family, m.info = "tfidf", {}
    with client_for(m, max_waiting=1) as c:
        c.app.state.lane.submit([{"n": 0}])
        assert m.entered.wait(5)
        c.app.state.lane.submit([{"n": 1}])
        r = c.post("/v1/records", json={"records": plain(tiny_records()[:1])})
        assert r.status_code == 503 and r.headers["retry-after"] == "1" and "busy" in r.json()["detail"]
        m.gate.set()


# ------------------------------------------------------------------------ command line

def test_serve_command_checks_before_serving(capsys, tmp_path):
    assert main(["serve", "--model", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--timeout-s", "0"])
    assert "expected a number of seconds > 0" in capsys.readouterr().err


def test_serve_takes_several_models_as_one(monkeypatch, model, tiny_tfidf_dir):
    """serve --model A --model B: the mean of their probabilities, as predict gives it, named in /healthz."""
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app))
    d = str(tiny_tfidf_dir)
    assert main(["serve", "--model", d, "--model", d, "--ner", "rules"]) == 0
    records = plain(tiny_records()[:3])
    with TestClient(served["app"]) as c:
        h = c.get("/healthz").json()
        assert h["family"] == "ensemble" and h["model"] == f"{d} + {d}"
        got = c.post("/v1/records", json={"records": records}).json()["predictions"]
    expected = model.predict_proba(records)
    assert [r["p_supportive"] for r in got] == pytest.approx([float(p[0]) for p in expected], abs=1e-4)


def test_importing_actorstance_does_not_import_fastapi():
    code = "import sys, actorstance, actorstance.cli; sys.exit('fastapi' in sys.modules or 'uvicorn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}).returncode == 0
