"""Reading articles: text files, folders of them, JSONL of ``{"id", "text"}``, Parquet with
columns ``id``/``text`` (with pyarrow), standard input.

A file that cannot be read is reported by name and skipped; the rest are still read. HTML (a
saved web page, or HTML in a JSONL text field) is turned into its text first, one paragraph per
block element, without scripts, styles or the page head: tags are never sentence text, and
rows point into the extracted text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import DataError

#: A text line longer than this is not prose (minified data, a binary dump decoded by luck).
MAX_LINE_CHARS = 100_000
#: spaCy's own limit per text; articles are far shorter.
MAX_ARTICLE_CHARS = 1_000_000
#: What a folder of articles is searched for (a file named on the command line may be any text).
ARTICLE_SUFFIXES = (".txt", ".text", ".html", ".htm")
#: Text is HTML when it opens as a page, or holds at least this many block or break tags.
_HTML_START = re.compile(r"\s*(?:<!doctype html|<html\b)", re.I)
_HTML_TAG = re.compile(r"</?(?:p|div|br|h[1-6]|li|ul|ol|article|section|table|tr|td)\b[^>]*>", re.I)
_BLOCKS = frozenset("p div br h1 h2 h3 h4 h5 h6 li ul ol article section header footer blockquote tr table "
                    "figcaption title pre hr".split())
#: Page parts that are not the story: scripts, navigation, asides (related stories), forms, the page footer.
_SKIPPED = frozenset("script style noscript template head svg nav aside form button select iframe footer".split())


class _TextOfHtml(HTMLParser):
    """Paragraphs of a page's text; with ``only_article``, only those inside ``<article>`` elements."""

    def __init__(self, only_article: bool = False):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.outside_article = 1 if only_article else 0  # > 0: not (yet) inside an <article>

    def _end_paragraph(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._end_paragraph()
        if tag == "article":
            self.outside_article -= 1

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._end_paragraph()
        if tag == "article":
            self.outside_article += 1

    def handle_data(self, data):
        if not self.skipping and self.outside_article <= 0:
            self.current.append(data)


def text_of_html(text: str) -> str:
    """The article text of ``text`` if it is HTML (paragraphs separated by blank lines), else ``text``."""
    if not (_HTML_START.match(text) or len(_HTML_TAG.findall(text[:100_000])) >= 2):
        return text
    # a page that marks its story with <article> is read there alone (not the teasers and comments around it)
    parser = _TextOfHtml(only_article=re.search(r"<article\b", text, re.I) is not None)
    parser.feed(text)
    parser.close()
    parser._end_paragraph()
    return "\n\n".join(parser.paragraphs)


#: Scraped pages of The Hill carry an inline box after a person's name: the full name glued to
#: the headlines of their latest stories, closed by "MORE" ("Sen. Richard Shelby Richard Craig
#: ShelbyBiden sidesteps GOP ... debt cliff MORE (R-Ala.)"); read as text it made actors such as
#: "Trump Donald Trump". Such a box is the name repeated (one to three name words, then the same
#: surname) up to " MORE", within this many characters of one paragraph.
_MORE = re.compile(r"(?<=\S) MORE(?![A-Za-z])")
_NAME_WORD = r"(?:[A-Z][a-z]+\.?|\([A-Z][a-z]+\)|[A-Z]\.)"
_REPEATED_NAME = re.compile(rf"(?=\b([A-Z][a-z]{{2,}}) ((?:{_NAME_WORD} ){{1,3}}\1)(?![a-z]))")
_FURNITURE_CHARS = 700


#: Whole lines of page furniture and credits in copied or scraped news: advertising and newsletter
#: prompts, "Read more:" links, copyright notices, bylines, datelines of publication and the wire
#: services' reporting credits, whose reporters and editors would otherwise become actors.
_NOT_A_SENTENCE = r"(?![^\n]*[a-z]\.[ \t]*$)"  # a line that ends like a sentence ("... was spent.") is text
_FURNITURE_LINE = re.compile(rf"""(?imx)^[ \t]*(?:
    advertisement | story\ continues\ (?:below|after)(?:\ (?:this\ )?(?:advertisement|ad))?
  | (?:read|see)\ (?:more|also)\b[ \t]*(?:[:»>|].*)? | related(?:\ (?:coverage|stories|articles|content))?[ \t]*:.*
  | (?:click|tap)\ here\b.* | subscribe\ (?:now|today|to\ our)\b.* | share\ (?:this|on|via)\b.*
  | sign\ up\ (?:for|to)\b[^\n]*\b(?:newsletters?|alerts?|updates|emails?|briefings?)\b.*
  | follow\ [^\n]{{0,40}}?\ on\ (?:twitter|x|facebook|instagram)\b.*
  | (?:copyright[ \t]*)?(?:©|\(c\))[ \t]*\d{{4}}.* | copyright[ \t]+\d{{4}}.* | all\ rights\ reserved\.?
  | [^\n]{{0,120}}\bcontributed\ (?:to\ )?(?:this\ )?(?:report|story|article)(?:ing)?\.?
  | {_NOT_A_SENTENCE}(?:published|updated|posted|last\ modified)\b[^\n]{{0,60}}\d[^\n]{{0,40}}
  | {_NOT_A_SENTENCE}\(?[ \t]*(?:additional\ )?(?:reporting|writing|editing)\ by\b[^\n]*
  | {_NOT_A_SENTENCE}(?-i:By\ (?:[A-Z][\w.'’-]*[ \t]*(?:,|and|&)?[ \t]*){{2,8}})(?:[|,–—-][ \t]*[\w .]{{2,30}})?
)[ \t]*$""")
_FURNITURE_LINE_CHARS = 200


def blank_web_furniture(text: str) -> str:
    """``text`` with such boxes and furniture lines turned into spaces: the same length, so that
    every offset into the article still holds (the name before the box stays: "Sen. Richard Shelby")."""
    out, last = list(text), 0
    for line in _FURNITURE_LINE.finditer(text):
        if line.end() - line.start() <= _FURNITURE_LINE_CHARS:
            out[line.start():line.end()] = " " * (line.end() - line.start())
    for more in _MORE.finditer(text):
        lo = max(last, more.start() - _FURNITURE_CHARS)
        if (cut := text.rfind("\n\n", lo, more.start())) >= 0:
            lo = cut + 2
        # the repeat that reaches furthest: "Mick Mulvaney [Mick Mulvaney]Headhunters ..."
        found = max(((m.end(2), m.start(2)) for m in _REPEATED_NAME.finditer(text, lo, more.start())), default=None)
        if found is not None:
            out[found[1]:more.end()] = " " * (more.end() - found[1])
        last = more.end()
    return "".join(out)


@dataclass
class Article:
    id: str
    text: str
    source: str
    #: the names this article's pairs are kept to with ``listed_only`` (SEESAW's entity list of the article);
    #: empty: the pipeline's actor file and topics
    listed: tuple[str, ...] = ()


#: The commonest English words: a fifth to a third of the words of English news, a few percent of
#: German, French or Spanish news (their "in", "a", "to" aside).
_ENGLISH_WORDS = frozenset("the of and to in a is that for on with as was by at it he she said from his her "
                           "be are has have not but this they who which an will would their its".split())
#: Share of such words below which a text is not English; and the words needed to judge.
ENGLISH_SHARE, ENGLISH_MIN_WORDS = 0.10, 40


def looks_english(text: str) -> bool:
    """Whether a text reads as English (the recogniser, the parser and the models are English
    only): judged by the share of the commonest English words; too short to tell counts as yes."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < ENGLISH_MIN_WORDS:
        return True
    return sum(w in _ENGLISH_WORDS for w in words) / len(words) >= ENGLISH_SHARE


def check_article_text(text: str, where: str) -> None:
    """Refuse text that cannot be an article: empty, or with absurdly long lines."""
    if not text.strip():
        raise DataError([f"{where}: empty (no text)"])
    if len(text) > MAX_ARTICLE_CHARS:
        raise DataError([f"{where}: {len(text):,} characters, more than an article can have "
                         f"({MAX_ARTICLE_CHARS:,}); split it"])
    for lineno, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise DataError([f"{where}:{lineno}: line of {len(line):,} characters (limit {MAX_LINE_CHARS:,}): "
                             "not article text?"])


def _read_checked(path: Path, name: str | None = None) -> str:
    from ..data import read_text

    try:
        return read_text(path)
    except DataError as exc:
        if name:
            raise DataError([p.replace(str(path), name) for p in exc.problems]) from None
        raise


def _articles_from_jsonl(path: Path, name: str, problems: list[str]) -> Iterator[Article]:
    """``{"id", "text"}`` per line, and optionally ``"actors"``: the names of the actors and topics this article's
    pairs are kept to with ``--listed-only`` (:attr:`Article.listed`); a bad line is reported, the others still read."""
    from ..data import read_jsonl

    stem = "stdin" if name == "<stdin>" else Path(name).stem
    for row in read_jsonl(path, {}):
        where = f"{name}:{row.line}"
        if row.error:
            problems.append(f"{where}: {row.error}")
            continue
        record = row.record or {}
        if "text" not in record:  # a scraper's fields ("title", "body", "maintext"): say which to rename
            problems.append(f"{where}: text: missing field (the line has {', '.join(map(repr, record)) or 'no fields'}; "
                            "each line needs the article as \"text\" and may give an \"id\")")
            continue
        article = _checked_article(record.get("id"), record.get("text"), f"{stem}-{row.line}", where, problems)
        if set_listed(article, record.get("actors"), where, problems) and article is not None:
            yield article


def set_listed(article: Article | None, listed, where: str, problems: list[str]) -> bool:
    """Give ``article`` its own list of names (a JSONL line's or Parquet row's ``actors``; absent or null: none);
    False when the list is bad (noted: the article is not read without it)."""
    if listed is None:
        listed = []
    if not isinstance(listed, list) or not all(isinstance(n, str) and n.strip() for n in listed):
        problems.append(f"{where}: actors: expected a list of names (strings), got {json.dumps(listed)[:80]}")
        return False
    if article is not None:
        article.listed = tuple(" ".join(n.split()) for n in listed)
    return True


def _checked_article(aid, text, default_id: str, where: str, problems: list[str]) -> Article | None:
    """One article of a JSONL line or Parquet row, or None with its problem noted (the rest still read)."""
    if not isinstance(text, str):
        problems.append(f"{where}: text: " + ("empty (null)" if text is None else
                                              f"expected a string, got {type(text).__name__}"))
        return None
    text = text_of_html(text)
    try:
        check_article_text(text, where)
    except DataError as exc:
        problems.extend(exc.problems)
        return None
    return Article(default_id if aid in (None, "") else str(aid), text, where)


def _articles_from_parquet(path: Path, name: str, problems: list[str]) -> Iterator[Article]:
    """Columns ``text`` (and ``id``; ``actors``, a list of names, as in JSONL), read a batch at a time; a bad row is
    reported as ``FILE:row N`` (from 1), the others still read. Needs pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        problems.append(f"{name}: reading Parquet needs pyarrow (pip install pyarrow)")
        return
    try:
        pf = pq.ParquetFile(path)
        columns = set(pf.schema_arrow.names)
    except Exception as exc:  # pyarrow's errors have no common base class that is not Exception
        problems.append(f"{name}: not a readable Parquet file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
        return
    if "text" not in columns:
        problems.append(f"{name}: no column 'text' (columns: {', '.join(sorted(columns)) or 'none'})")
        return
    row = 0
    for batch in pf.iter_batches(columns=[c for c in ("id", "text", "actors") if c in columns]):
        data = batch.to_pydict()
        absent = [None] * batch.num_rows
        for aid, text, listed in zip(data.get("id", absent), data["text"], data.get("actors", absent)):
            row += 1
            where = f"{name}:row {row}"
            article = _checked_article(aid, text, f"{Path(name).stem}-{row}", where, problems)
            if set_listed(article, listed, where, problems) and article is not None:
                yield article


def jsonl_holds_records(path: Path) -> bool:
    """A JSONL file of labeled/unlabeled records (has actor/target) rather than articles."""
    from ..data import head_lines, parse_json

    for line in head_lines(path, 1):
        try:
            obj = parse_json(line)
        except ValueError:
            return True  # let the record reader report it as it always has
        return not isinstance(obj, dict) or "actor" in obj or "target" in obj
    return True


def is_article_input(path: str | Path, format: str | None = None) -> bool:
    """Whether ``predict`` should treat this input as articles (else as records)."""
    if format:
        return False
    path = Path(path)
    if path.is_dir():
        return True
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return True
    if suffix in (".jsonl", ".json", ".ndjson"):
        return path.is_file() and not jsonl_holds_records(path)
    if suffix in (".csv", ".tsv"):
        return False
    if not path.is_file():
        return suffix in ARTICLE_SUFFIXES or suffix in (".md", "")  # reported as not found by the reader
    from ..data import formats, head_lines

    head = head_lines(path)
    return not any(f.detect and f.name not in ("jsonl", "csv") and f.detect(path, head) for f in formats().values())


#: The names a text file's article is about sit beside it: ``NAME.actors.json`` (a JSON list, as JSONL's "actors").
SIDECAR_SUFFIX = ".actors.json"


def sidecar_list(path: Path) -> Path:
    """Where the names of the article in text file ``path`` may be listed (``a.txt``: ``a.actors.json``)."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def _set_sidecar_list(article: Article, path: Path, problems: list[str]) -> bool:
    """Give a text file's article the names of its ``NAME.actors.json``, where there is one; False when that file
    is bad (noted: the article is not read without it, as a JSONL line with a bad "actors")."""
    sidecar = sidecar_list(path)
    if not sidecar.is_file():
        return True
    try:
        listed = json.loads(_read_checked(sidecar))
    except DataError as exc:
        problems.extend(exc.problems)
        return False
    except json.JSONDecodeError as exc:
        problems.append(f"{sidecar}:{exc.lineno}: not JSON ({exc.msg}); expected a list of names")
        return False
    return set_listed(article, listed, str(sidecar), problems)


def has_own_lists(path: Path) -> bool:
    """Whether the articles of an input may carry their own names for ``--listed-only``: JSONL or Parquet (an
    "actors" field), or text files each with its ``NAME.actors.json``."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".parquet"):
        return True
    files = _article_files(path)
    return bool(files) and all(sidecar_list(f).is_file() for f in files)


def _article_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES) \
        if path.is_dir() else [path]


def count_articles(inputs: Iterable[str | Path]) -> int:
    """How many articles :func:`iter_articles` will read at most (a text file is one, a JSONL file
    one per non-blank line): the progress bar's total, counted without parsing anything."""
    n = 0
    for item in inputs:
        for f in _article_files(Path(item)):
            if f.suffix.lower() == ".parquet":
                try:
                    import pyarrow.parquet as pq

                    n += pq.ParquetFile(f).metadata.num_rows
                except Exception:  # no pyarrow, or not Parquet: iter_articles reports it
                    pass
                continue
            if f.suffix.lower() not in (".jsonl", ".json", ".ndjson"):
                n += 1
                continue
            try:
                with open(f, "rb") as fh:
                    n += sum(1 for line in fh if line.strip())
            except OSError:
                pass  # iter_articles reports it
    return n


def iter_articles(inputs: Iterable[str | Path], problems: list[str],
                  names: dict[str, str] | None = None) -> Iterator[Article]:
    """Articles from text files, folders of them (``*.txt``, recursively) and JSONL files.

    A file that cannot be read is added to ``problems`` and skipped; the rest are read.
    ``names`` maps a path to the name to report (for standard input spooled to a file).
    """
    names = names or {}
    seen: dict[str, int] = {}
    for item in inputs:
        path = Path(item)
        files = _article_files(path)
        if path.is_dir() and not files:
            problems.append(f"{path}: folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
        for f in files:
            name = names.get(str(f), str(f))
            if f.suffix.lower() == ".parquet":
                if not f.is_file():
                    problems.append(f"{name}: file not found")
                    continue
                yield from _articles_from_parquet(f, name, problems)
                continue
            if f.suffix.lower() in (".jsonl", ".json", ".ndjson"):
                try:
                    _read_checked(f, name)  # binary / encoding problems of the whole file
                except DataError as exc:
                    problems.extend(exc.problems)
                    continue
                yield from _articles_from_jsonl(f, name, problems)
                continue
            try:
                text = text_of_html(_read_checked(f, name))
                check_article_text(text, name)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            aid = Path(name).stem if name != "<stdin>" else "stdin"
            seen[aid] = seen.get(aid, 0) + 1
            article = Article(aid if seen[aid] == 1 else f"{aid}-{seen[aid]}", text, name)
            if name == "<stdin>" or _set_sidecar_list(article, f, problems):
                yield article
