"""``actorstance compare``: which configuration is better, by how much, and is it real?"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run dirs, multirun dirs or globs")


def main(args) -> int:
    from .errors import ActorstanceError

    raise ActorstanceError("compare is not implemented yet")
