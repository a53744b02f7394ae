"""``actorstance data fetch``: the public benchmark data, downloaded from the authors'
repositories at pinned commits, each file checked against its SHA-256 and size.

The manifest (``resources/public_data.json``) lists, per data set, the repository, the
commit, and every file with its checksum; for SEESAW only the train and valid stories (the
test stories stay with the authors, so that nothing here is tuned on them). A file is written
to a temporary name in its folder and renamed only once its checksum is right, so an
interrupted or tampered download never leaves a file that looks complete; a rerun skips the
files already in place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .atomic import AtomicFile, sha256_file
from .errors import ActorstanceError

DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
MANIFEST = Path(__file__).parent / "resources" / "public_data.json"
CHUNK = 1 << 16


def load_manifest(path: Path = MANIFEST) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))




def _download(url: str, dest: Path, sha256: str, size: int, timeout: float) -> str | None:
    """The file at ``url`` into ``dest`` if its size and checksum are right; else a problem."""
    import urllib.error
    import urllib.request

    if dest.is_file() and dest.stat().st_size == size and sha256_file(dest) == sha256:
        return None
    out = AtomicFile(dest, binary=True)  # appears under its name only once complete and checked
    try:
        h, n = hashlib.sha256(), 0
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (https/http only)
            while block := resp.read(CHUNK):
                n += len(block)
                if n > size:
                    return f"{url}: larger than the {size:,} bytes expected"
                h.update(block)
                out.fh.write(block)
        if n != size or h.hexdigest() != sha256:
            return f"{url}: checksum mismatch ({n:,} bytes, sha256 {h.hexdigest()[:12]}...; expected {size:,} " \
                   f"bytes, {sha256[:12]}...)"
        out.commit()
        return None
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return f"{url}: {getattr(exc, 'reason', exc)}"
    finally:
        out.discard()  # a no-op after commit


def fetch(names: list[str], to: str | Path, base_url: str = DEFAULT_BASE_URL, manifest: dict | None = None,
          workers: int = 8, timeout: float = 60.0, log=print) -> dict[str, int]:
    """Download the named data sets into ``to/NAME/``; returns the number of files per set.
    Raises ActorstanceError listing every file that failed (the others are kept)."""
    from concurrent.futures import ThreadPoolExecutor  # here, not at import: the CLI parser imports this module

    manifest = manifest if manifest is not None else load_manifest()
    unknown = [n for n in names if n not in manifest]
    if unknown or not names:
        raise ActorstanceError(f"unknown data set(s) {', '.join(unknown) or '(none given)'}; "
                               f"known: {', '.join(sorted(manifest))}")
    if not base_url.startswith(("https://", "http://")):
        raise ActorstanceError(f"--base-url must be an http(s) address, got {base_url!r}")
    to = Path(to)
    problems, counts = [], {}
    for name in names:
        entry = manifest[name]
        jobs = [(f"{base_url.rstrip('/')}/{entry['repo']}/{entry['commit']}/{entry.get('prefix', '')}{f['upstream']}",
                 to / name / local, f["sha256"], int(f["size"])) for local, f in sorted(entry["files"].items())]
        log(f"{name}: {len(jobs)} files from {entry['repo']} at {entry['commit'][:10]} -> {to / name}")
        with ThreadPoolExecutor(max(1, workers)) as pool:
            results = list(pool.map(lambda job: _download(job[0], job[1], job[2], job[3], timeout), jobs))
        failed = [r for r in results if r]
        problems += failed
        counts[name] = len(jobs) - len(failed)
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise ActorstanceError(f"{len(problems)} file(s) could not be fetched:\n  " + "\n  ".join(shown))
    return counts
