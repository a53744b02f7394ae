"""Files written whole or not at all: the one way this project writes an output file.

The content goes to a temporary file in the target's folder, created exclusively (``O_EXCL``
with a random name: a symlink planted at a predictable name is never followed), is flushed
and fsynced, and is renamed over the target; the folder is fsynced so that the rename
survives a crash. On any error or interrupt the temporary file is removed and the target is
untouched. Files get the usual permissions (0666 less the umask), like any other file the
user writes.

A process killed outright (SIGKILL, a power cut) cannot clean up: its temporary names carry its
process id (``NAME.tmp-PID-RANDOM``), and the next writer into the same folder removes those
whose process is gone (:func:`sweep_leftovers`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import ActorstanceError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def usual_dir_mode(folder: Path) -> None:
    """Give a folder made by ``tempfile.mkdtemp`` (0700) the usual permissions (0777 less the
    umask), as the files written into it have: a published model is readable like any output."""
    os.chmod(folder, 0o777 & ~_umask())


#: Leftovers younger than this are kept even when their process id is gone: on a folder shared
#: between machines the id may be another machine's, and a writer there touches its file as it writes.
LEFTOVER_AGE_S = 600


def temp_prefix(stem: str) -> str:
    """The prefix of a temporary name: ``STEM.tmp-PID-`` (see :func:`sweep_leftovers`)."""
    return f"{stem}.tmp-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def sweep_leftovers(folder: str | Path, pattern: str = ".*.tmp-*") -> int:
    """Remove the temporary files and folders in ``folder`` (matching ``pattern``, named by
    :func:`temp_prefix`) that a killed process left: its id is no running process and nothing
    has touched them for :data:`LEFTOVER_AGE_S`. Returns how many were removed."""
    removed = 0
    for p in Path(folder).glob(pattern):
        m = re.search(r"\.tmp-(\d+)-", p.name)
        try:
            if m is None or _alive(int(m.group(1))) or time.time() - p.lstat().st_mtime < LEFTOVER_AGE_S:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed += 1
        except OSError:  # gone already, or not ours to remove
            continue
    return removed


def temp_dir(folder: str | Path | None, stem: str, pattern: str = ".*.tmp-*") -> Path:
    """A new folder ``STEM.tmp-PID-RANDOM`` in ``folder`` (None: the system's temp folder), made
    after removing what killed runs left there (:func:`sweep_leftovers` with ``pattern``)."""
    where = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    sweep_leftovers(where, pattern)
    return Path(tempfile.mkdtemp(prefix=temp_prefix(stem), dir=where))


class AtomicFile:
    """An output file open under a temporary name until :meth:`commit` (or :meth:`discard`)."""

    def __init__(self, path: str | Path, binary: bool = False):
        self.path = Path(path)
        if self.path.is_dir():
            raise ActorstanceError(f"{self.path}: is a directory; give a file name to write to")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            sweep_leftovers(self.path.parent)
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix(f".{self.path.name}"), dir=self.path.parent)
        except (FileExistsError, NotADirectoryError):
            raise ActorstanceError(f"{self.path}: cannot write here (part of the path is a file, not a folder)") \
                from None
        except OSError as exc:
            raise ActorstanceError(f"{self.path}: cannot write here ({exc.strerror or exc})") from None
        self.tmp = Path(tmp)
        os.fchmod(fd, 0o666 & ~_umask())
        self.fh: IO = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> Path:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: str | Path, binary: bool = False) -> Iterator[IO]:
    """``with atomic_open(path) as fh: fh.write(...)``: the file appears complete, or not at all."""
    out = AtomicFile(path, binary)
    try:
        yield out.fh
    except BaseException:
        out.discard()
        raise
    out.commit()


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (model files, downloads and shard outputs)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
