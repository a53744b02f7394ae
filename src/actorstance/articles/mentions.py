"""Who is mentioned in an article: detected names resolved to canonical names (the actor file,
short names "Kovac" -> "Elena Kovac", acronyms, common short forms), and groups named by a
common noun ("lawmakers"), from the parser's noun phrases.

The detectors (:mod:`.detectors`) return raw ``(start, end, label)`` spans per text;
:func:`resolve_mentions` turns them, together with the actor file (:mod:`.lexicon`), into
:class:`Mention` objects whose ``canonical`` name is the same within an article and, through
the actor file, across articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

from .detectors import ACTOR_LABELS, NOUN_PHRASE, ORG_HEADS, PREDICATE_OF_PERSON, STOP_WORDS, TITLE_WORDS
from .lexicon import ActorLexicon


@dataclass
class Mention:
    """An actor mention: ``text`` is ``article[start:end]``; ``canonical`` names the actor."""

    start: int
    end: int
    text: str
    canonical: str
    label: str
    kind: str = "name"  # "name", "group" (a common-noun group), "reference" (pronoun, title), "topic"


# ------------------------------------------------------------------------ mention resolution

_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


#: "Barack Obama’s Keystone" (one PERSON to the recogniser): the possessor is the name.
_INNER_POSSESSIVE = re.compile(r"(?:'s|’s)\s+\S")
#: Entity types whose possessor is cut off; not organisations ("Dick's Sporting Goods").
_POSSESSOR_LABELS = ("PERSON", "GPE", "NORP")
#: US states, for a person the recogniser runs into the state of a place before it
#: ("after a rally in Dayton, Ohio Trump returned": a heading glued to the next sentence).
US_STATES = frozenset("""Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia
Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota
Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee Texas Utah Vermont
Virginia Washington Wisconsin Wyoming""".split()) | {"New Hampshire", "New Jersey", "New Mexico", "New York",
                                                   "North Carolina", "North Dakota", "Rhode Island", "South Carolina",
                                                   "South Dakota", "West Virginia"}
STATE_NAMES = "|".join(sorted(US_STATES, key=len, reverse=True))
#: How party tags shorten a state ("R-Ky.", "D-Calif.", "R-KY"): NAME:AP-ABBREVIATION:POSTAL-CODE ("-": written out).
_STATE_CODES = """
Alabama:Ala:AL Alaska:-:AK Arizona:Ariz:AZ Arkansas:Ark:AR California:Calif:CA Colorado:Colo:CO
Connecticut:Conn:CT Delaware:Del:DE Florida:Fla:FL Georgia:Ga:GA Hawaii:-:HI Idaho:-:ID Illinois:Ill:IL
Indiana:Ind:IN Iowa:-:IA Kansas:Kan:KS Kentucky:Ky:KY Louisiana:La:LA Maine:-:ME Maryland:Md:MD
Massachusetts:Mass:MA Michigan:Mich:MI Minnesota:Minn:MN Mississippi:Miss:MS Missouri:Mo:MO Montana:Mont:MT
Nebraska:Neb:NE Nevada:Nev:NV New_Hampshire:N.H:NH New_Jersey:N.J:NJ New_Mexico:N.M:NM New_York:N.Y:NY
North_Carolina:N.C:NC North_Dakota:N.D:ND Ohio:-:OH Oklahoma:Okla:OK Oregon:Ore:OR Pennsylvania:Pa:PA
Rhode_Island:R.I:RI South_Carolina:S.C:SC South_Dakota:S.D:SD Tennessee:Tenn:TN Texas:-:TX Utah:-:UT
Vermont:Vt:VT Virginia:Va:VA Washington:Wash:WA West_Virginia:W.Va:WV Wisconsin:Wis:WI Wyoming:Wyo:WY
"""
STATE_OF_CODE = {code: name.replace("_", " ") for row in _STATE_CODES.split() for name, *codes in [row.split(":")]
                  for code in codes if code != "-"}
#: "the Kentucky Republican", "the former Florida governor", "the New York billionaire": a person (coreference's
#: business), not the state
STATE_DESCRIPTION = re.compile(rf"\b[Tt]he\s+(?:(?:former|then-|junior|senior|freshman)\s+)?({STATE_NAMES})\s+"
                               r"(Republican|Democrat|senator|congressman|congresswoman|governor|lawmaker|billionaire|"
                               r"businessman|mayor)\b(?!\s+(?:[Pp]arty|[A-Z]))")
#: "City, State " or "in State " before a person's name: the state is no part of it ("Rep. Virginia Foxx" is).
_PLACE_BEFORE = re.compile(r"(?:[A-Z][\w.-]*, |\bin )$")


#: Titles that are part of how a person is named ("King Charles III", "Pope Francis", "Prince Mohammed bin Salman").
_NAME_TITLES = frozenset("king queen prince princess pope sheikh emir sir dame lord lady".split())
#: A preposition inside a person's name is the recogniser running on past it ("Rubio on Facebook").
_PERSON_RUN_ON = re.compile(r"\s+(?:on|at|in|to|for|with|from|about|after|before|during|via)\s")
#: A one-word "person" in an owner's possessive before a company name is the company ("Dick's Sporting Goods").
_STORE_POSSESSIVE = re.compile(r"['’]s[ \t]+")
#: Last words of a public body's or party's name ("Justice Department", "Republican Party"): never a company.
PUBLIC_BODY_HEADS = frozenset("agency commission administration service bureau department office authority board reserve "
                              "ministry committee council court government party campaign cabinet parliament".split())
_OWNER_BEFORE = re.compile(r"\b([A-Z][a-z]+)['’]s[ \t]+$")


def _clean(text: str, start: int, end: int, label: str = "") -> tuple[int, int]:
    """Drop a leading "the" and a trailing possessive from an entity span; a person's or a
    place's name that runs on past a possessive ends there; a person's that starts with the
    state of a place before it ("Dayton, Ohio Trump") starts after it."""
    start, end = _strip(text, start, end)
    span = text[start:end]
    if label == "PERSON" and _PLACE_BEFORE.search(text[max(0, start - 40):start]):
        words = span.split()
        for k in (2, 1):
            if len(words) > k and " ".join(words[:k]) in US_STATES:
                start += span.index(words[k])
                span = text[start:end]
                break
    while label == "PERSON" and len(words := span.split()) > 2 and words[0].lower().rstrip(".") in TITLE_WORDS \
            and words[0].lower() not in _NAME_TITLES and all(w[0].isupper() for w in words[1:]):
        start += span.index(words[1])  # "Councilor Belinda Ray": a title the recogniser took into the name
        span = text[start:end]
    m = _PERSON_RUN_ON.search(span)
    if label == "PERSON" and m:  # "a smear of Rubio on Facebook": a name holds no such word
        end = start + m.start()
        span = text[start:end]
    m = re.match(r"(?:[Tt]he)\s+", span)
    if m and end - start > m.end():
        start += m.end()
        span = text[start:end]
    m = _INNER_POSSESSIVE.search(span)
    if m and m.start() > 0 and label in _POSSESSOR_LABELS:
        end = start + m.start()
        span = text[start:end]
    m = _POSSESSIVE.search(span)
    if m and m.start() > 0:
        end = start + m.start()
    while end > start and text[end - 1] in ".,;:":
        if text[end - 1] == "." and re.search(r"(?:^|[\s.])[A-Z]\.$", text[start:end]):
            break  # keep "U.S."
        end -= 1
    return _strip(text, start, end)


def resolve_mentions(text: str, raw: list[tuple[int, int, str]], lexicon: ActorLexicon,
                     labels=ACTOR_LABELS) -> list[Mention]:
    """Mentions of actors in one article, with canonical names.

    Actor-file aliases win over detected entities they overlap (the file is the user's word);
    other entities of an actor type keep their own name, unless it is a short form of a
    longer name in the same article ("Morozan" after "General Anton Morozan"). Places named
    as places and datelines are dropped; names the recogniser found once are found again
    where it missed them.
    """
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    ent_label = {}
    raw = [r for r in raw if not r[2].startswith(NOUN_PHRASE)]
    for s, e, lab in raw:
        ent_label[(s, e)] = lab
    for s, e, canonical in lexicon.find(text):
        overlap = [(min(e, re_) - max(s, rs), lab) for (rs, re_), lab in ent_label.items() if rs < e and s < re_]
        lab = max(overlap)[1] if overlap else "ALIAS"
        mentions.append(Mention(s, e, text[s:e], canonical, lab))
        taken.append((s, e))
    person_words = {w for s, e, lab in raw if lab == "PERSON" for w in text[s:e].split()}
    for s, e, lab in sorted(raw):
        run_on = _PERSON_RUN_ON.search(text, s, e)
        if lab == "ORG" and run_on and set(text[s:run_on.start()].split()) <= person_words:
            lab = "PERSON"  # "Rubio on Facebook" after "Marco Rubio"
        if lab not in labels and lab != "MISC":
            if not lexicon.lookup(text[s:e]):
                continue
        s, e = _clean(text, s, _extend_name(text, e) if lab == "PERSON" else e, lab)
        if e <= s or any(ts < e and s < te for ts, te in taken):
            continue
        name = " ".join(text[s:e].replace("[", "").replace("]", "").split())  # "[John] Boehner": an editor's insertion
        if not re.search(r"[A-Z]", name):
            continue
        mentions.append(Mention(s, e, text[s:e], lexicon.lookup(name) or name, lab))
        taken.append((s, e))
    person_starts = {m.start for m in mentions if m.label == "PERSON"}
    # datelines, a party (and state) apposed to a person, and a politician's state ("Shelley Moore Capito of West Virginia")
    person_ends = [m.end for m in mentions if m.label == "PERSON"]
    no_actors = [(d.start(), d.end()) for d in DATELINE.finditer(text)] + party_appositions(text, person_ends)
    home_states = {f.start(1) for e in person_ends if (f := _HOME_STATE.match(text, e))}  # a place, not "Jones of Infowars"
    home_states |= {d.start(1) for d in STATE_DESCRIPTION.finditer(text)}
    lower_words = set(re.findall(r"\b[a-z][a-z-]+\b", text))
    mentions = [m for m in mentions if text[m.start - 1:m.start] != "#" and not is_location(text, m) and not is_adjectival(text, m)
                and not is_capitalised_word(text, m, lower_words)
                and not is_office(text, m) and not is_party_tag(text, m) and not is_state_code(text, m) and not is_credit(text, m)
                and not is_affiliation_of(text, m, person_starts) and not (m.label == "GPE" and m.start in home_states)
                and not any(ds <= m.start and m.end <= de for ds, de in no_actors)]
    mentions += _repeat_mentions(text, mentions, taken)
    mentions = _possessive_companies(text, sorted(mentions, key=lambda m: m.start))
    _resolve_short_names(mentions, lexicon)
    us_congress = bool(US_CONGRESS.search(text))
    for m in mentions:  # "U.S." and "United States" are one actor; an actor file's names stay as given
        if m.canonical not in lexicon.canonicals:
            m.canonical = COMMON_ALIASES.get(m.canonical, m.canonical)
            if us_congress:  # "the Senate" of an article about Congress (a state's is "Arizona Senate", a short name)
                m.canonical = US_CHAMBERS.get(m.canonical, m.canonical)
    return mentions


def _possessive_companies(text: str, mentions: list[Mention]) -> list[Mention]:
    """A company named for its owner ("Dick's Sporting Goods", read by the recogniser as the organisation
    "Sporting Goods", and "Dick" as a person) as one organisation, and the owner's word in a possessive elsewhere
    ("Dick's chief executive") as that company; only where the article never writes that word outside a
    possessive (it names Obama elsewhere) and the organisation is no public body ("Obama's Justice Department")."""
    companies: dict[str, str] = {}
    for m in mentions:
        owner = _OWNER_BEFORE.search(text, max(0, m.start - 40), m.start)
        if m.label == "ORG" and owner and owner.end() == m.start and m.canonical.split()[-1].lower() not in PUBLIC_BODY_HEADS \
                and not re.search(rf"\b{re.escape(owner.group(1))}\b(?!['’]s\b)", text):
            companies[owner.group(1)] = f"{owner.group(1)}'s {m.canonical}"
            m.start, m.text, m.canonical = owner.start(), text[owner.start():m.end], companies[owner.group(1)]
    if not companies:
        return mentions
    out = []
    for m in mentions:
        name = companies.get(m.text)
        if name is not None and _STORE_POSSESSIVE.match(text, m.end):
            if any(o.start <= m.start and m.end < o.end for o in mentions):
                continue  # the company's own first word
            m.canonical, m.label = name, "ORG"
        out.append(m)
    return out


#: Short forms of actors that news names in many ways, with the full name as canonical (the form
#: reference works such as Wikidata use), so that an article's "U.S." and "United States" merge.
#: Short names of a full name in the same article are resolved anyway (:func:`_resolve_short_names`).
COMMON_ALIASES = {alias: full for full, aliases in {
    "United States": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain"],
    "United Nations": ["UN", "U.N."],
    "European Union": ["EU", "E.U."],
    "Republican Party": ["GOP"],
    "Democratic Party": ["Dems"],
    "Affordable Care Act": ["Obamacare", "ObamaCare", "ACA"],
    "Islamic State": ["ISIS", "ISIL", "Daesh", "Islamic State of Iraq and Syria", "Islamic State of Iraq and the Levant"],
    "Federal Bureau of Investigation": ["FBI"],
    "Justice Department": ["DOJ", "Department of Justice"],
    "Central Intelligence Agency": ["CIA"],
    "National Security Agency": ["NSA"],
    "Internal Revenue Service": ["IRS"],
    "Environmental Protection Agency": ["EPA"],
    "National Rifle Association": ["NRA"],
    "World Health Organization": ["WHO"],
    "International Monetary Fund": ["IMF"],
}.items() for alias in aliases}


#: A chamber named alone in an article about the U.S. Congress is one of its two: "the House" and "the Senate" read
#: as "United States House of Representatives" and "United States Senate" (SEESAW's names; "House" alone
#: matched neither).
US_CHAMBERS = {alias: full for full, aliases in {
    "United States Senate": ["Senate", "U.S. Senate", "US Senate"],
    "United States House of Representatives": ["House", "U.S. House", "US House", "House of Representatives",
                                               "U.S. House of Representatives"],
}.items() for alias in aliases}
US_CONGRESS = re.compile(r"\b(?:Congress|[Cc]ongressional|Capitol Hill|U\.S\. (?:Senate|House)|Sen\.|Rep\.|[RD]-[A-Z][a-z]*\.?)")


#: Lower-case particles inside names ("Ursula von der Leyen", "Charles de Gaulle").
_NAME_PARTICLES = r"(?:(?:von|van|der|den|de|da|di|du|del|della|dos|bin|ibn|al|el|la|le)\s+)*"


def _extend_name(text: str, end: int) -> int:
    """A person cut short by the recogniser ("Johanna" of "Johanna Richter", "Ursula von" of
    "Ursula von der Leyen") gets the capitalised words that directly follow, and the name
    particles before them."""
    while True:
        m = re.match(r" (" + _NAME_PARTICLES + r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?![.'’]\w)", text[end:end + 40])
        if not m or m.group(1).lower() in STOP_WORDS | TITLE_WORDS:
            return end
        end += m.end()


def _repeat_mentions(text: str, mentions: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
    """Names found once, found everywhere in the article: the recogniser misses some
    occurrences ("Kovac said" after "Elena Kovac"), so every other occurrence of a detected
    name, and of a person's surname (when only one person has it), becomes a mention too."""
    forms: dict[str, tuple[str, str]] = {}
    surnames: dict[str, set] = {}
    for m in mentions:
        forms.setdefault(" ".join(m.text.split()), (m.canonical, m.label))
        words = m.canonical.split()
        if (len(words) > 1 and m.label in ("PERSON", "ORG", "MISC") and len(words[-1]) > 2
                and words[-1].lower() not in ORG_HEADS  # a person's surname, not "Council"
                and not any(m.canonical.endswith(other) for other in NOT_SHORT_FOR.get(words[-1], ()))):
            surnames.setdefault(words[-1], set()).add((m.canonical, m.label))
    for name, owners in surnames.items():
        if len(owners) == 1:
            forms.setdefault(name, next(iter(owners)))
    local = ActorLexicon({f: [] for f in forms})
    out = []
    for s, e, form in local.find(text):
        if not any(ts < e and s < te for ts, te in taken):
            canonical, label = forms[form]
            out.append(Mention(s, e, text[s:e], canonical, label))
            taken.append((s, e))
    return out


#: "DOHA, March 14 (Wire) -": where and by whom the story was filed, not who acts in it.
DATELINE = re.compile(r"(?m)^[A-Z][A-Z.'/ -]{2,}(?:,(?:[^\n]{0,40}?\)\s*[-–—])?|\s*(?:[–—]|--|-(?=\s))"
                      r"|\s*\([^)\n]{1,40}\)\s*(?:[-–—]|--))"  # also "WASHINGTON —", "WASHINGTON - ", "--", "BRUSSELS (Reuters) -"
                      r"|(?<=[.!?”\"] )[A-Z][A-Z.'/]+(?: [A-Z][A-Z.'/]+)*[ \t]*(?:[–—]|--)(?=\s+[A-Z])")  # or opening one
_LOCATIVE = re.compile(r"(?:\b(?:in|at|near|outside|inside|around|across|throughout)|"
                       r"\b(?:city|town|village|capital|region|province|state) of)\s+$", re.I)
#: "from"/"to" mark places only where the recogniser says it is a place ("spoken to Minister X").
_LOCATIVE_PLACE = re.compile(r"\b(?:from|to)\s+$", re.I)
_GOVERNED = re.compile(r"\b(?:authorities|government|officials|leaders|leadership|people|forces|army|military|"
                       r"ministry|embassy|regime|parliament|opposition|allies|envoy|ambassador)\s+in\s+$", re.I)


def is_location(text: str, m: Mention) -> bool:
    """A place named as a place ("talks in Geneva", "the city of Merevan", "a Democrat from
    Iowa", "a Geneva-based think tank"), not as an actor ("accused Washington", "ties with Moscow")."""
    if m.label not in ("GPE", "LOC", "FAC", "MISC"):
        return False
    if text[m.end:m.end + 6] == "-based":  # "a Geneva-based think tank"
        return True
    before = text[max(0, m.start - 30):m.start]
    locative = _LOCATIVE.search(before) or (m.label != "MISC" and _LOCATIVE_PLACE.search(before))
    return bool(locative) and not _GOVERNED.search(before)


_ACRONYM = re.compile(r"[A-Z](?:\.?[A-Z]){1,5}\.?")
_NOT_INITIALS = frozenset({"of", "the", "for", "and", "on", "in", "to", "&"})


def initials(name: str) -> str:
    """"Internal Revenue Service" -> "IRS", "Federation of American Scientists" -> "FAS"."""
    return "".join(w[0].upper() for w in re.findall(r"[\w&-]+", name) if w.lower() not in _NOT_INITIALS)


#: Full names whose last word, alone, names something else: "the House" is a chamber of Congress,
#: not the White House, nor the "Obama White House" (in SEESAW's US news a House vote was otherwise the president's
#: office's act); "Administration officials" are the government's, not the "Food and Drug Administration"'s; "the
#: White House" of a story about Obama is not the "Bush White House" it names too.
NOT_SHORT_FOR = {"House": frozenset({"White House"}), "Administration": frozenset({"Administration"}),
                 "White House": frozenset({"White House"})}


def _resolve_short_names(mentions: list[Mention], lexicon: ActorLexicon) -> None:
    """Point "Kovac" at "Elena Kovac", "Vireo" at the organisation "Vireo Technologies" and
    "IRS" at "Internal Revenue Service" (the nearest earlier full name, else the first later one)."""
    longer = [(m.start, m.canonical, m.canonical.split(), m.label) for m in mentions if len(m.canonical.split()) > 1]
    full = [f for f in longer if f[3] not in ("GPE", "NORP")]
    known = lexicon.canonicals
    # one-word names the recogniser also tags as something other than a place: a surname it calls a
    # place now and then ("Menendez" after "Sen. Robert Menendez")
    not_only_places = {m.canonical for m in mentions if m.label not in ("GPE", "NORP", "LOC", "FAC")}
    for m in mentions:
        if m.canonical in known:
            continue
        words = m.canonical.split()
        n = len(words)
        if _ACRONYM.fullmatch(m.canonical):  # any label: the recogniser calls "NRA" a place at times
            letters = m.canonical.replace(".", "")
            candidates = [(start, name) for start, name, _, _ in longer if initials(name) == letters]
        elif m.label in ("GPE", "NORP"):
            if n > 1:
                continue
            # a surname the recogniser calls a place: tagged otherwise elsewhere ("Menendez"), or after the person's
            # full name ("accused Scholz of weakness" after "Olaf Scholz")
            candidates = [(start, name) for start, name, fw, label in full if label == "PERSON" and fw[-1] == m.canonical
                          and (m.canonical in not_only_places or start < m.start)]
        else:
            candidates = [(start, name) for start, name, fw, label in full
                          if len(fw) > n and (fw[-n:] == words or (label == "ORG" and fw[:n] == words))
                          and not any(name.endswith(other) for other in NOT_SHORT_FOR.get(m.canonical, ()))]
            if not candidates and n == 1:  # a family name written first ("Wang" of "Wang Wenbin"), or a first name alone
                candidates = [(start, name) for start, name, fw, label in full if label == "PERSON" and fw[0] == words[0]]
                if len({name for _, name in candidates}) > 1:  # two people share it: say neither
                    candidates = []
        if not candidates:
            continue
        before = [c for c in candidates if c[0] < m.start]
        m.canonical = (max(before) if before else min(candidates))[1]


# ----------------------------------------------------------------------- nominal groups

#: Head nouns of noun phrases that name groups of people who can hold a stance: plurals, and
#: collective nouns (a singular "the senator" is a person: :mod:`.coref` resolves it).
GROUP_HEADS = frozenset("""
voters lawmakers legislators officials critics supporters opponents activists advocates conservatives liberals
progressives moderates democrats republicans senators congressmen members leaders residents citizens workers
employers businesses groups protesters protestors demonstrators immigrants nationalists supremacists police
officers investigators prosecutors judges justices analysts experts economists scientists doctors teachers students
parents families americans evangelicals donors candidates aides allies administration government campaign
committee agency department court lobby industry unions party congress lawyers attorneys diplomats governors
mayors legislature house senate military troops forces rebels insurgents militants authorities regulators
executives companies banks insurers lobbyists organizers delegates skeptics opposition gop group coalition
caucus organization organizations network council neighbors neighbours
politicians contenders hopefuls caucusgoers challengers nominees refugees migrants victims survivors soldiers
journalists reporters christians muslims catholics jews blacks whites colleagues
investors shareholders consumers customers dealers farmers publishers retailers automakers manufacturers
landlords tenants nurses patients employees strikers federation association alliance partners utilities
mediators negotiators hostages prisoners detainees
""".split())
_DETERMINERS = frozenset("""the a an this that these those his her its their our my your some many most all both
any each every several such other another no""".split())


#: List bullets and dashes that open a line ("• Briggs defended it."): never part of a name.
_LEADING_MARKS = frozenset("•·▪‣◦●○■□►▶*–—-")


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _LEADING_MARKS):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def clean_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """A noun phrase without its determiner or possessor: "Mr. Obama's executive action" ->
    "executive action", "the filibuster" -> "filibuster"."""
    start, end = _strip(text, start, end)
    span = text[start:end]
    owner = list(re.finditer(r"[’']s\s+", span))
    if owner:
        start += owner[-1].end()
    while True:
        m = re.match(r"([\w-]+)\s+", text[start:end])
        if not m or m.group(1).lower() not in _DETERMINERS:
            break
        start += m.end()
    return start, end


def phrase_name(text: str, start: int, end: int, proper_first: bool = False) -> str:
    """The canonical form of the common-noun phrase ``text[start:end]``: single spaces, and a
    first word capitalised only because it starts a sentence in lower case ("Lawmakers" ->
    "lawmakers"; "Senate Republicans", "a Geneva-based group" keep theirs, and so does a first
    word the recogniser tagged, ``proper_first``: "Democratic contenders")."""
    words = text[start:end].split()
    sentence_initial = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?\"“‘'"
    if (words and sentence_initial and not proper_first and not words[0].isupper()
            and not any(w[0].isupper() for w in words[1:])):
        words[0] = words[0].lower()
    return " ".join(words)


def noun_phrases(raw: list[tuple[int, int, str]]) -> list[tuple[int, int, str, str]]:
    """``(start, end, root tag, root dependency)`` of the detector's noun phrases."""
    out = []
    for s, e, lab in raw:
        if lab.startswith(NOUN_PHRASE + ":"):
            _, tag, dep = lab.split(":", 2)
            out.append((s, e, tag, dep))
    return out


#: Chambers that qualify a group ("Senate Republicans", "House Democrats"): the group is the actor.
CHAMBERS = frozenset({"Senate", "House", "Congress", "Parliament", "Assembly", "Legislature"})


_THINGS = re.compile(r"(?:things|lots?)[ \t]+(?=[a-z])")


def group_mentions(text: str, raw: list[tuple[int, int, str]], taken: list[Mention]) -> list[Mention]:
    """Groups named by a common noun ("lawmakers", "Senate Republicans", "the administration"),
    from the detector's noun phrases, where no named mention overlaps them, except a chamber
    that qualifies the group (the recogniser's "Senate" in "Senate Republicans": the caller
    drops the mentions a group covers)."""
    out = []
    for s, e, tag, dep in noun_phrases(raw):
        head = re.findall(r"[\w-]+", text[s:e].lower())
        # what a named subject is ("they were fierce critics"): the subject is the actor
        if not head or head[-1] not in GROUP_HEADS or tag in ("PRP", "PRP$", "WP", "WDT") or dep == PREDICATE_OF_PERSON:
            continue
        s, e = clean_phrase(text, s, e)
        if lead := _THINGS.match(text, s, e):  # "a lot of things conservatives ... don't like": the conservatives
            s = lead.end()
        if e <= s or any(m.start < e and s < m.end and not (s <= m.start and m.end < e and m.text in CHAMBERS)
                         for m in taken):
            continue
        tagged = any(rs <= s < re_ for rs, re_, lab in raw if not lab.startswith(NOUN_PHRASE))  # "Democratic", NORP
        out.append(Mention(s, e, text[s:e], phrase_name(text, s, e, tagged), "GROUP", "group"))
    return out


_OFFICE = re.compile(r"\b(?:[Ss]ecretary|[Mm]inister|[Ss]ecretary-[Gg]eneral)\s+of\s+(?:the\s+)?$")


def is_office(text: str, m: Mention) -> bool:
    """The portfolio of a title ("Secretary of State", "Minister of Foreign Affairs"): part of
    a person's title, not an actor."""
    return m.label != "PERSON" and _OFFICE.search(text[max(0, m.start - 30):m.start]) is not None


_PARTY_TAG = re.compile(r"(?:^|[\s(,])[RDI]\s?-\s?$")


def is_state_code(text: str, m: Mention) -> bool:
    """A state as news agencies abbreviate it, with its full stop ("Sen. John McCain (Ariz.)", "Orlando, Fla."):
    where someone or something is, not an actor."""
    code = m.text.rstrip(".")
    return m.label != "PERSON" and code in STATE_OF_CODE and text.startswith(".", m.start + len(code))


def is_party_tag(text: str, m: Mention) -> bool:
    """The state of a US politician's party tag ("Sen. Ted Cruz (R-Texas)", "D-N.Y."): who the
    politician is, not an actor of its own."""
    return m.label != "PERSON" and _PARTY_TAG.search(text[max(0, m.start - 4):m.start]) is not None


#: Picture agencies of a photo credit ("Jane Doe / AFP / Getty Images", "AFP/Getty Images").
_AGENCY = r"(?:AFP|AP|Getty Images|Reuters|EPA|Pool|Sipa|Zuma|Redux|via Getty)"
_CREDIT_AFTER = re.compile(rf"\s?/\s?(?:[^/\n.]{{0,60}}?/\s?)?{_AGENCY}\b|\s?/\s?[^/\n.]{{0,40}}?\bvia Getty")
_CREDIT_BEFORE = re.compile(rf"(?:\b{_AGENCY}\s?/\s?|\b(?:Photo(?:graph)?(?: by)?|Credit|Image):\s?)$")


def is_credit(text: str, m: Mention) -> bool:
    """A name in a photo credit ("TIMOTHY A. CLARY / AFP", "Photo: Jane Doe") or the agency
    itself ("Getty Images"): captions that web pages leave in the article text, not actors."""
    if re.search(r"\bGetty\b", m.text) or (m.text in ("AFP", "AP") and "/" in text[max(0, m.start - 3):m.end + 3]):
        return True
    return bool(_CREDIT_AFTER.match(text, m.end) or _CREDIT_BEFORE.search(text[max(0, m.start - 30):m.start]))


_POSSESSIVE_TITLES = [re.compile(r"['’]s\s+((?:[A-Za-z-]+\s+){%d})([A-Za-z]+)\.?,?\s+" % k) for k in range(4)]
#: The same without the possessive: "U.S. Trade Representative Katherine Tai", "Russian Foreign Minister ...".
_PLAIN_TITLES = [re.compile(r"[ \t]+((?:[A-Z][A-Za-z-]*[ \t]+|of[ \t]+){%d})([A-Z][a-z]+)\.?[ \t]+" % k) for k in range(4)]


#: A place's group that is not its government: "Britain's main opposition party", "America's farmers" (the group
#: holds the stance, not the country; "Britain's government", "Russia's military" are the country acting).
_POSSESSED_GROUP = re.compile(r"['’]s[ \t]+((?:[a-z-]+[ \t]+){0,3}[a-z]+)\b")
_STATE_GROUPS = frozenset("""government administration authorities officials leaders leadership forces army military
troops police parliament legislature senate house congress regime ministry embassy diplomats court campaign agency
department committee council coalition industry lobby network""".split())  # "Russia's campaign" is Russia's act


def is_affiliation_of(text: str, m: Mention, person_starts: set[int]) -> bool:
    """A place or organisation whose title a person carries ("Michigan's governor, Paul Novak",
    "Russia's ambassador Sergei Baranov", "U.S. Trade Representative Katherine Tai", "FIFA President
    Gianni Infantino"; not a chamber: "House Speaker John Boehner"), or a place
    whose non-governing group is named ("Britain's main opposition party"): part of the person's or
    group's description, not an actor beside them."""
    if m.label == "PERSON":
        return False
    if m.label == "GPE" and (g := _POSSESSED_GROUP.match(text, m.end)):
        head = next((w for w in g.group(1).split() if w in GROUP_HEADS or w in _STATE_GROUPS), None)
        if head is not None and head not in _STATE_GROUPS:
            return True
    # "FIFA President Gianni Infantino"; not a chamber ("House Speaker John Boehner": SEESAW's gold has the House hold
    # stances of its speaker's)
    plain = (p.match(text, m.end) for p in _PLAIN_TITLES) if m.label == "GPE" or (
        m.label == "ORG" and not CHAMBERS.intersection(m.text.split())) else ()
    found = chain((p.match(text, m.end) for p in _POSSESSIVE_TITLES), plain)  # "Germany's finance minister, Klaus Berger"
    return any(f is not None and f.group(2).lower() in TITLE_WORDS and f.end() in person_starts for f in found)


#: "Representative Richard Neal of Massachusetts": the place a politician is from, part of who they are.
_HOME_STATE = re.compile(r"[ \t]+of[ \t]+([A-Z])")
#: A party after a person's name, with a place or "a": "Oscar Leeser, a Democrat,", "Robert Menendez, New Jersey Democrat";
#: or a member's seat: "Rachael Maskell, the Labour MP for York Central,".
_PARTY_APPOSITION = re.compile(r",[ \t]+(?:(?:a|an)[ \t]+)?(?:[A-Z][\w.'’-]*[ \t]+){0,3}"
                               r"(?:Democrat|Republican|Independent|Labour|Conservative|Tory|Liberal Democrat)\b"
                               r"|,[ \t]+(?:the|a|an)[ \t]+(?:[A-Z][\w.'’-]*[ \t]+){0,3}(?:MP|MEP|MSP|TD|MLA)"
                               r"(?:[ \t]+for(?:[ \t]+[A-Z][\w.'’-]*(?:[ \t]+and)?)+)?\b")


def party_appositions(text: str, person_ends: list[int]) -> list[tuple[int, int]]:
    """Spans that describe the person before them by party (and state): the party and the place
    there say who the person is ("Trey Gowdy, South Carolina Republican, said"), they hold no stance."""
    return [(e, f.end()) for e in person_ends if (f := _PARTY_APPOSITION.match(text, e))]


_OPENS = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“‘(]\s*)$")


def is_capitalised_word(text: str, m: Mention, lower_words: set[str]) -> bool:
    """A common word capitalised only because it opens a sentence or a quotation, which the article
    writes in lower case elsewhere and never capitalised inside a sentence ('"Vaccine nationalism is
    ...,"' beside "vaccine exports"; not "Senate" beside "the state senate"): no name."""
    if " " in m.text or not m.text[1:].islower() or m.text.lower() not in lower_words \
            or _OPENS.search(text[max(0, m.start - 3):m.start]) is None:
        return False
    return not any(_OPENS.search(text[max(0, w.start() - 3):w.start()]) is None
                   for w in re.finditer(rf"\b{re.escape(m.text)}\b", text))


#: What a party does or feels ("the Republican attacks", "Democratic opposition"): its adjective names the party.
_PARTY_ACTS = frozenset("attack attacks effort efforts opposition support criticism votes vote anger resistance objections "
                        "backlash push demands pressure outrage objection critics threats threat minority majority"
                        .split())
_PARTY_ADJECTIVES = frozenset("Republican Democratic GOP".split())


def is_adjectival(text: str, m: Mention) -> bool:
    """A nationality or party used as an adjective ("Russian gas", "Republican senators",
    "Hungarian Prime Minister Viktor Orban"): not an actor; but a party doing or feeling something ("the
    Republican attacks were nihilistic", "with Democratic support") is the party."""
    if m.label != "NORP" or " " in m.text:
        return False
    after = re.match(r"\s+([A-Za-z]+)", text[m.end:m.end + 30])
    if after is not None and m.text in _PARTY_ADJECTIVES and after.group(1) in _PARTY_ACTS:
        return False
    return after is not None and (after.group(1)[0].islower() or after.group(1).lower() in TITLE_WORDS)
