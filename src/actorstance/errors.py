"""Errors a user can act on. The CLI prints them as one message and exits non-zero."""

from __future__ import annotations


class ActorstanceError(Exception):
    """Base class: anything the CLI reports without a traceback."""

    exit_code = 2


class DataError(ActorstanceError):
    """One or more problems in an input file, each as ``file:line: field: message``."""

    def __init__(self, problems: list[str], max_shown: int = 50):
        self.problems = list(problems)
        shown = self.problems[:max_shown]
        more = len(self.problems) - len(shown)
        lines = shown + ([f"... and {more} more problems"] if more > 0 else [])
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in input data:\n  " + "\n  ".join(lines))


class ModelLoadError(ActorstanceError):
    """A model directory that is missing, corrupted, tampered with or of an unknown kind."""


class ConfigError(ActorstanceError):
    """A configuration value that cannot work."""
