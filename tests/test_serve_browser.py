"""The web page in a real headless browser (Chromium): the stances of an article are shown.

Skipped with a notice where no Chromium can be had (the set-up installs Debian's `chromium`
when run as root in CI; elsewhere: apt-get install chromium)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from actorstance.models import load_for_prediction  # noqa: E402
from actorstance.serve import Limits, create_app  # noqa: E402

ARTICLE = ("Opposition leader Marco Ruiz dismissed the ceasefire deal as a stunt and accused Anna Weber of "
           "naivety. Chancellor Anna Weber praised the ceasefire deal and thanked Qatar for its help.")
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium here (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tiny_tfidf_dir):
    """The app on a free loopback port, in a thread of this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(load_for_prediction(tiny_tfidf_dir), tiny_tfidf_dir, Limits(), ner="rules")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def browse(url: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--virtual-time-budget=20000", *flags, url], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_page_shows_the_stances_of_an_article(server, tmp_path):
    import json

    req = urllib.request.Request(f"{server}/v1/articles", data=json.dumps({"text": ARTICLE}).encode(),
                                 headers={"Content-Type": "application/json"})
    rows = json.loads(urllib.request.urlopen(req, timeout=60).read())["rows"]
    assert rows, "the model gives this article no stance row: the page would have nothing to show"
    url = f"{server}/#text={urllib.parse.quote(ARTICLE)}"
    dom = browse(url, "--dump-dom").stdout
    assert 'id="article"' in dom
    for r in rows:  # each stance row's actor and target are marked, coloured by a stance
        for role, span in (("actor", r["actor_span"]), ("target", r["target_span"])):
            mention = ARTICLE[span[0]:span[1]]
            assert any(mention in m and role in cls and any(lab in cls for lab in ("supportive", "critical"))
                       for cls, m in _marks(dom)), (role, mention)
    assert r["actor"] in dom.split('id="actors"', 1)[1]  # the per-actor table lists it
    graph = dom.split('id="graph"', 1)[1].split("</svg>", 1)[0]  # the who-stands-where graph: a line per polar pair
    assert "<svg" in graph and graph.count("<line") >= 1 and r["actor"] in graph
    shot = tmp_path / "page.png"
    browse(url, f"--screenshot={shot}", "--window-size=1200,1000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@pytest.mark.slow
def test_the_page_keeps_the_pairs_to_the_names_given(server):
    import json

    def pairs(body: dict) -> set:
        req = urllib.request.Request(f"{server}/v1/articles", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        return {(r["actor"], r["target"]) for r in json.loads(urllib.request.urlopen(req, timeout=60).read())["rows"]}

    names = ["Marco Ruiz", "Anna Weber"]
    kept, every = pairs({"text": ARTICLE, "actors": names, "listed_only": True}), pairs({"text": ARTICLE})
    assert kept and kept < every and any("Qatar" in p for p in every - kept)
    dom = browse(f"{server}/#text={urllib.parse.quote(ARTICLE)}&names={urllib.parse.quote(', '.join(names))}",
                 "--dump-dom").stdout
    table = dom.split('id="pairs"', 1)[1].split("</table>", 1)[0]
    assert all(a in table and t in table for a, t in kept) and "Qatar" not in table


def _marks(dom: str) -> list[tuple[str, str]]:
    import re

    return [(m.group(1), m.group(2)) for m in re.finditer(r'<mark class="([^"]*)"[^>]*>([^<]*)</mark>', dom)]
