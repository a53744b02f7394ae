"""Who speaks each quotation: the speaker found in the quote's frame, carried over to
quotes without one."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace

from .coref import genders
from .mentions import Mention
from .segmentation import Sentence, find_quotes

_SPEECH = re.compile(r"\b(?:said|says|say|told|tells|added|adds|asked|wrote|writes|stated|declared|insisted|"
                     r"argued|warned|noted|explained|replied|responded|continued|tweeted|posted|claimed|"
                     r"stressed|urged|according to|saying|telling|calling|called|announced|recalled)\b")
_PRONOUN = re.compile(r"\b(?:he|she|they)\b", re.I)


def _speaker_in(frame_start: int, frame_end: int, text: str, mentions: list[Mention],
                prefer: str) -> Mention | int | None:
    """The mention nearest a speech verb in ``text[frame_start:frame_end]``; where the frame
    says only "he said", the pronoun's offset instead."""
    frame = text[frame_start:frame_end]
    verb = _SPEECH.search(frame)
    if not verb:
        return None
    vpos = frame_start + verb.start()
    inside = [m for m in mentions if frame_start <= m.start and m.end <= frame_end]
    if prefer == "after":  # '"...," Haddad said' / '"...," said Rachel Whitford, the ...'
        near = [m for m in inside if m.end <= vpos or m.start - (vpos + len(verb.group(0))) <= 40]
        near = [m for m in near if m.label == "PERSON"] or near  # '..., said former Virginia Gov. Jim Gilmore'
        if near:
            return min(near, key=lambda m: abs(m.start - vpos) if m.start > vpos else vpos - m.end)
    else:  # 'Putin said: "..."': the subject, a person if one is named
        before = [m for m in inside if m.end <= vpos]
        people = [m for m in before if m.label == "PERSON"]
        if people or before:
            return (people or before)[0]
    pronoun = _PRONOUN.search(frame)
    return frame_start + pronoun.start() if pronoun else None


def attribute_quotes(text: str, para: tuple[int, int], sentences: list[Sentence], mentions: list[Mention],
                     previous: Mention | None, speakers_of: dict[tuple[int, int], Mention] | None = None) -> Mention | None:
    """Give each sentence that lies inside a quote the quote's speaker.

    The speaker is found in the quote's frame ('"...," X said', 'X said: "..."'); a quote
    without a frame belongs to the speaker of the paragraph's other quotes, or, where the
    paragraph is all quotation, to the last speaker of the previous paragraph. Returns the
    paragraph's last speaker, for the next paragraph; ``speakers_of`` (a dict) gets each
    quote's span -> its speaker.
    """
    ps, pe = para
    quotes = find_quotes(text, ps, pe)
    if not quotes:
        return None
    sent_of = lambda pos: next((s for s in sentences if s.start <= pos < s.end), None)  # noqa: E731
    speakers: list[Mention | None] = []
    for qs, qe in quotes:
        who = None
        last = sent_of(max(qe - 1, qs))
        if last is not None and qe < last.end:
            who = _speaker_in(qe, last.end, text, mentions, "after")
        first = sent_of(qs)
        if who is None and first is not None and first.start < qs:
            who = _speaker_in(first.start, qs, text, mentions, "before")
        if isinstance(who, int):  # "he said": the last speaker, else the last person named before "he"
            earlier = [m for m in mentions if m.end <= who and not (qs <= m.start < qe)]
            people = [m for m in earlier if m.label == "PERSON"]
            named = people or earlier
            who = previous if previous is not None else (named[-1] if named else None)
        speakers.append(who)
    known = [s for s in speakers if s is not None]
    outside = text[ps:pe]
    for qs, qe in reversed(quotes):
        outside = outside[: qs - ps] + outside[qe - ps:]
    all_quote = not re.search(r"\w", outside)
    for i, who in enumerate(speakers):
        if who is not None:
            continue
        earlier = [s for s in speakers[:i] if s is not None]
        if earlier:
            speakers[i] = earlier[-1]
        elif known:
            speakers[i] = known[0]
        elif all_quote or (i == 0 and quotes[0][0] == ps):
            speakers[i] = previous  # a quote running on from the previous paragraph
    for (qs, qe), who in zip(quotes, speakers):
        if who is None:
            continue
        if speakers_of is not None:
            speakers_of[(qs, qe)] = who
        for s in sentences:
            if s.start >= qs and s.end <= qe + 1 and s.speaker is None:
                s.speaker = who
    return next((s for s in reversed(speakers) if s is not None), None)


_MASC = frozenset("he him his himself".split())
_THIRD_PERSON = _MASC | frozenset("she her hers herself".split())


def redirect_quoted_pronouns(text: str, mentions: list[Mention], speakers_of: dict[tuple[int, int], Mention],
                             sentences: list[Sentence]) -> list[Mention]:
    """``mentions`` with each "he"/"she" inside a quotation that was resolved to the quote's own speaker
    given to the nearest other person (of that gender, where known) named before it in that sentence
    or the two before, or left out where there is none: a speaker says "I", so in '"He is afraid to
    tell Trump," Zelenskiy said' "He" is someone else (the article's Putin), not Zelenskiy."""
    gender = genders(text, mentions)
    starts = [s.start for s in sentences]
    sentence_of = lambda pos: max(0, bisect_right(starts, pos) - 1)  # noqa: E731
    out: list[Mention] = []
    for m in mentions:
        who = next((w for (qs, qe), w in speakers_of.items() if qs <= m.start < qe), None) \
            if m.kind == "reference" and m.text.lower() in _THIRD_PERSON else None
        if who is None or m.canonical != who.canonical:
            out.append(m)
            continue
        g = "m" if m.text.lower() in _MASC else "f"
        other = next((o for o in reversed(out) if o.label == "PERSON" and o.canonical != who.canonical
                      and gender.get(o.canonical, g) == g and sentence_of(m.start) - sentence_of(o.start) <= 2), None)
        if other is not None:
            out.append(replace(m, canonical=other.canonical))
    return out
