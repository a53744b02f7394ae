"""actorstance: learn who stands where on what from news text.

Importing the package is cheap on purpose: torch, transformers and scikit-learn load
only where a command needs them; so do pandas and the models behind ``load`` and ``analyze``.
"""

__version__ = "0.1.0"

#: Column order of every ``predict_proba`` result and of every saved model.
LABELS: tuple[str, ...] = ("supportive", "critical", "neutral")
LABEL2ID = {label: i for i, label in enumerate(LABELS)}

from .api import Analysis, Model, analyze, load  # noqa: E402  (light: pandas and the models load when used)

__all__ = ["LABELS", "LABEL2ID", "Analysis", "Model", "__version__", "analyze", "load"]
