"""``actorstance data fetch`` against a raw-file server on loopback: checksums, atomic writes, reruns."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial

import pytest

from actorstance.cli import main
from actorstance.errors import ActorstanceError
from actorstance.fetch import fetch, load_manifest

FILES = {"dataset/train.txt": b"a sentence\tp\tq\t1\n", "dataset/other.txt": b"x" * 70_000}


@pytest.fixture()
def server(tmp_path):
    """A GitHub-raw-like tree: BASE/owner/repo/COMMIT/dataset/..."""
    root = tmp_path / "www"
    for rel, data in FILES.items():
        p = root / "owner" / "repo" / "c0ffee" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root / "owner" / "repo" / "c0ffee"
    httpd.shutdown()


def manifest(**overrides):
    files = {rel.split("/", 1)[1]: {"upstream": rel.split("/", 1)[1], "sha256": hashlib.sha256(d).hexdigest(),
                                    "size": len(d)} for rel, d in FILES.items()}
    files.update(overrides)
    return {"demo": {"repo": "owner/repo", "commit": "c0ffee", "prefix": "dataset/", "files": files}}


def test_fetch_writes_checked_files_and_a_rerun_skips_them(server, tmp_path):
    base, _ = server
    out = tmp_path / "data"
    assert fetch(["demo"], out, base, manifest(), log=lambda m: None) == {"demo": 2}
    assert (out / "demo" / "train.txt").read_bytes() == FILES["dataset/train.txt"]
    assert (out / "demo" / "other.txt").stat().st_size == 70_000
    mtime = (out / "demo" / "other.txt").stat().st_mtime_ns
    fetch(["demo"], out, base, manifest(), log=lambda m: None)
    assert (out / "demo" / "other.txt").stat().st_mtime_ns == mtime  # already right: not downloaded again


def test_a_tampered_or_missing_file_is_reported_and_never_written(server, tmp_path):
    base, tree = server
    (tree / "dataset" / "train.txt").write_bytes(b"tampered!\n")
    bad = manifest(missing={"upstream": "missing.txt", "sha256": "0" * 64, "size": 3})
    with pytest.raises(ActorstanceError) as err:
        fetch(["demo"], tmp_path / "data", base, bad, log=lambda m: None)
    msg = str(err.value)
    assert "2 file(s)" in msg and "train.txt: checksum mismatch" in msg and "missing.txt: HTTP 404" in msg
    written = sorted(p.name for p in (tmp_path / "data" / "demo").iterdir())
    assert written == ["other.txt"]  # the good file is kept; no partial or temporary file is left


def test_the_shipped_manifest_pins_commits_and_checksums():
    m = load_manifest()
    assert set(m) == {"seesaw", "park2021", "newsmtsc"}
    for entry in m.values():
        assert len(entry["commit"]) == 40 and entry["files"]
        assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in entry["files"].values())
    assert not any("test" in name.lower() for name in m["newsmtsc"]["files"])  # held-out parts are not fetched


def test_cli_unknown_name_is_a_clear_error(tmp_path, capsys):
    assert main(["data", "fetch", "nosuchset", "--to", str(tmp_path)]) != 0
    assert "unknown data set(s) nosuchset" in capsys.readouterr().err
