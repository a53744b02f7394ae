"""Articles with gold stance triples: SEESAW as published, and the bundled ``*.gold.jsonl``.

A :class:`GoldArticle` is the raw text the pipeline reads plus, for each gold triple, the
sentence it belongs to as a ``[start, end)`` span of that text, so that predictions made on
our own sentence split can be lined up with the gold whatever the split.

SEESAW (Zhang, Beauchamp & Wang 2022) gives each article as a list of sentences: the text is
those sentences joined with single spaces, as the README says. Its triples name canonical
entities; a subject "None" or "Not in the list", or an object "Not in the list", is a holder
or target outside the entity list: no name can match it, so such triples are left out and
counted (``skipped``). Several annotators' copies of one triple count once.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..data import parse_json
from ..errors import DataError
from .inputs import Article

SEESAW_POLARITY = {"POS": "supportive", "NEG": "critical"}
SEESAW_UNNAMED = ("None", "Not in the list")
SEESAW_SPLITS = ("train", "valid", "test")
#: SEESAW has no dev part of its own besides valid (which we report): settings are picked on a
#: fixed fifth of the train stories, chosen by a hash of the story id ("select"), and models
#: learn from the rest ("fit").
SEESAW_PARTS = ("all", "fit", "select")


def seesaw_part(story: str) -> str:
    return "select" if zlib.crc32(story.encode()) % 5 == 0 else "fit"


@dataclass(frozen=True)
class GoldTriple:
    sentence: int  # index into GoldArticle.sentences
    actor: str
    target: str
    label: str


@dataclass
class GoldArticle:
    id: str
    text: str
    sentences: list[tuple[int, int]]  # gold sentence spans in ``text``
    triples: list[GoldTriple]
    group: str = ""
    entities: list[tuple[str, str]] = field(default_factory=list)  # (canonical name, type)
    skipped: int = 0  # triples whose holder or target is unnamed
    unnamed_sentences: frozenset[int] = frozenset()  # sentences holding such a triple

    def article(self, listed: bool = False) -> Article:
        """The raw article; ``listed``: carrying its entity list (the names ``listed_only`` keeps pairs to)."""
        return Article(self.id, self.text, self.id, tuple(name for name, _ in self.entities) if listed else ())


def gold_sentence_ids(sentence_span: tuple[int, int], gold_spans: list[tuple[int, int]]) -> set[int]:
    """The gold sentences that a sentence of our own split overlaps (the splits may differ)."""
    s, e = sentence_span
    return {k for k, (gs, ge) in enumerate(gold_spans) if gs < e and s < ge}


def _load_json(path: Path, problems: list[str]):
    try:
        return parse_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({exc})")
    except json.JSONDecodeError as exc:
        problems.append(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})")
    except ValueError as exc:
        problems.append(f"{path}: unreadable JSON ({exc})")
    return None


def seesaw_story_ids(root: str | Path, split: str, part: str = "all") -> list[str]:
    """The story (TRIPLET) ids of a split (and part of it, see ``SEESAW_PARTS``), from ``meta/*.json``."""
    root = Path(root)
    if split not in SEESAW_SPLITS:
        raise DataError([f"seesaw: unknown split {split!r}; one of {', '.join(SEESAW_SPLITS)}"])
    if part not in SEESAW_PARTS:
        raise DataError([f"seesaw: unknown part {part!r}; one of {', '.join(SEESAW_PARTS)}"])
    if not (root / "meta").is_dir() or not (root / "articles").is_dir():
        raise DataError([f"{root}: not a SEESAW folder (expected meta/, articles/ and annotations/ inside)"])
    out: list[str] = []
    problems: list[str] = []
    for f in sorted((root / "meta").glob("TRIPLET_*.json")):
        meta = _load_json(f, problems)
        story = f.stem.split("_", 1)[1]
        if isinstance(meta, dict) and meta.get("Split") == split and part in ("all", seesaw_part(story)):
            out.append(story)
    if problems:
        raise DataError(problems)
    return out


def read_seesaw(root: str | Path, split: str = "valid", part: str = "all",
                stories: list[str] | None = None) -> Iterator[GoldArticle]:
    """The articles of a SEESAW split (or of the given story ids) with their gold triples."""
    root = Path(root)
    problems: list[str] = []
    for story in stories if stories is not None else seesaw_story_ids(root, split, part):
        for art_path in sorted((root / "articles").glob(f"TRIPLET_{story}_DOCUMENT_*.json")):
            ann_path = root / "annotations" / art_path.name
            art, ann = _load_json(art_path, problems), _load_json(ann_path, problems)
            if art is None or ann is None:
                continue
            try:
                yield _seesaw_article(art_path.stem, story, art, ann)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"{art_path}: not in the SEESAW layout ({type(exc).__name__}: {exc})")
    if problems:
        raise DataError(problems)


def _seesaw_article(aid: str, story: str, art: dict, ann: dict) -> GoldArticle:
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    index_of: dict = {}
    pos = 0
    for k, sent in enumerate(art["text"]):
        s = " ".join(str(sent["text"]).split())
        if parts:
            pos += 1
        spans.append((pos, pos + len(s)))
        index_of[str(sent["id"])] = k
        parts.append(s)
        pos += len(s)
    triples, skipped, unnamed = set(), 0, set()
    for sid, items in (ann.get("sentence-level stances") or {}).items():
        for t in items or []:
            label = SEESAW_POLARITY.get(t.get("sentiment"))
            if label is None or str(sid) not in index_of:
                continue
            if t["subject"] in SEESAW_UNNAMED or t["object"] in SEESAW_UNNAMED:
                skipped += 1
                unnamed.add(index_of[str(sid)])
                continue
            triples.add(GoldTriple(index_of[str(sid)], t["subject"], t["object"], label))
    entities = [(e[0], (e[1] or ["?"])[0]) for e in ann.get("entity lists", [])]
    return GoldArticle(aid, " ".join(parts), spans, sorted(triples, key=lambda t: (t.sentence, t.actor, t.target)),
                       story, entities, skipped, frozenset(unnamed))


def read_bundled(folder: str | Path) -> Iterator[GoldArticle]:
    """``NAME.txt`` with ``NAME.gold.jsonl`` (actor, target, label, evidence): the gold sentence
    is the one of our own split that holds the evidence. Neutral gold is kept out (only
    stances are scored, as for SEESAW)."""
    from .segmentation import paragraphs, split_sentences

    folder = Path(folder)
    problems: list[str] = []
    for gold in sorted(folder.glob("*.gold.jsonl")):
        name = gold.name[: -len(".gold.jsonl")]
        txt = folder / f"{name}.txt"
        try:
            text = txt.read_text(encoding="utf-8")
            lines = gold.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{txt if not txt.is_file() else gold}: cannot read ({exc})")
            continue
        spans = [s for para in paragraphs(text) for s in split_sentences(text, *para)]
        triples = []
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                g = parse_json(line)
                actor, target, label, evidence = g["actor"], g["target"], g["label"], " ".join(g["evidence"].split())
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(f"{gold}:{lineno}: expected JSON with actor, target, label, evidence ({exc})")
                continue
            k = next((i for i, (s, e) in enumerate(spans)
                      if evidence[:60] in " ".join(text[s:e].split()) or " ".join(text[s:e].split()) in evidence), None)
            if k is None:
                problems.append(f"{gold}:{lineno}: evidence: not found in any sentence of {txt.name}")
                continue
            if label in ("supportive", "critical"):
                triples.append(GoldTriple(k, actor, target, label))
        yield GoldArticle(name, text, spans, triples, name)
    if problems:
        raise DataError(problems)


# ------------------------------------------------------------------------- name matching

#: Words that say what kind of thing a name is, not which: never enough for a match alone.
_GENERIC = frozenset("""the a an of and for on in to at by with from new national united american state states
party house senate department ministry office council committee union group administration government
president minister secretary leader general federal republic people news times post""".split())
_STOP = frozenset("""the a an of and or for on in to at by with from as is are was were be its it his her their
this that these those mr mrs ms dr""".split())


def _stem(word: str) -> str:
    w = word.lower().replace("’", "'").strip(".")  # "O’Malley" is "O'Malley"
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 6 and w.endswith("ic"):  # "Democratic" ~ "Democrats", "Islamic" ~ "Islam"
        w = w[:-2]
    return w


def _words(name: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w'’.-]*", name)


def _name_words(name: str) -> list[str]:
    """The capitalised words of a name that can identify it, folded, in order (not "United", "Party", "President")."""
    return [s for w in _words(name) if w[0].isupper() and len(w) > 1 and (s := _stem(w)) not in _GENERIC]


def names_match(a: str, b: str) -> bool:
    """The lenient canonical-name rule used for scoring and for labeling training pairs: the
    same name; or a shared capitalised name word ("Obama" ~ "Barack Obama", "Republicans" ~
    "Republican Party"; words like "United" or "Party" alone do not count); or all content
    words of one name inside the other ("the filibuster" ~ "filibuster",
    "executive action" ~ "executive action on immigration"). Plurals and possessives are
    folded first."""
    if " ".join(a.lower().split()) == " ".join(b.lower().split()):
        return True
    if set(_name_words(a)) & set(_name_words(b)):
        return True
    ca, cb = ({_stem(w) for w in _words(n) if w.lower() not in _STOP} for n in (a, b))
    inside = (ca <= cb and ca - _GENERIC) or (cb <= ca and cb - _GENERIC)  # "Party" alone is inside too much
    return bool(ca and cb and inside)


def same_surname(a: str, b: str) -> bool:
    """Whether two person names could be one person: unless each has two or more name words, the last name word of
    one is among the other's, or begins the other's last ("Obama" ~ "Barack Obama", "Michael Steel" ~ "Michael
    Steele" as an annotator spelled him; not "John Weaver" ~ "John Kasich", whom :func:`names_match` joins by
    their first name). Used where a bystander sharing a first name would be kept as a listed person
    (:func:`.pairs.listed_pairs`); scoring keeps the lenient rule the issue set."""
    wa, wb = _name_words(a), _name_words(b)
    if len(wa) < 2 or len(wb) < 2:
        return True
    return wa[-1] in wb or wb[-1] in wa or wa[-1].startswith(wb[-1]) or wb[-1].startswith(wa[-1])
