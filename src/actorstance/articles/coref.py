"""Coreference within an article, by rules: pronouns and title descriptions get the canonical
name of the actor they refer to.

News names a person in full once and then writes "he", "Mr. Obama" (short names are
resolved in :mod:`.mentions`) or "the president". On SEESAW, gold holders are such references
in a large share of sentences; without them the holder is not in the sentence at all.

- "he/him/his", "she/her/hers": the subject of the sentence or the one before, else the nearest
  earlier person, within the last few sentences, whose gender does not contradict the pronoun
  (gender comes from "Mr."/"Ms."/"Mrs." before a name, else from a common first name, else from
  an earlier pronoun resolved to that person);
- "they/them/their": likewise a group (organisation, party, "Republicans", "lawmakers") within
  the last three sentences, neither a person the recogniser labeled a group once ("Trump" as ORG)
  nor the outlet a statement was made to ("told CNN");
- "him/them" is never the subject of its own clause ("Wahlberg, a singer, endorsed him");
- "the committee", "the party", "the department": the organisation named before whose name holds
  that word; "the group", "the company", "the automaker": the organisation named just before (not a
  union, nor where someone works: "analysts at Morgan Stanley"); "the union": the union named before;
- "the president", "the senator", "the governor", "the majority leader", ...: the person the
  article introduced with that title ("President Barack Obama", "Sen. Ted Cruz", "Mitch
  McConnell, the majority leader"), the latest such before the reference, else the first; of several
  presidents, the one the article names most ("the president" of a story about Obama that names
  "President George W. Bush" too); "this president" likewise; a vice president is not one;
- "@realDonaldTrump": the person whose name the handle holds.

No learned model: a learned coreference resolver would need weights from a hub, which this
project cannot download at run time (see docs/articles.md).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Sequence

from .mentions import CHAMBERS, PUBLIC_BODY_HEADS, STATE_DESCRIPTION, STATE_NAMES, STATE_OF_CODE, US_STATES, Mention
from .segmentation import Sentence

_MASC = frozenset("he him his himself".split())
_FEM = frozenset("she her hers herself".split())
_PLURAL = frozenset("they them their themselves".split())
#: Object pronouns never refer to the subject of their own clause; a comma, "that", a verb of
#: saying or a quotation mark between them is taken as a clause boundary ("Obama said Putin called him").
_OBJECT = frozenset("him them".split())
#: "her" is an object, not a possessive, where no noun follows it: "Tsai thanked her for her support".
_HER_OBJECT = re.compile(r"\s*(?:[,.;:!?)\"”]|(?:for|to|as|at|in|on|with|from|about|after|over|into|and|but|that|because|"
                         r"if|when|of)\b)")
_POSSESSOR = re.compile(r"['’]s?(?:\s|$)")
#: A relative clause about the name just before: ", who", "(R-Ohio), who" (its subject: up to an object pronoun,
#: "Putin, who awarded him ... for his work" is not Putin's work).
_RELATIVE_WHO = re.compile(r"\s*(?:\([^()]{1,30}\)\s*)?,\s*who\b(?:(?!\b(?:him|them)\b)[^,;:.\"“”])*$")
_CLAUSE_BREAK = re.compile(r"[,;:\"“”]|\b(?:that|who|which|said|says|told|after|before|when|because|if|and|but)\b")
#: Between the sentence's grammatical subject and an object pronoun neither a comma (an apposition:
#: "Wahlberg, a member of the band, endorsed him") nor "and" (one subject, two verbs: "met Putin and praised him")
#: is a boundary.
_SUBJECT_CLAUSE_BREAK = re.compile(r"[;:\"“”]|\b(?:that|who|which|said|says|told|after|before|when|because|if)\b")
_PRONOUN = re.compile(r"\b(?:he|him|his|himself|she|her|hers|herself|they|them|their|themselves)\b"
                      r"|\bit(?=\s+(?:said|says|added|argued|warned|urged|accused|called|criticized|criticised|"
                      r"condemned|rejected|welcomed|praised|denied|insisted|blamed|defended|opposed|supports?|backed))\b",
                      re.I)  # "it" only where it speaks or takes a stance ("It said it would appeal"): an organisation

#: An organisation a statement is made to or reported by ("told CNN", "according to The New York Times",
#: "an interview with Fox News", "AFP reported") is the news source, not a group "they" goes back to.
_SOURCE_BEFORE = re.compile(r"\b(?:told|according\s+to|interviews?\s+with|(?:said|spoke)\s+(?:to|on))\s+(?:the\s+)?$", re.I)
_SOURCE_AFTER = re.compile(r"^(?:’s|'s)?\s+(?:reported|reports|first\s+reported|interview|poll)\b")


def _news_source(text: str, m: Mention) -> bool:
    return bool(_SOURCE_BEFORE.search(text[max(0, m.start - 30):m.start]) or _SOURCE_AFTER.match(text[m.end:m.end + 20]))


#: Title words and the role they name ("Sen." and "senator" are one role).
ROLES = {
    "president": "president", "vice president": "vice president", "vice-president": "vice president",
    "senator": "senator", "sen": "senator", "governor": "governor", "gov": "governor",
    "speaker": "speaker", "secretary": "secretary", "nominee": "nominee", "candidate": "candidate",
    "congressman": "congressman", "congresswoman": "congresswoman", "rep": "congressman",
    "representative": "congressman", "chairman": "chairman", "chairwoman": "chairwoman", "mayor": "mayor",
    "leader": "leader", "attorney general": "attorney general", "prime minister": "prime minister",
    "chancellor": "chancellor", "justice": "justice", "judge": "judge", "director": "director",
    "businessman": "businessman", "billionaire": "billionaire", "minister": "minister",
    "spokesman": "spokesman", "spokeswoman": "spokeswoman", "ambassador": "ambassador", "envoy": "envoy",
    "king": "king", "queen": "queen", "pope": "pope", "general": "general", "commissioner": "commissioner",
    "ceo": "chief executive", "chief executive": "chief executive", "executive": "chief executive",
}
_ROLE_WORDS = "|".join(sorted((re.escape(r) for r in ROLES), key=len, reverse=True))
#: "the president", "the former secretary of state", "the House Speaker", "the GOP nominee", "the Senate Majority
#: Leader", "the Senate's new leader" (a capitalised word, an acronym or a possessor may qualify it; the title in any
#: case); not "the president of a rival"
_DESCRIPTION = re.compile(rf"\b(?:[Tt]he|[Tt]his)\s+(?:(?:former|then-|new|top|current|outgoing|[A-Z][a-z]+|[A-Z]{{2,4}}|"
                          rf"[A-Za-z]+['’]s)\s+){{0,2}}?"
                          rf"(?i:majority\s+|minority\s+)?((?i:{_ROLE_WORDS}))\b(?!\s+(?:of\s+)?[A-Z]|\s+of\s+an?\s)")
#: (the words between may not be a possessor: "President Barack Obama's Keystone" gives Keystone no title)
#: (a full stop only after an abbreviation: "elected president. Kansas Gov. Sam Brownback" gives Brownback no title)
_TITLE_BEFORE = re.compile(rf"\b((?i:{_ROLE_WORDS}))(?:(?<=[Ss]en|[Gg]ov|[Rr]ep)\.)?\s+(?:[A-Z][\w.'’-]*(?<!['’]s)\s+){{0,3}}$")
#: A possessed title apposed before the name: "Its chief executive, Doug McMillon", "the company's CEO, Ed Stack".
_TITLE_APPOSED = re.compile(rf"\b(?:[Ii]ts|[Hh]is|[Hh]er|[Tt]heir|[\w.-]+['’]s?)\s+(?:[a-z]+\s+)?((?i:{_ROLE_WORDS})),\s+"
                            r"(?:[A-Z][\w.'’-]*\s+){0,2}$")
#: What may lie between a description and the name it introduces ("the Russian president, Vladimir Putin",
#: "the French President (Francois) Hollande"): punctuation and capitalised words only.
_APPOSED_NAME = re.compile(r"[\s,(]*(?:[A-Z][\w.'’-]*\)?\s+){0,2}$")
#: A nationality qualifying a description ("the French President"): it names only a person introduced with it.
_NATIONALITY = re.compile(r"\b(?!Republican\b)[A-Z][a-z]+(?:an|ese|ish|ch|i)\b")
#: ("Obama, the Senate's new leader said" is not an apposition: the description is the speaker)
_TITLE_AFTER = re.compile(rf"^,\s+(?:the|a|an)\s+(?:[\w'’-]+\s+){{0,3}}?((?i:{_ROLE_WORDS}))\b"
                          r"(?!\s+(?:said|says|told|added|wrote|argued|warned)\b)")

#: How far back (in sentences) a pronoun looks for its antecedent: chosen on SEESAW train's select
#: stories with the subject preference (throwaway runs: triple F1 0.190 against 0.188 with 3 and 2,
#: 0.189 with 8 and 2; docs/articles.md).
PERSON_WINDOW, GROUP_WINDOW = 5, 3
GROUP_LABELS = ("ORG", "NORP", "GROUP")


@cache
def first_names() -> dict[str, str]:
    """First name -> "f" or "m" (``resources/first_names.json``; names given to both are left out)."""
    import json

    lists = json.loads((Path(__file__).parents[1] / "resources" / "first_names.json").read_text(encoding="utf-8"))
    return {name: g for g in ("f", "m") for name in lists[g]}


def genders(text: str, mentions: list[Mention]) -> dict[str, str]:
    """Person -> "f"/"m", from "Mr."/"Ms."/"Mrs." before a mention, else from the first name."""
    gender: dict[str, str] = {}
    for m in mentions:
        if m.label == "PERSON":
            before = text[max(0, m.start - 6):m.start]
            if re.search(r"\bMr\.?\s+$", before):
                gender.setdefault(m.canonical, "m")
            elif re.search(r"\b(?:Ms|Mrs|Miss)\.?\s+$", before):
                gender.setdefault(m.canonical, "f")
    for m in mentions:
        if m.label == "PERSON" and m.canonical not in gender and len(words := m.canonical.split()) > 1:
            if g := first_names().get(words[0]):
                gender[m.canonical] = g
    return gender


def _titles(text: str, mentions: list[Mention]) -> dict[str, list[tuple[int, str]]]:
    """Role -> [(offset, canonical)] for each person the article names with a title."""
    out: dict[str, list[tuple[int, str]]] = {}
    for m in mentions:
        if m.label != "PERSON" or m.kind != "name":
            continue
        before = text[max(0, m.start - 60):m.start]
        found = [_TITLE_BEFORE.search(before) or _TITLE_APPOSED.search(before), _TITLE_AFTER.match(text[m.end:m.end + 60])]
        for f in found:
            if f:
                role = ROLES[" ".join(f.group(1).lower().split())]
                out.setdefault(role, []).append((m.start, m.canonical))
    return out


#: Heads of descriptions that refer back to an organisation ("the committee", "the department", "the group").
_ORG_HEADS = frozenset("committee department agency organization organisation group caucus party campaign "
                       "administration ministry commission council court".split())
#: Of those, the heads so generic that the organisation's name need not contain them ("the group" after the
#: "American Civil Liberties Union"): the nearest organisation named at most this many characters before (no
#: court, chamber, ministry or party: "the group" after "the Supreme Court" is not the court).
_GENERIC_ORG_HEADS, _GENERIC_ORG_CHARS = frozenset("group organization organisation".split()), 400
#: "The agency" is a public body named by another head ("the Securities and Exchange Commission", "the IRS").
_AGENCY_NAME_HEADS = frozenset("agency commission administration service bureau department office authority board "
                               "reserve".split())
_DEFINITE = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+$")
#: Words for a company that are no group on their own ("the automaker", "the bank"): a mention only when they
#: refer back to an organisation named just before.
_COMPANY_DESCRIPTION = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:[A-Za-z-]+\s+)?(company|firm|automaker|carmaker|"
                                  r"bank|lender|airline|retailer|insurer|manufacturer|network|broadcaster|newspaper|"
                                  r"publisher|union|chain|giant|startup|conglomerate|drugmaker)\b")
#: An organisation someone works at ("economists at Goldman Sachs") is not what "the company" refers back to.
_WORKPLACE = re.compile(r"\bat\s+(?:the\s+)?$")
#: Words for a public body ("the regulator", "the watchdog"): the nearest body named by an agency head before.
_BODY_DESCRIPTION = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:[A-Za-z-]+\s+)?(regulator|watchdog)\b")
_BODY_CHARS = 1500
#: Seats of government that name it: never "the company" (nor are public bodies and parties, PUBLIC_BODY_HEADS).
_SEATS = frozenset("White House|Pentagon|Kremlin|Downing Street|Elysee|Élysée|Capitol".split("|"))
#: Words in the name of a trade union: "the union" refers back only to such a name ("United Auto Workers"),
#: "the company" never does.
_UNION_NAME_WORDS = frozenset("union unions workers teamsters federation guild brotherhood confederation afl-cio "
                              "employees".split())


#: "the Trump administration", "Obama's administration": a government named after its head.
_NAMED_ADMINISTRATION = re.compile(r"\b(?!(?:The|This|That|Its|His|Her|Their|Our|Each|Every|Whole|Current|Same|New|Next|"
                                   r"Previous|Former|Last|Any|No|Another|Federal|Democratic|Republican|Senior|Top|Other|"
                                   r"Some|Several|Many|Both|All|Key|Outgoing|Incoming)\b)"
                                   r"([A-Z][a-z]+)(?:['’]s)?\s+[Aa]dministration\b")


#: "the administration", "this administration", "the same administration", "the current administration".
_SAME_ADMINISTRATION = re.compile(r"(?:(?:same|current|present|whole|entire)\s+)?administration")
#: "administration officials", "senior administration aides": the government speaking through its staff.
_ADMINISTRATION_STAFF = re.compile(r"(?:(?:senior|top|other|some|several|many)\s+)?administration\s+(?:officials?|aides?)")


def _administrations(text: str, named: list[Mention], persons: set[str]):
    """Offset -> the canonical of "the administration" there: the nearest "<surname> administration" the article
    names (before, else after), else that of the president it names ("President Barack Obama" -> "Obama
    administration"; of several, the one it names most); None where it names neither. In news "the
    administration" is the government's, not the "Food and Drug Administration" named before it. The article is
    read on the first call only (most name no administration)."""
    @cache
    def candidates() -> tuple[list[tuple[int, str]], ...]:
        surnames = {name.split()[-1] for name in persons}
        named_ones = [(m.start(), f"{m.group(1)} administration") for m in _NAMED_ADMINISTRATION.finditer(text)
                      if m.group(1) in surnames or m.group(0).endswith("administration")]  # not "Drug Administration"
        # of several presidents, the one the article names most (not "European Council President Donald Tusk")
        presidents = _titles(text, named).get("president", [])
        times = Counter(m.canonical for m in named)
        most = max((times[name] for _, name in presidents), default=0)
        return named_ones, [(at, f"{name.split()[-1]} administration") for at, name in presidents if times[name] == most]

    def at(offset: int) -> str | None:
        for found in candidates():
            if found:
                before = [f for f in found if f[0] < offset]
                return (before[-1] if before else found[0])[1]
        return None
    return at


#: An apposition that describes the organisation named just before it: "Equality Kansas, an advocacy group, said".
_APPOSITION = re.compile(r",[ \t]+(?:an?|the)[ \t]+$")
_APPOSED_GROUP = re.compile(r"[ \t]*[,;)]")


def person_names(mentions: Sequence[Mention]) -> set[str]:
    """Names the recogniser calls a person at least once: persons, whatever it labels their other mentions
    ("Trump", "chief executive Edward Stack" tagged ORG now and then)."""
    return {m.canonical for m in mentions if m.label == "PERSON"}


def resolve_group_descriptions(text: str, groups: list[Mention], named: list[Mention]) -> list[Mention]:
    """``groups`` with each definite organisation description ("the committee", "the party") named after the
    organisation it refers back to: the nearest earlier named one whose name holds its head ("House Select
    Committee on Benghazi", "Republican Party"), or, for "the group/organisation", the nearest
    organisation just before, and a group apposed to an organisation ("Equality Kansas, an advocacy group,")
    that organisation; and a mention for each company description ("the automaker") that refers back to an
    organisation named just before, and each "the regulator"/"the watchdog" that refers back to a public body;
    "the administration" is the government's (:func:`_administrations`), as is a named "Administration", and "the
    White House" the president's ("Obama White House"; both changed in place). ``named``: the named mentions, in
    text order."""
    out = []
    taken = [(m.start, m.end) for m in named + groups]
    persons = person_names(named)
    def public_body(m: Mention) -> bool:
        return m.canonical.split()[-1].lower() in _AGENCY_NAME_HEADS

    def company(m: Mention, at: int, head: str) -> bool:
        union = not _UNION_NAME_WORDS.isdisjoint(m.canonical.lower().split())
        return (m.label == "ORG" and m.canonical not in persons and (head == "union") == union and not government(m)
                and at - m.end <= (_BODY_CHARS if union else _GENERIC_ORG_CHARS) and not _news_source(text, m)
                and not _WORKPLACE.search(text, max(0, m.start - 8), m.start))  # "analysts at Morgan Stanley"

    def government(m: Mention) -> bool:  # "Congress", "the White House", a ministry or party: no company
        return m.canonical in CHAMBERS or m.canonical in _SEATS or m.canonical.split()[-1].lower() in PUBLIC_BODY_HEADS

    def body(m: Mention, at: int, head: str) -> bool:
        return public_body(m) and at - m.end <= _BODY_CHARS

    administration = _administrations(text, named, persons)
    for m in named:  # "Administration officials said": the recogniser's organisation (not short for one, NOT_SHORT_FOR)
        if m.canonical == "Administration" and (name := administration(m.start)):
            m.canonical = name
        elif m.canonical == "White House" and (name := administration(m.start)):  # the president's
            m.canonical = name.replace(" administration", " White House")
    for pattern, fits in ((_COMPANY_DESCRIPTION, company), (_BODY_DESCRIPTION, body)):
        for d in pattern.finditer(text):
            s, e = d.start(1), d.end(1)
            # "the Japanese company" refers back, "the GOP chain (of command)" does not
            if any(ts < e and s < te for ts, te in taken) or any(d.start() < m.end and m.start < e for m in named):
                continue
            antecedent = next((m for m in reversed(named) if m.end <= s and fits(m, s, d.group(1).lower())), None)
            if antecedent is not None:
                out.append(Mention(s, e, d.group(1), antecedent.canonical, antecedent.label, "reference"))
    ends = {m.end: m for m in named if m.label != "PERSON" and m.canonical not in persons}
    for g in groups:
        head = g.canonical.lower()
        if _APPOSED_GROUP.match(text, g.end) and (a := _APPOSITION.search(text, max(0, g.start - 8), g.start)) \
                and a.end() == g.start and a.start() in ends:  # "Equality Kansas, an LGBTQ advocacy group, praised"
            antecedent = ends[a.start()]
            out.append(Mention(g.start, g.end, g.text, antecedent.canonical, antecedent.label, "reference"))
            continue
        if (_ADMINISTRATION_STAFF.fullmatch(head) or _SAME_ADMINISTRATION.fullmatch(head)
                and _DEFINITE.search(text[max(0, g.start - 6):g.start])) and (name := administration(g.start)):
            out.append(Mention(g.start, g.end, g.text, name, "ORG", "reference"))
            continue
        if head in _ORG_HEADS and _DEFINITE.search(text[max(0, g.start - 6):g.start]) \
                and not any(m.start == g.end + 1 for m in named):  # "the group Save Our Neighborhoods" names it
            before = [m for m in named if m.end <= g.start and m.label != "PERSON" and m.canonical not in persons]
            antecedent = next((m for m in reversed(before) if head in m.canonical.lower().split()), None)
            if antecedent is None and head == "agency":
                antecedent = next((m for m in reversed(before) if public_body(m) and g.start - m.end <= _GENERIC_ORG_CHARS),
                                  None)
            if antecedent is None and head in _GENERIC_ORG_HEADS:
                antecedent = next((m for m in reversed(before) if m.label == "ORG" and not government(m)
                                   and g.start - m.end <= _GENERIC_ORG_CHARS and not _news_source(text, m)), None)
            if antecedent is not None:
                g = Mention(g.start, g.end, g.text, antecedent.canonical, antecedent.label, "reference")
        out.append(g)
    return sorted(out, key=lambda m: m.start)


def resolve_references(text: str, sentences: list[Sentence], mentions: list[Mention],
                       quotes: Sequence[tuple[int, int]] = (), subjects: Sequence[tuple[int, int]] = ()) -> list[Mention]:
    """Mentions for the pronouns and title descriptions of an article that can be resolved,
    each with the canonical name (and label) of its antecedent. ``mentions`` are the named
    and group mentions, sorted by offset; they are not changed (a description covers an organisation that
    qualifies it: :func:`covered`). A pronoun outside quotation
    marks does not refer to someone named only inside a quotation (``quotes``: their spans):
    '"... helps Assad," he said' is not Assad speaking. A pronoun prefers a grammatical subject
    (``subjects``: the spans of subject noun phrases) of its sentence or the first of the one before to a nearer
    name (measured on SEESAW: docs/articles.md, "Candidates of 2026-12-06" and "ninth round")."""
    quoted = lambda pos: any(qs <= pos < qe for qs, qe in quotes)  # noqa: E731
    subject_spans = sorted(subjects)  # noun phrases do not overlap: the last one starting at or before a mention
    subject_starts = [cs for cs, _ in subject_spans]

    def subject(m: Mention) -> bool:  # its head or possessor ("Clinton's aides"), not a qualifier ("the Charlie Hebdo attacks")
        k = bisect_right(subject_starts, m.start) - 1
        rest = text[m.end:subject_spans[k][1]] if k >= 0 else ""
        return k >= 0 and m.end <= subject_spans[k][1] and (not rest.strip(" .’'\"”") or _POSSESSOR.match(rest) is not None)

    starts = [s.start for s in sentences]
    sentence_of = lambda pos: max(0, bisect_right(starts, pos) - 1)  # noqa: E731
    persons = person_names(mentions)
    gender = genders(text, mentions)
    titles = _titles(text, mentions)
    mention_count = Counter(m.canonical for m in mentions)
    taken = [(m.start, m.end) for m in mentions]
    starts_of_mentions = [m.start for m in mentions]
    refs: list[Mention] = []
    for d in _DESCRIPTION.finditer(text):
        role = ROLES[" ".join(d.group(1).lower().split())]
        holders = titles.get(role)
        nationalities = _NATIONALITY.findall(d.group(0))
        if nationalities and holders:  # "the French President" is not the US president named before
            holders = [h for h in holders if all(n in text[max(0, h[0] - 60):h[0]] for n in nationalities)]
        inside = [m for m in mentions if m.start < d.end() and d.start() < m.end]
        # an organisation may qualify the title ("the GOP nominee", "the House Speaker"): the description covers it
        if not holders or any(m.label == "PERSON" or m.canonical in persons or m.end > d.start(1) for m in inside):
            continue
        k = bisect_right(starts_of_mentions, d.end() - 1)
        if k < len(mentions) and mentions[k].label == "PERSON" and mentions[k].start - d.end() <= 30 \
                and _APPOSED_NAME.match(text[d.end():mentions[k].start]):
            continue  # the description introduces the name that follows: that mention is the person
        before = [h for h in holders if h[0] < d.start()]
        canonical = (before[-1] if before else holders[0])[1]
        if role == "president" and len({h[1] for h in holders}) > 1:
            canonical = max({h[1] for h in holders}, key=lambda c: (mention_count[c], c == canonical))
        refs.append(Mention(d.start(), d.end(), d.group(0), canonical, "PERSON", "reference"))
    refs += _state_descriptions(text, mentions, taken + [(r.start, r.end) for r in refs])
    refs += _handles(text, mentions, taken)
    # pronouns, in text order, so that a resolved pronoun can fix a person's gender
    known = sorted(mentions + refs, key=lambda m: m.start)
    known_starts = [m.start for m in known]
    quote_ends = {qe: qs for qs, qe in quotes}
    for p in _PRONOUN.finditer(text):
        word = p.group(0).lower()
        here, outside = sentence_of(p.start()), not quoted(p.start())
        # a quotation's frame after it ('"... spending," he said') reads from where the quotation opened: the sentence
        # before is the one before the quotation, not the quotation's own first sentence
        lead = text[max(0, p.start() - 4):p.start()]
        if outside and (opened := quote_ends.get(p.start() - len(lead) + len(lead.rstrip(" \t")))) is not None:
            here = min(here, sentence_of(opened))
        plural, neuter = word in _PLURAL, word == "it"
        g = None if plural or neuter else ("m" if word in _MASC else "f")
        window = GROUP_WINDOW if plural or neuter else PERSON_WINDOW
        objective = word in _OBJECT or (word == "her" and _HER_OBJECT.match(text, p.end()) is not None)
        candidates = []
        for k in range(bisect_right(known_starts, p.start()) - 1, -1, -1):  # nearest first, within the window
            m = known[k]
            if here - sentence_of(m.start) > window:
                break
            if m.end > p.start() or (outside and quoted(m.start)):
                continue
            if objective and sentence_of(m.start) == here and not (
                    _SUBJECT_CLAUSE_BREAK if subject(m) else _CLAUSE_BREAK).search(text[m.end:p.start()]):
                continue  # "Wahlberg endorsed him": not Wahlberg (an object pronoun is not its clause's subject)
            is_person = m.label == "PERSON" or m.canonical in persons
            if neuter:
                fits = m.label in ("ORG", "GPE") and m.kind == "name" and not is_person and not _news_source(text, m)
            elif plural:
                fits = m.label in GROUP_LABELS and not is_person and not _news_source(text, m)
            else:
                fits = is_person and gender.get(m.canonical, g) == g
            if fits:
                candidates.append(m)
        # the person a relative clause describes ("Boehner, who announced his resignation"); else the nearest subject
        # of its own sentence, else the first subject of the one before (its main clause's, not a clause's inside it:
        # "As president, he dismissed the idea, noting that Greeks think ... He labeled" is not the Greeks), else the
        # nearest: "Mr. Reyes said Russia should drop Mr. Diaz. He added ..." is Reyes, not the nearer Diaz
        antecedent = next((m for m in candidates if not objective and sentence_of(m.start) == here
                           and _RELATIVE_WHO.match(text, m.end, p.start())), None) \
            or next((m for m in candidates if sentence_of(m.start) == here and subject(m)), None) \
            or next((m for m in reversed(candidates) if here - sentence_of(m.start) == 1 and subject(m)),
                    candidates[0] if candidates else None)
        if antecedent is None:
            continue
        if g is not None:
            gender.setdefault(antecedent.canonical, g)
        label = "PERSON" if antecedent.canonical in persons else antecedent.label
        ref = Mention(p.start(), p.end(), p.group(0), antecedent.canonical, label, "reference")
        refs.append(ref)
        k = bisect_right(known_starts, ref.start)
        known.insert(k, ref)
        known_starts.insert(k, ref.start)
    return sorted(refs, key=lambda m: m.start)


def covered(mentions: list[Mention], references: list[Mention]) -> list[Mention]:
    """``mentions`` without those inside a reference ("GOP" of "the GOP nominee" is the nominee's party, not an
    actor of its own)."""
    return [m for m in mentions if not any(r.start <= m.start and m.end <= r.end and (r.start, r.end) != (m.start, m.end)
                                           for r in references)]


#: A person's party tag after the name: "(R-Ky.)", ", R-Texas", "(D-NY)".
_TAG_AFTER = re.compile(r"^,?\s*\(?([RDI])\s?-\s?([A-Z][A-Za-z.]*(?:\s?[A-Z][a-z.]*)?)")


def _person_states(text: str, mentions: list[Mention]) -> dict[str, tuple[str, str | None]]:
    """Person -> (state, party letter or None) from how the article introduces them."""
    out: dict[str, tuple[str, str | None]] = {}
    for m in mentions:
        if m.label != "PERSON" or m.kind != "name" or m.canonical in out:
            continue
        if tag := _TAG_AFTER.match(text[m.end:m.end + 30]):
            code = tag.group(2).rstrip(".")
            state = STATE_OF_CODE.get(code) or (code if code in US_STATES else None)
            if state:
                out[m.canonical] = (state, tag.group(1))
                continue
        beside = re.search(rf"\b({STATE_NAMES})\s+(?:[A-Z][a-z]*\.?\s+){{0,2}}$", text[max(0, m.start - 40):m.start]) \
            or re.match(rf",?\s+of\s+({STATE_NAMES})\b", text[m.end:m.end + 25])  # "Kentucky Sen. X", "X of Kentucky"
        if beside:
            out[m.canonical] = (beside.group(1), None)
    return out


_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,15})\b")


def _handles(text: str, mentions: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
    """Mentions for social-media handles of people the article names ("You're wrong, @realDonaldTrump"): the
    person whose full name, else whose surname (five letters or more), the handle holds."""
    persons = sorted({m.canonical for m in mentions if m.label == "PERSON"})
    out = []
    for h in _HANDLE.finditer(text):
        if any(s < h.end() and h.start() < e for s, e in taken):
            continue
        handle = h.group(1).lower()
        fits = [p for p in persons if re.sub(r"[^a-z]", "", p.lower()) in handle] or \
            [p for p in persons if len(last := re.sub(r"[^a-z]", "", p.split()[-1].lower())) >= 5 and last in handle]
        if len(set(fits)) == 1:
            out.append(Mention(h.start(), h.end(), h.group(0), fits[0], "PERSON", "reference"))
    return out


def _state_descriptions(text: str, mentions: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
    """Mentions for "the Kentucky Republican" and the like: the person the article placed in that state (by a
    party tag, "R-Ky.", or the state beside the name), of that party where the description names one; the latest
    such before it."""
    states = _person_states(text, mentions)
    out = []
    for d in STATE_DESCRIPTION.finditer(text):
        if any(s < d.end() and d.start() < e for s, e in taken):
            continue
        party = {"Republican": "R", "Democrat": "D"}.get(d.group(2))
        fits = [m for m in mentions if m.end <= d.start() and m.canonical in states
                and states[m.canonical][0] == d.group(1) and states[m.canonical][1] in (party, None)]
        if fits:
            out.append(Mention(d.start(), d.end(), d.group(0), fits[-1].canonical, "PERSON", "reference"))
    return out
