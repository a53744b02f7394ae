"""``actorstance serve``: the model behind a small HTTP API (FastAPI) and a one-page web UI.

The endpoints use what the command line and the Python API use -- record validation, the
article pipeline, its summary and the row format of ``actorstance predict -f jsonl`` -- so that
all three give the same answers. Requests carry data only: the model, the actor detector and
every limit are fixed when the server starts, and no request can name a file on the server. Request bodies
are read and checked in :mod:`.serve_requests`.

All model work runs on one thread (:class:`ModelLane`): inference is CPU-bound, so requests
running side by side would only fight over the cores; record requests that queue up behind
each other are scored in one model call instead. Imported only by ``actorstance serve`` and
the tests: importing ``actorstance`` never imports FastAPI.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import queue
import re
import threading
import time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline

from . import __version__
from .errors import ActorstanceError, DataError
from .serve_requests import RECORD_FIELDS, ApiError, Limits, parse_articles, parse_records, read_json

PAGE = Path(__file__).with_name("resources") / "serve.html"


class Busy(Exception):
    """The model's queue is full."""


class ModelLane:
    """One thread does all model work, in order of arrival. Record jobs waiting together are
    scored in one ``predict_proba`` call (up to ``max_batch`` records): under load that is
    fewer, larger calls, without delaying a lone request. Other jobs (article analyses) are
    callables run as they are.

    A job whose caller gave up (its future cancelled: the request timed out while queued) is
    skipped, so an expired request costs no model time."""

    def __init__(self, predict_proba: Callable, max_batch: int = 4096, max_waiting: int = 32):
        self._predict_proba, self.max_batch = predict_proba, max_batch
        self._jobs: queue.Queue = queue.Queue(max_waiting)
        self.calls = self.records = 0  # model calls made for record jobs, and the records in them
        self._thread = threading.Thread(target=self._loop, name="actorstance-model", daemon=True)
        self._thread.start()

    def submit(self, job: list | Callable) -> Future:
        """``job``: a list of validated records (the future gets their probabilities) or a
        callable (the future gets its result). Raises :class:`Busy` when the queue is full."""
        future: Future = Future()
        try:
            self._jobs.put_nowait((job, future))
        except queue.Full:
            raise Busy from None
        return future

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    def close(self) -> None:
        self._jobs.put((None, None))
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        held = None
        while True:
            job, future = held or self._jobs.get()
            held = None
            if job is None:
                return
            if callable(job):
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(job())
                    except BaseException as exc:  # noqa: B036  (handed to the waiting request)
                        future.set_exception(exc)
                continue
            batch, n = [(job, future)], len(job)
            while n < self.max_batch:  # whatever record jobs are already waiting join this call
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(nxt[0], list):
                    held = nxt
                    break
                batch.append(nxt)
                n += len(nxt[0])
            batch = [(recs, f) for recs, f in batch if f.set_running_or_notify_cancel()]
            if not batch:
                continue
            try:
                proba = self._predict_proba([r for recs, _ in batch for r in recs])
            except Exception as exc:
                for _, f in batch:
                    f.set_exception(exc)
                continue
            self.calls += 1
            self.records += len(proba)
            start = 0
            for recs, f in batch:
                f.set_result(proba[start:start + len(recs)])
                start += len(recs)


def _until(items: Iterable, deadline: float) -> Iterable:
    """``items``, stopping the work once the request's time is up (its client has had its 504)."""
    for item in items:
        if time.monotonic() > deadline:
            raise TimeoutError
        yield item


# ------------------------------------------------------------------------ the app

_REQUEST_SCHEMAS = {
    "records": {
        "type": "object", "required": ["records"],
        "properties": {"records": {"type": "array", "items": {
            "type": "object", "required": list(RECORD_FIELDS),
            "properties": {"text": {"type": "string"}, "actor": {"type": "string"}, "target": {"type": "string"},
                           "id": {"type": "string"},
                           "actor_span": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                           "target_span": {"type": "array", "items": {"type": "integer"}, "minItems": 2,
                                           "maxItems": 2}}}}},
        "example": {"records": [{"text": "The IMF welcomed the budget reforms.", "actor": "The IMF",
                                 "target": "the budget reforms"}]},
    },
    "articles": {
        "type": "object",
        "properties": {"text": {"type": "string", "description": "one article"},
                       "actors": {"type": "array", "items": {"type": "string"},
                                  "description": "with text: the names listed_only keeps its pairs to"},
                       "articles": {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
                           "id": {"type": "string"}, "text": {"type": "string"},
                           "actors": {"type": "array", "items": {"type": "string"}}}}},
                       "listed_only": {"type": "boolean",
                                       "description": "only pairs between the names of the server's --actors or the "
                                                      "article's own actors (default: serve --listed-only)"},
                       "all_pairs": {"type": "boolean", "default": False,
                                     "description": "every candidate pair, the neutral ones too"},
                       "per_sentence": {"type": "integer", "minimum": 0,
                                        "description": "at most N stances per sentence (0: no limit)"},
                       "min_probability": {"type": "number", "minimum": 0, "maximum": 1,
                                           "description": "report a stance only from this probability (default 0)"},
                       "include_text": {"type": "boolean", "default": False,
                                        "description": "return each article's text as analysed (spans index it)"}},
        "example": {"text": "Chancellor Anna Weber praised the ceasefire deal. Opposition leader Marco Ruiz "
                            "dismissed the deal as a stunt."},
    },
}


def _body(name: str) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _REQUEST_SCHEMAS[name]}}}}


def page_and_csp() -> tuple[str, str]:
    """The web page and a Content-Security-Policy that lets only its own inline script and style
    run (by hash) and lets it talk only to this server."""
    html = PAGE.read_text(encoding="utf-8")

    def hashes(tag: str) -> str:
        return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'"
                        for m in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S))

    csp = (f"default-src 'none'; script-src {hashes('script')}; style-src {hashes('style')}; connect-src 'self'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return html, csp


def create_app(model, model_dir: str | Path | None = None, limits: Limits | None = None, *, ner: str = "auto",
               actors=None, listed_only: bool = False, focus=None) -> FastAPI:
    """The app around a loaded model of the common contract (``load_for_prediction``). The
    article pipeline (and its actor detector) is built here, once; ``listed_only``: article pairs only between
    the names of ``actors``, or of a request's articles' own (``serve --listed-only``; a request may turn it on);
    ``focus``: the model's name selector, pairs only between the names it predicts (``serve --focus``)."""
    from .api import analyze_rows
    from .articles import ArticlePipeline
    from .cli import prediction_rows

    limits = limits or Limits()
    pipeline = ArticlePipeline.build(model, ner=ner, actors=actors, listed_only=listed_only, focus=focus)
    lane = ModelLane(model.predict_proba, max_waiting=limits.max_waiting)
    html, csp = page_and_csp()

    @asynccontextmanager
    async def lifespan(app):
        yield
        lane.close()

    # Swagger UI at /docs from files in the package (fastapi-offline), not from a CDN: it works without a network
    app = FastAPIOffline(title="actorstance", version=__version__, redoc_url=None, lifespan=lifespan,
                         description="Stance of actors toward targets: records (sentence, actor, target) or raw "
                                     "articles.")
    app.state.lane, app.state.limits, app.state.pipeline = lane, limits, pipeline

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.problems:
            body["problems"] = exc.problems
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(ActorstanceError)
    async def data_error(request: Request, exc: ActorstanceError):
        problems = exc.problems if isinstance(exc, DataError) else None
        return await api_error(request, ApiError(422, str(exc), problems))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):  # a bug: logged by uvicorn, JSON for the client
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server log"}, status_code=500)

    async def on_lane(job, started: float):
        """The job's result, or 504 once the request's time is up (503 if the queue is full)."""
        try:
            future = lane.submit(job)
        except Busy:
            raise ApiError(503, f"busy: {limits.max_waiting} requests are waiting for the model; retry shortly",
                           headers={"Retry-After": "1"}) from None
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), started + limits.timeout_s - time.monotonic())
        except (asyncio.TimeoutError, TimeoutError):
            raise ApiError(504, f"the request took more than {limits.timeout_s:g} s (--timeout-s): send fewer records "
                                "or shorter articles") from None

    @app.post("/v1/records", openapi_extra=_body("records"),
              summary="Stance of each record's actor toward its target")
    async def records(request: Request):
        """Records that name the actor and target -> one prediction each, as `actorstance predict -f jsonl`
        writes it: `label`, `probability`, `p_supportive`, `p_critical`, `p_neutral`, the spans used, ..."""
        started = time.monotonic()
        recs = parse_records(await read_json(request, limits), limits)
        proba = await on_lane(recs, started)
        # a Response, not a dict: FastAPI would first walk the rows with jsonable_encoder, which cost
        # more CPU than the tfidf model itself (5.6 ms against 0.7 ms for json.dumps, 16 rows)
        return JSONResponse({"predictions": prediction_rows(None, recs, proba)})

    @app.post("/v1/articles", openapi_extra=_body("articles"), summary="Actors and their stances in raw articles")
    async def articles(request: Request):
        """Raw articles -> the rows of `actorstance predict` (those with a stance unless `all_pairs`)
        and its summary (per actor and per pair; corpus and per article), as `actorstance.analyze`."""
        started = time.monotonic()
        arts, opts = parse_articles(await read_json(request, limits), limits)
        changes = {k: opts[k] for k in ("per_sentence", "min_probability", "listed_only") if opts[k] is not None}
        if changes.get("listed_only") and pipeline.focus is not None:
            raise ApiError(422, "this server keeps each article's pairs to the names its model predicts (serve --focus), "
                                "not to listed ones: leave out listed_only")
        run = pipeline.with_options(**changes) if changes else pipeline
        unlisted = [a.id for a in arts if not a.listed] if run.listed_only and not run.listed_names else []
        if unlisted:
            raise ApiError(422, f"listed_only keeps the pairs between listed names, and this server has no actor file "
                                f"(--actors): give article(s) {', '.join(map(repr, unlisted[:5]))} their own \"actors\"")
        deadline = started + limits.timeout_s
        rows, summary = await on_lane(lambda: analyze_rows(run, _until(arts, deadline), opts["all_pairs"]), started)
        out = {"rows": rows, "summary": summary}
        if opts["include_text"]:
            out["texts"] = {a.id: a.text for a in arts}
        return JSONResponse(out)

    @app.get("/healthz", summary="Liveness and the model being served")
    async def healthz():
        return {"ok": True, "model": str(model_dir) if model_dir else None, "family": model.family,
                "version": __version__, "ner": pipeline.detector.name, "waiting": lane.waiting,
                "record_batches": {"model_calls": lane.calls, "records": lane.records},
                "limits": {"max_body_kb": limits.max_body_kb, "max_sentences": limits.max_sentences,
                           "timeout_s": limits.timeout_s}}

    @app.get("/", include_in_schema=False)
    async def page():
        return HTMLResponse(html, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

    return app
