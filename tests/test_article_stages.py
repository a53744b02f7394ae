"""The article stages on hand-made text: coreference, groups, topics, name matching, gold readers,
the SEESAW candidate records and the end-to-end scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, load_script

from actorstance import LABELS
from actorstance.articles import Article, ArticlePipeline
from actorstance.articles.coref import resolve_references
from actorstance.articles.evaluate import evaluate_articles
from actorstance.articles.gold import names_match, read_bundled, read_seesaw
from actorstance.articles.detectors import make_detector
from actorstance.articles.mentions import Mention
from actorstance.articles.pairs import model_record
from actorstance.articles.segmentation import Sentence, split_sentences
from actorstance.articles.targets import resolve_topic_references


@pytest.fixture(scope="module")
def spacy_ner():
    """spaCy with its parser: groups and topics come from its noun phrases."""
    det = make_detector("auto", warn=lambda m: None)
    if det.name != "spacy":
        pytest.skip("spaCy's English model is not installed")
    return det


def analysed(text, detector, **options):
    a, = ArticlePipeline(None, detector, **options).analyse([Article("a", text, "a")])
    return a


def refs_of(text, mentions):
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    return {(text[m.start:m.end], m.canonical) for m in resolve_references(text, sents, mentions)}


def entity(text, word, label, k=0):
    """A recogniser's (start, end, label) for the k-th occurrence (from 0) of ``word``."""
    start = -1
    for _ in range(k + 1):
        start = text.index(word, start + 1)
    return start, start + len(word), label


def person(text, name, canonical=None, label="PERSON"):
    s = text.index(name)
    return Mention(s, s + len(name), name, canonical or name, label)


def test_pronouns_follow_gender_and_recency():
    text = "Mr. Tom Reyes met Ms. Ana Vidal on Monday. She praised him for his patience."
    got = refs_of(text, [person(text, "Tom Reyes"), person(text, "Ana Vidal")])
    assert got == {("She", "Ana Vidal"), ("him", "Tom Reyes"), ("his", "Tom Reyes")}


def test_a_pronoun_prefers_the_subject_to_a_nearer_name():
    """"Mr. Tom Reyes said Russia should drop Mr. Ali Diaz. He added ...": He is Reyes (the subject of
    the sentence before), not the nearer Diaz; without subjects given, the nearest name."""
    text = "Mr. Tom Reyes said Russia should drop Mr. Ali Diaz. He added that talks would fail."
    names = [person(text, "Tom Reyes"), person(text, "Ali Diaz")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subjects = [(text.index("Mr. Tom Reyes"), text.index(" said")), (text.index("He"), text.index("He") + 2)]
    got = {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=subjects)}
    assert got == {("He", "Tom Reyes")}
    assert refs_of(text, names) == {("He", "Ali Diaz")}
    # the first subject of the sentence before (its main clause's), not one of a clause inside it
    text = "Mr. Tom Reyes dismissed it, noting that Mr. Ali Diaz thinks otherwise. He added that talks would fail."
    names = [person(text, "Tom Reyes"), person(text, "Ali Diaz")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subjects = [(text.index("Mr. Tom Reyes"), text.index(" dismissed")), (text.index("Mr. Ali"), text.index(" thinks")),
                (text.index("He"), text.index("He") + 2)]
    assert {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=subjects)} == {("He", "Tom Reyes")}
    # a relative clause is about the name before it ("his" is Hale's), up to an object pronoun ("him" is not Hale)
    text = "Mr. Ali Diaz criticized Mr. Tom Hale (R-Ohio), who announced his resignation. Mr. Diaz met Mr. Hale, who thanked him."
    names = [person(text, "Ali Diaz"), person(text, "Tom Hale"), Mention(text.index("Diaz met"), text.index(" met"), "Diaz",
                                                                       "Ali Diaz", "PERSON"),
             Mention(text.index("Hale, who"), text.index(", who thanked"), "Hale", "Tom Hale", "PERSON")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subjects = [(text.index("Mr. Ali"), text.index(" criticized")), (text.index("Mr. Diaz"), text.index(" met"))]
    got = {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=subjects)}
    assert got == {("his", "Tom Hale"), ("him", "Ali Diaz")}, got
    # a name qualifying the subject is not it ("the Ruritan Post attacks" are the subject, not the Post); a possessor is
    text = "He said the Ruritan Post attacks had a reason. Critics heard Tom Reyes say he was wrong."
    names = [person(text, "Ruritan Post"), person(text, "Tom Reyes")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subjects = [(text.index("the Ruritan"), text.index(" had")), (text.index("Critics"), text.index(" heard"))]
    got = {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=subjects)}
    assert ("he", "Tom Reyes") in got
    text = "Mr. Tom Reyes met Mr. Ali Diaz. Mr. Reyes's aides said he left."
    names = [person(text, "Tom Reyes"), person(text, "Ali Diaz"), Mention(text.index("Reyes's"), text.index("'s aides"),
                                                                          "Reyes", "Tom Reyes", "PERSON")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subjects = [(text.index("Mr. Tom"), text.index(" met")), (text.index("Mr. Reyes's"), text.index(" said"))]
    assert {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=subjects)} == {("he", "Tom Reyes")}


def test_a_frame_after_a_quotation_of_several_sentences_reads_from_before_the_quotation():
    """'Mr. Tom Reyes pushed back on Mr. Ali Diaz. "People deserve better. We cannot wait," he said.': the sentence
    before the frame's pronoun is the one before the quotation opened, whose subject is Reyes, not the quotation's
    own first sentence (whose subject is no person), which had left the nearer Diaz."""
    text = "Mr. Tom Reyes pushed back on Mr. Ali Diaz. \u201cPeople deserve better. We cannot wait,\u201d he said."
    names = [person(text, "Tom Reyes"), person(text, "Ali Diaz")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    assert len(sents) == 3
    subjects = [(text.index("Mr. Tom"), text.index(" pushed")), (text.index("People"), text.index(" deserve")),
                (text.index("We"), text.index(" cannot")), (text.index("he said"), text.index(" said"))]
    quote = (text.index("\u201c"), text.index("\u201d") + 1)
    got = {(m.text, m.canonical) for m in resolve_references(text, sents, names, [quote], subjects)}
    assert got == {("he", "Tom Reyes")}, got
    assert {(m.text, m.canonical) for m in resolve_references(text, sents, names, [], subjects)} == {("he", "Ali Diaz")}


def test_a_first_name_tells_a_persons_gender():
    """Without "Mr."/"Ms.", a common first name says who "she" can be: not the nearer Jeb Bush;
    a first name given to both (Chris) or none says nothing."""
    text = "Hillary Clinton spoke first. Then Jeb Bush answered. She said the plan had failed."
    assert refs_of(text, [person(text, "Hillary Clinton"), person(text, "Jeb Bush")]) == {("She", "Hillary Clinton")}
    text = "Hillary Clinton spoke first. Then Chris Lee answered. She said the plan had failed."
    assert refs_of(text, [person(text, "Hillary Clinton"), person(text, "Chris Lee")]) == {("She", "Chris Lee")}


def test_an_object_pronoun_is_not_its_own_clauses_subject():
    """"Mr. Reyes praised Mr. Diaz. Mr. Lopez thanked him": "him" is Diaz, not Lopez; "Lopez said
    Diaz had called him": not Diaz (its clause's subject) but Lopez, across the clause boundary."""
    text = "Mr. Tom Reyes praised Mr. Ali Diaz. Mr. Sam Lopez thanked him. Mr. Sam Lopez said Ali Diaz had called him."
    names = [person(text, "Tom Reyes"), person(text, "Ali Diaz")]
    names += [Mention(i, i + 9, "Sam Lopez", "Sam Lopez", "PERSON") for i in (text.index("Sam Lopez"), text.rindex("Sam Lopez"))]
    names += [Mention(text.rindex("Ali Diaz"), text.rindex("Ali Diaz") + 8, "Ali Diaz", "Ali Diaz", "PERSON")]
    got = sorted((m.start, m.canonical) for m in resolve_references(
        text, [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))], sorted(names, key=lambda m: m.start)))
    assert [c for _, c in got] == ["Ali Diaz", "Sam Lopez"]
    # "her" with no noun after it is an object too: "Ms. Tsai thanked her for her support" is Pelosi's thanks;
    # "her support" (a possessive) may still be the subject's
    text = "Ms. Nancy Pelosi arrived. Ms. Ing Tsai thanked her for her support."
    names = [person(text, "Nancy Pelosi"), person(text, "Ing Tsai")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subj = (text.index("Ms. Ing"), text.index(" thanked"))
    got = [(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=[subj])]
    assert got == [("her", "Nancy Pelosi"), ("her", "Ing Tsai")]


def test_an_apposition_is_no_clause_boundary_between_the_subject_and_an_object_pronoun():
    """"Mr. Lopez, a singer and a rival of the band, endorsed him": "him" is Reyes, not the subject Lopez
    (commas and "and" inside the subject's apposition do not open a clause)."""
    text = "Mr. Tom Reyes spoke on Monday. Mr. Sam Lopez, a singer and a rival of the band, endorsed him at noon."
    names = [person(text, "Tom Reyes"), person(text, "Sam Lopez")]
    sents = [Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    subj = (text.index("Mr. Sam"), text.index(", a singer"))
    got = {(m.text, m.canonical) for m in resolve_references(text, sents, names, subjects=[subj])}
    assert got == {("him", "Tom Reyes")}
    assert refs_of(text, names) == {("him", "Sam Lopez")}  # without the subject known, the comma is a boundary


def test_acronyms_possessors_and_common_short_forms_get_one_canonical_name(spacy_ner):
    """"IRS" after "the Internal Revenue Service" is that agency; "U.S." is "United States"; a
    person's name that the recogniser runs on past a possessive ends there."""
    text = ("The Internal Revenue Service apologized on Monday. Senator Ruth Okafor said the IRS had failed. "
            "The U.S. and the United States Senate disagreed. President Barack Obama’s Keystone veto angered Okafor. "
            "Okafor said Obamacare had failed. The DOJ declined to comment.")
    a = analysed(text, spacy_ner)
    canon = {m.text: m.canonical for m in a.mentions if m.kind == "name"}
    assert canon.get("IRS") == "Internal Revenue Service"
    assert canon.get("U.S.") == "United States" and canon.get("Obamacare") == "Affordable Care Act"
    assert canon.get("DOJ") == "Justice Department"
    assert "Barack Obama" in canon and not any("Keystone" in c for c in canon.values())


def test_a_state_before_a_name_is_no_part_of_it():
    """A heading glued to the next sentence ("... a rally in Dayton, Ohio Trump returned to
    Washington"): the short name "Trump" stays Donald Trump; a state that is a first name stays."""
    from actorstance.articles.mentions import _clean

    text = "Donald Trump spoke. After a rally in Dayton, Ohio Trump returned to Washington. Rep. Virginia Foxx agreed."
    start = text.index("Ohio Trump")
    s, e = _clean(text, start, start + len("Ohio Trump"), "PERSON")
    assert text[s:e] == "Trump"
    start = text.index("Virginia Foxx")
    assert _clean(text, start, start + len("Virginia Foxx"), "PERSON") == (start, start + len("Virginia Foxx"))
    text = "Voters in New York Andrew Cuomo praised the plan."
    start = text.index("New York Andrew")
    s, e = _clean(text, start, text.index(" praised"), "PERSON")
    assert text[s:e] == "Andrew Cuomo"


def test_title_descriptions_resolve_to_the_titled_person():
    text = "President Anna Lind vetoed the bill. Critics said the president had ignored the farmers."
    got = refs_of(text, [person(text, "Anna Lind")])
    assert ("the president", "Anna Lind") in got
    # the title as news capitalises it, with a qualifier; "the President of X" is someone else
    text = "Speaker Tom Hale met President Anna Lind. The Senate Speaker said the President of Ruritania and the President erred."
    got = refs_of(text, [person(text, "Tom Hale"), person(text, "Anna Lind")])
    assert ("The Senate Speaker", "Tom Hale") in got and ("the President", "Anna Lind") in got
    assert not any(word.startswith("the President of") for word, _ in got)
    # a two-word title is one role: "The Attorney General" is not a "General"
    text = "Attorney General Loretta Lynch spoke. General Sam Ortiz listened. The Attorney General denounced the attack."
    got = refs_of(text, [person(text, "Loretta Lynch"), person(text, "Sam Ortiz")])
    assert ("The Attorney General", "Loretta Lynch") in got
    # a name after the titled person's possessive carries no title ("President Anna Lind's Keystone veto")
    text = "President Anna Lind's Keystone veto drew fire. Critics said the president had overreached."
    got = refs_of(text, [person(text, "Anna Lind"), person(text, "Keystone")])
    assert ("the president", "Anna Lind") in got
    # a possessor may qualify the description: "the Senate's new leader"
    text = "Majority Leader Tom Hale spoke on Monday. Later, the Senate's new leader said Anna Lind must change."
    assert ("the Senate's new leader", "Tom Hale") in refs_of(text, [person(text, "Tom Hale"), person(text, "Anna Lind")])
    # "Lind, the Senate's new leader said": the description is the speaker, no apposition giving Lind the title
    text = "It needs a change of heart by President Anna Lind, the Senate's new leader said. Majority Leader Tom Hale left."
    assert ("the Senate's new leader", "Tom Hale") in refs_of(text, [person(text, "Anna Lind"), person(text, "Tom Hale")])
    # a description that introduces a name is that person, not the last one with the title
    text = ("President Anna Lind spoke. She criticized the Ruritanian president, Tomas Berg, and the Ruritanian "
            "President (Tomas) Berg replied. Later the president said no.")
    second = text.index("Berg replied")
    names = [person(text, "Anna Lind"), person(text, "Tomas Berg"), Mention(second, second + 4, "Berg", "Tomas Berg", "PERSON")]
    got = refs_of(text, names)
    assert not any(word.startswith("the Ruritanian") for word, _ in got)
    assert ("the president", "Anna Lind") in got
    # a nationality names only a person introduced with it
    text = "President Anna Lind met French President Marc Duval. The French president said no; the president left."
    got = refs_of(text, [person(text, "Anna Lind"), person(text, "Marc Duval")])
    assert ("The French president", "Marc Duval") in got and ("the president", "Marc Duval") in got
    # a vice president is no president; of two presidents, "the president" is the one the article names most
    text = ("President Anna Lind spoke. Lind was firm. Vice President Tom Hale agreed, as did former President Tomas "
            "Berg. The president said no; the vice president left. \"This president is wrong,\" Hale said.")
    names = [person(text, "Anna Lind"), person(text, "Tom Hale"), person(text, "Tomas Berg")]
    lind = text.index("Lind was")
    names.append(Mention(lind, lind + 4, "Lind", "Anna Lind", "PERSON"))
    hale = text.index("Hale said")
    names.append(Mention(hale, hale + 4, "Hale", "Tom Hale", "PERSON"))
    got = refs_of(text, names)
    assert {("The president", "Anna Lind"), ("the vice president", "Tom Hale"), ("This president", "Anna Lind")} <= got
    # a social-media handle is the person whose name it holds
    text = 'Anna Lind attacked Tomas Berg. "You are wrong, @realTomasBerg," Lind wrote. @AnnaFan1 agreed.'
    names = [person(text, "Anna Lind"), person(text, "Tomas Berg")]
    got = refs_of(text, names)
    assert ("@realTomasBerg", "Tomas Berg") in got and not any(w.startswith("@Anna") for w, _ in got), got
    text = "President Anna Lind spoke. She met the Ruritanian President (Tomas) in Geneva."
    assert refs_of(text, [person(text, "Anna Lind")]) == {("She", "Anna Lind")}
    # a title ending a sentence is no title of the name that opens the next ("Gov. " is, an abbreviation)
    text = "Tom Hale hopes to be elected president. Kansas Gov. Sam Ortiz agreed. Later the president spoke."
    got = refs_of(text, [person(text, "Tom Hale"), person(text, "Sam Ortiz")])
    assert not any(word == "the president" for word, _ in got), got
    text = "Tom Hale hopes to be elected president. Gov. Sam Ortiz agreed. Later the governor spoke."
    assert ("the governor", "Sam Ortiz") in refs_of(text, [person(text, "Tom Hale"), person(text, "Sam Ortiz")])
    # a company's chief executive is titled too, and by a title apposed before the name; "of a rival" is someone else
    text = ("CEO Ed Stack spoke. The CEO urged a ban. Its chief executive, Doug Baker, said the chief executive of a "
            "rival erred. The chief executive left.")
    got = refs_of(text, [person(text, "Ed Stack"), person(text, "Doug Baker")])
    assert ("The CEO", "Ed Stack") in got and ("The chief executive", "Doug Baker") in got, got
    assert not any(word == "the chief executive" for word, _ in got), got
    text = "The company's CEO, Ed Stack, spoke. The CEO urged a ban. President Anna Lind met the Ruritanian president, Tom Hale."
    assert ("The CEO", "Ed Stack") in refs_of(text, [person(text, "Ed Stack"), person(text, "Anna Lind"),
                                                     person(text, "Tom Hale")])


def test_a_state_and_party_description_is_the_person_placed_there(spacy_ner):
    """"The Kentucky Republican" is the person the article tagged "(R-Ky.)", "the Florida senator" the one
    "of Florida"; the state itself is no actor there."""
    text = ("Senate leader Tom Hale (R-Ky.) met Ann Roe (D-Ky.). The Kentucky Republican said the talks failed. "
            "Sen. Ali Diaz of Florida disagreed, and the Florida senator called for a vote. The Ohio Democrat left.")
    a = analysed(text, spacy_ner)
    refs = {(m.text, m.canonical) for m in a.mentions if m.kind == "reference"}
    assert ("The Kentucky Republican", "Tom Hale") in refs and ("the Florida senator", "Ali Diaz") in refs, refs
    assert not {"Kentucky", "Florida", "Ohio"} & {m.canonical for m in a.mentions}, a.mentions


def test_they_refers_to_a_recent_group_and_nothing_refers_too_far_back():
    text = ("The Farmers Union met on Monday. They rejected the plan. Anna Lind spoke. The weather was fine. "
            "Rain fell. Snow fell. Wind blew. He left.")
    got = refs_of(text, [person(text, "The Farmers Union", label="ORG"), person(text, "Anna Lind")])
    assert ("They", "The Farmers Union") in got
    assert not any(word == "He" for word, _ in got)  # the last person is five sentences back


def test_they_is_neither_a_person_nor_the_news_source():
    """A name the recogniser once calls a person stays one when another mention of it is labeled ORG
    ("they" is not Trump, "he" may be); the outlet a statement is made to is not who "they" are."""
    text = "The Farmers Union met Ruth Okafor. Okafor's staff spoke. They rejected the plan. She left."
    okafor = text.index("Okafor's")
    names = [person(text, "The Farmers Union", label="ORG"), person(text, "Ruth Okafor"),
             Mention(okafor, okafor + 6, "Okafor", "Ruth Okafor", "ORG")]
    assert refs_of(text, sorted(names, key=lambda m: m.start)) == {("They", "The Farmers Union"), ("She", "Ruth Okafor")}
    text = "The Farmers Union met on Monday. Its chief told CNN the plan had failed. They rejected it."
    names = [person(text, "The Farmers Union", label="ORG"), person(text, "CNN", label="ORG")]
    assert refs_of(text, names) == {("They", "The Farmers Union")}


def test_an_organisation_description_takes_the_name_it_refers_back_to(spacy_ner):
    """"the committee" is the committee named before, "the party" the party; "the group" the organisation
    just named; "a committee", or a head no earlier name holds, stays a group of its own; "the automaker"
    is the company named just before."""
    text = ("The House Oversight Committee met on Monday. The Farmers Union said it would sue. "
            "Ruth Okafor, a lawyer with the group, spoke. The committee rejected the plan. "
            "A committee of experts disagreed. The Republican Party was split, and the party lost.")
    a = analysed(text, spacy_ner)
    got = {(text[m.start - 4:m.end], m.canonical) for m in a.mentions if m.kind in ("group", "reference")}
    assert ("the group", "Farmers Union") in got
    assert ("The committee", "House Oversight Committee") in got
    assert ("the party", "Republican Party") in got
    indefinite = text.index("committee of experts")
    assert all(m.canonical != "House Oversight Committee" for m in a.mentions if m.start == indefinite)
    # "the group" is no court, chamber or ministry named just before it
    text = "The Farmers Union backed Ruth Okafor. The Supreme Court ruled on Monday, and the group welcomed it."
    got = {(m.text, m.canonical) for m in analysed(text, spacy_ner).mentions if m.text == "group"}
    assert got == {("group", "Farmers Union")}, got
    # a company word is a mention only when it refers back: "the automaker" is Northwind; "a bank" nobody
    text = "Northwind Motors will close three plants. Governor Ellen Price urged the automaker to reconsider. A bank lent it money."
    a = analysed(text, spacy_ner)
    got = {(m.text, m.canonical) for m in a.mentions if m.kind == "reference"}
    assert ("automaker", "Northwind Motors") in got and not any(t == "bank" for t, _ in got)
    assert ("Ellen Price", "Northwind Motors") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # ... never a person the recogniser also tagged as an organisation ("chief executive Edward Stack")
    from actorstance.articles.coref import resolve_group_descriptions

    text = "Stack Foods named Edward Stack chief. Edward Stack spoke. The company will stop selling rifles."
    named = [person(text, "Stack Foods", label="ORG"), person(text, "Edward Stack", label="ORG"),
             Mention(text.rindex("Edward Stack"), text.rindex("Edward Stack") + 12, "Edward Stack", "Edward Stack",
                     "PERSON")]
    assert [(m.text, m.canonical) for m in resolve_group_descriptions(text, [], named)] == [("company", "Stack Foods")]
    # "the agency" is the public body named before it by another head
    text = "Tesla sued the Securities and Exchange Commission. The agency declined to comment."
    named = [person(text, "Tesla", label="ORG"), person(text, "Securities and Exchange Commission", label="ORG")]
    agency = text.index("agency")
    groups = [Mention(agency, agency + 6, "agency", "agency", "GROUP", "group")]
    assert [m.canonical for m in resolve_group_descriptions(text, groups, named)] == ["Securities and Exchange Commission"]
    # "the regulator" / "the watchdog" too, further back; "the Japanese company" is the company just named,
    # "the GOP chain (of command)" no company
    text = ("The Competition and Markets Authority blocked the plan. Northwind said it would appeal. "
            "Its chief accused the regulator of bias. Sony, a rival, had lobbied. The Japanese company was pleased. "
            "He is second in the GOP chain of command.")
    named = [person(text, "Competition and Markets Authority", label="ORG"), person(text, "Northwind", label="ORG"),
             person(text, "Sony", label="ORG"), person(text, "GOP", label="ORG")]
    assert [(m.text, m.canonical) for m in resolve_group_descriptions(text, [], named)] == [
        ("regulator", "Competition and Markets Authority"), ("company", "Sony")]
    # "the council" is the City Council; "the group Save Our Neighborhoods" is that group, named right after it
    text = "The City Council approved it. Jenkins accused the council. The Coalition agreed, while the group Save Us did not."
    named = [person(text, "City Council", label="ORG"), person(text, "Coalition", label="ORG"),
             person(text, "Save Us", label="ORG")]
    c, g = text.index("council."), text.index("group Save")
    groups = [Mention(c, c + 7, "council", "council", "GROUP", "group"), Mention(g, g + 5, "group", "group", "GROUP", "group")]
    assert [m.canonical for m in resolve_group_descriptions(text, groups, named)] == ["City Council", "group"]
    a = analysed("The City Council approved the plan. Carol Jenkins accused the council of ignoring residents.", spacy_ner)
    assert ("Carol Jenkins", "City Council") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    a = analysed("The Supreme Court struck down the programs. The NAACP said the court ignored racism.", spacy_ner)
    assert ("NAACP", "Supreme Court") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # an apposition names the organisation before it: "Equality Kansas, an LGBTQ advocacy group, praised Kelly"
    text = "Equality Kansas, an LGBTQ advocacy group, praised Laura Kelly. An advocacy group in Ohio did not."
    named = [person(text, "Equality Kansas", label="ORG"), person(text, "Laura Kelly")]
    s, t = text.index("LGBTQ"), text.index("advocacy group in")
    groups = [Mention(s, s + 20, "LGBTQ advocacy group", "LGBTQ advocacy group", "GROUP", "group"),
              Mention(t, t + 14, "advocacy group", "advocacy group", "GROUP", "group")]
    assert [m.canonical for m in resolve_group_descriptions(text, groups, named)] == ["Equality Kansas", "advocacy group"]
    text = "The European Commission blamed AstraZeneca. The drugmaker says it delivered."
    named = [person(text, "European Commission", label="ORG"), person(text, "AstraZeneca", label="ORG")]
    assert [(m.text, m.canonical) for m in resolve_group_descriptions(text, [], named)] == [("drugmaker", "AstraZeneca")]
    # "the union" is the union named before, however far back; "the company" never a union, nor the firm
    # analysts work at ("Analysts at Morgan Stanley said the strike could cost the company")
    text = ("The United Auto Workers struck General Motors. Its chief said the company refused to move. "
            "Analysts at Morgan Stanley said the strike could cost the company $1 billion. The union's demands grew.")
    named = [person(text, "United Auto Workers", label="ORG"), person(text, "General Motors", label="ORG"),
             person(text, "Morgan Stanley", label="ORG")]
    assert [(m.text, m.canonical) for m in resolve_group_descriptions(text, [], named)] == [
        ("company", "General Motors"), ("company", "General Motors"), ("union", "United Auto Workers")]
    # nor a legislature, a seat of government or a ministry ("urged Congress to act ... the company supports")
    text = "Northwind Foods sold the rifle. Stack urged Congress and the State Department to act. The company supports reform."
    named = [person(text, "Northwind Foods", label="ORG"), person(text, "Congress", label="ORG"),
             person(text, "State Department", label="ORG")]
    assert [(m.text, m.canonical) for m in resolve_group_descriptions(text, [], named)] == [("company", "Northwind Foods")]


def test_pronoun_outside_a_quote_skips_names_only_inside_it(spacy_ner):
    text = 'Secretary John Kerry spoke. "Only Bashar al-Assad gains," he said.'
    a = analysed(text, spacy_ner)
    he = [m for m in a.mentions if m.text == "he"]
    assert he and he[0].canonical == "John Kerry"


def test_he_inside_a_quote_is_not_its_speaker(spacy_ner):
    """A speaker says "I": the "he" of '"He is afraid to tell Trump," Zelenskiy said' is the other man
    named before (Putin), never the speaker, and never a woman; with nobody else named, no one."""
    text = ('Volodymyr Zelenskiy accused Vladimir Putin of dragging out the war. '
            '"He is afraid to tell President Trump directly," Zelenskiy said.')
    a = analysed(text, spacy_ner)
    refs = [(m.text, m.canonical) for m in a.mentions if m.kind == "reference"]
    assert refs == [("He", "Vladimir Putin")], refs
    assert ("Vladimir Putin", "Trump") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    text = 'Mary Novak met Tom Hale. "He never listens," Mary Novak said.'
    assert [m.canonical for m in analysed(text, spacy_ner).mentions if m.text == "He"] == ["Tom Hale"]
    text = 'Tom Hale met Mary Novak. "She never listens," Mary Novak said.'
    assert [m.canonical for m in analysed(text, spacy_ner).mentions if m.text == "She"] == []


def test_it_that_speaks_is_the_organisation_before(spacy_ner):
    """"It said it would fight the new rules" after "Northwind Motors met the regulators" is Northwind; an "it"
    that does not speak or take a stance ("It is clear") is nobody."""
    a = analysed("Northwind Motors met the regulators on Monday. It said it would fight the new rules. "
                 "It is clear that the rules matter.", spacy_ner)
    assert [(m.text, m.canonical) for m in a.mentions if m.kind == "reference"] == [("It", "Northwind Motors")]


def test_groups_and_topics_are_candidates_and_demonyms_are_not_actors(spacy_ner):
    text = ("Lawmakers rejected the filibuster on Tuesday. Senator Ruth Okafor defended the filibuster. "
            "Russian gas prices rose.")
    a = analysed(text, spacy_ner)
    kinds = {(m.canonical, m.kind) for m in a.mentions}
    assert ("lawmakers", "group") in kinds and ("filibuster", "topic") in kinds
    assert not any(m.canonical == "Russian" for m in a.mentions)
    # a party doing something is the party ("the Republican effort"); its senators are no party mention
    text = "The House voted for the delay, with some Democrats joining the Republican effort. Republican senators disagreed."
    parties = [m.text for m in analysed(text, spacy_ner).mentions if m.kind == "name" and m.canonical == "Republican"]
    assert parties == ["Republican"], parties
    text = "Ruth Okafor said the Democratic minority backs the delay. She ignored Republican threats."
    parties = {m.canonical for m in analysed(text, spacy_ner).mentions if m.kind == "name"}
    assert {"Democratic", "Republican"} <= parties, parties
    # a nationality before a title is an adjective too; a name's particles are part of it
    titled = analysed("Hungarian Prime Minister Viktor Orban criticised Commission President Ursula von der Leyen.",
                      spacy_ner)
    names = {m.canonical for m in titled.mentions if m.kind == "name"}
    assert {"Viktor Orban", "Ursula von der Leyen"} <= names and "Hungarian" not in names, names
    # a place whose title a person carries is part of the person's description; alone it is an actor
    titled = analysed("Michigan's governor, Paul Novak, praised Northwind. Michigan's budget grew. Ohio sued Northwind.",
                      spacy_ner)
    names = [m.canonical for m in titled.mentions if m.kind == "name"]
    assert "Paul Novak" in names and names.count("Michigan") == 1 and "Ohio" in names, names
    titled = analysed("Germany's finance minister, Klaus Berger, warned against it. Germany's debt rose.", spacy_ner)
    names = [m.canonical for m in titled.mentions if m.kind == "name"]
    assert "Klaus Berger" in names and names.count("Germany") == 1, names
    pairs = {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    assert {("lawmakers", "filibuster"), ("Ruth Okafor", "filibuster")} <= pairs
    # a light head takes what it acts on: "use of personal email"
    # "criticized the cuts, calling them silly": "them" is the cuts, not a group named before
    called = analysed("Lawmakers met. Ruth Okafor criticized the cuts, calling them silly. The cuts took effect. "
                      "Ali Diaz recalled the ban, calling them overdue.", spacy_ner)
    them = [(m.canonical, m.kind) for m in called.mentions if m.text == "them"]
    assert them == [("cuts", "topic")], them
    # ... and where no topic is named before it in its clause ("the ban", named once and by no stance word, is none),
    # nobody
    light = analysed("Ruth Okafor defended her use of personal email. Critics faulted the use of personal email.", spacy_ner)
    topics = [m.canonical for m in light.mentions if m.kind == "topic"]
    assert topics == ["use of personal email"] * 2, topics
    # a place's group other than its government holds the stance, not the place
    a = analysed("Britain's main opposition party attacked the plan. Britain's government defended the plan.", spacy_ner)
    holders = [(p.sentence.index, p.actor.canonical) for p in a.pairs if p.target.canonical == "plan"]
    assert (0, "main opposition party") in holders and (1, "United Kingdom") in holders, holders
    assert (0, "United Kingdom") not in holders, holders
    # an organisation whose title a person carries is part of the person's description, except a chamber
    a = analysed("FIFA President Gianni Infantino defended the plan. House Speaker Mike Johnson praised the plan.", spacy_ner)
    names = {m.canonical for m in a.mentions if m.kind == "name"}
    assert {"Gianni Infantino", "Mike Johnson"} <= names and "FIFA" not in names, names
    assert any("House" in n for n in names), names
    # people in business and trade are groups too: "Dealers in Michigan said they were short of trucks"
    a = analysed("The strike hit Northwind. Dealers in Michigan said they were short of trucks.", spacy_ner)
    assert [(m.text, m.canonical) for m in a.mentions if m.canonical == "dealers"] == [("Dealers", "dealers"),
                                                                                        ("they", "dealers")]
    # a politician's state is who they are, not an actor: "Shelley Moore Capito of West Virginia praised Zeldin"
    home = analysed("Senator Shelley Moore Capito of West Virginia praised Lee Zeldin. Alex Jones of Infowars did too.",
                    spacy_ner)
    names = {m.canonical for m in home.mentions}
    assert "West Virginia" not in names and {"Shelley Moore Capito", "Lee Zeldin"} <= names, names
    assert {("hostages", "group"), ("mediators", "group")} <= {(m.canonical, m.kind) for m in analysed(
        "Families of hostages rallied. Mediators said they would go on.", spacy_ner).mentions}
    assert any(m.canonical == "coalition partners" and m.kind == "group"
               for m in analysed("The decision angered his coalition partners.", spacy_ner).mentions)
    # "a lot of things conservatives ... don't like": the parser's phrase "things conservatives" is the conservatives
    a = analysed("There are a lot of things conservatives at the Values Voter Summit do not like about Tom Hale.", spacy_ner)
    assert ("conservatives", "group") in {(m.canonical, m.kind) for m in a.mentions}, a.mentions
    # the people of a party as a group ("Republican" matches the party's name when scored)
    a = analysed("Ruth Okafor told her Republican colleagues to back the bill. Democratic contenders praised her.",
                 spacy_ner)
    groups = {m.canonical for m in a.mentions if m.kind == "group"}
    assert {"Republican colleagues", "Democratic contenders"} <= groups
    # a chamber qualifies its group: "Senate Republicans", not "Senate", is the actor; alone it is one
    a = analysed("Ruth Okafor chastised Senate Republicans on Friday. House Democrats and the Senate agreed.", spacy_ner)
    names = {m.canonical for m in a.mentions}
    assert {"Senate Republicans", "House Democrats", "Senate"} <= names and "House" not in names
    assert ("Ruth Okafor", "Senate Republicans") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # what a named subject is names that subject again: no group "fiercest critics", no topic "a fierce critic";
    # after another subject the complement is someone else ("the adversary is the Democrats")
    a = analysed("Tom Hale was one of Ruth Okafor's fiercest critics. Hale is a fierce critic of Okafor. "
                 "They were her loudest opponents. The real adversary is the lawmakers in Washington.", spacy_ner)
    names = {m.canonical for m in a.mentions}
    assert not names & {"fiercest critics", "fierce critic", "loudest opponents", "critics", "opponents"}, names
    assert "lawmakers" in names and any(p.actor.canonical == "Tom Hale" and "Okafor" in p.target.canonical
                                        for p in a.pairs)


def test_a_short_phrase_in_quotation_marks_is_a_topic(spacy_ner):
    """Scare quotes name what a stance is about ("backed “common sense gun reform”"); a
    quotation that is a sentence or more is not a topic."""
    text = ('Senator Ruth Okafor backed “common sense gun reform” on Monday. '
            '"We will not wait any longer for this," Okafor said.')
    a = analysed(text, spacy_ner)
    topics = {m.canonical for m in a.mentions if m.kind == "topic"}
    assert "common sense gun reform" in topics
    assert not any("wait" in t for t in topics)
    assert ("Ruth Okafor", "common sense gun reform") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # quoted words that are no noun phrase say how, not about what
    a = analysed('Ruth Okafor called the Democrats "weak and pathetic" and said they had been "played".', spacy_ner)
    topics = {m.canonical for m in a.mentions if m.kind == "topic"}
    assert not {"weak and pathetic", "played"} & topics, topics
    assert ("Ruth Okafor", "Democrats") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # nor what something is called: 'the scheme was "an expensive gimmick"'; nor a word qualifying a noun after it
    a = analysed('Ruth Okafor said the scheme was "an expensive gimmick" and "a waste of money". '
                 'Tom Baird praised her "sober" position.', spacy_ner)
    assert not any(w in m.canonical for m in a.mentions for w in ("gimmick", "waste", "sober")), a.mentions
    # what a person is, apposed to the name, is no topic; an amount is no part of one
    a = analysed("Ross Gerber, an investor who backs Tesla, criticised Elon Musk's $56 billion pay package. "
                 "A judge voided the package.", spacy_ner)
    topics = {m.text: m.canonical for m in a.mentions if m.kind == "topic"}
    assert "investor" not in topics and topics.get("pay package") == "pay package", topics
    assert topics.get("package") == "pay package", topics


def test_a_topic_led_by_an_actor_is_still_a_topic(spacy_ner):
    """"the Saudi-led coalition", "a U.S.-brokered plan": the name stays an actor and what follows is
    a topic it can be paired with, not lost because its noun phrase starts with a name."""
    a = analysed("Iran condemned the Saudi-led coalition on Monday. The coalition denied it.", spacy_ner)
    assert ("Iran", "coalition") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    assert "Saudi" in {m.canonical for m in a.mentions if m.kind == "name"}


def test_a_party_and_state_after_a_name_describe_the_person(spacy_ner):
    """"Maria Lopez, a Democrat," and "Tom Hale, South Carolina Republican," name no actor beside the
    person; a party named on its own still is one."""
    text = ("El Paso Mayor Maria Lopez, a Democrat, criticized Senator Tom Hale on Friday. "
            "Rep. Tom Hale, South Carolina Republican, said he welcomed the ruling. "
            "Republicans praised Maria Lopez.")
    a = analysed(text, spacy_ner)
    names = {m.canonical for m in a.mentions if m.kind != "topic"}
    assert {"Maria Lopez", "Tom Hale", "Republicans"} <= names, names
    assert not {"Democrat", "Republican", "South Carolina"} & names, names
    a = analysed("Rachael Maskell, the Labour MP for York Central, said the cuts were cruel. Labour rebelled.", spacy_ner)
    names = {m.canonical for m in a.mentions if m.kind != "topic"}
    assert "Rachael Maskell" in names and "York Central" not in names
    assert [m.start for m in a.mentions if m.canonical == "Labour"] == [a.article.text.rindex("Labour")]
    # a party tag in brackets is no topic, however often it recurs
    a = analysed("Rep. Tom Hale (R-Ohio) spoke. Rep. Ann Roe (R-Ohio) agreed. Hale (R-Ohio) left.", spacy_ner)
    assert not [m.text for m in a.mentions if m.kind == "topic"], [m.text for m in a.mentions if m.kind == "topic"]


def test_a_topic_description_takes_the_name_of_the_topic_it_refers_back_to():
    """"the law" after "the Affordable Care Act" is that act; "this bill" and "the bipartisan bill" after
    "gun-control legislation" are that legislation (heads of a bill are interchangeable); "the bombings" is not
    "terrorist attacks" (attack heads are not); nothing named earlier, nothing changes."""
    def topic(start, name):
        return Mention(start, start + len(name), name, name, "TOPIC", "topic")

    named = resolve_topic_references([topic(0, "law"), topic(10, "Affordable Care Act"), topic(40, "law"),
                                      topic(50, "new law"), topic(60, "gun-control legislation"), topic(90, "bill"),
                                      topic(95, "bipartisan bill"),
                                      topic(100, "terrorist attacks"), topic(120, "bombings"), topic(130, "attack")])
    assert [m.canonical for m in named] == ["law", "Affordable Care Act", "Affordable Care Act", "Affordable Care Act",
                                            "gun-control legislation", "gun-control legislation",
                                            "gun-control legislation", "terrorist attacks", "bombings",
                                            "terrorist attacks"]
    # a light head's topic is no fuller name of what it acts on: "the shooting" is not "handling of the shooting"
    light = resolve_topic_references([topic(0, "handling of the shooting"), topic(40, "shooting")])
    assert [m.canonical for m in light] == ["handling of the shooting", "shooting"]
    assert [m.text for m in named][2] == "law"  # the mention's own words stay
    # sanctions name themselves ("new sanctions" is no description); "the measures", "the package" refer to them
    named = resolve_topic_references([topic(0, "new sanctions"), topic(20, "measures"), topic(40, "package")])
    assert [m.canonical for m in named] == ["new sanctions"] * 3
    # "the decision", "the vote" take the nearest bill, deal or sanctions; with none named, they stay
    named = resolve_topic_references([topic(0, "border security bill"), topic(30, "new sanctions"), topic(50, "decision"),
                                      topic(70, "vote")])
    assert [m.canonical for m in named] == ["border security bill"] + ["new sanctions"] * 3
    assert [m.canonical for m in resolve_topic_references([topic(0, "tax cuts"), topic(20, "vote")])] == \
        ["tax cuts", "vote"]
    # a court's ruling: "the verdict", and "the decision" or "the outcome" where no bill, deal or sanctions are named more
    named = resolve_topic_references([topic(0, "ruling"), topic(20, "verdict"), topic(40, "decision"), topic(60, "outcome")])
    assert [m.canonical for m in named] == ["ruling"] * 4
    # of several, the one named most often so far: "the move" is the tariffs, not the "necessary measures" quoted once
    named = resolve_topic_references([topic(0, "U.S. tariffs"), topic(20, "U.S. tariffs"), topic(40, "necessary measures"),
                                      topic(60, "move")])
    assert named[-1].canonical == "U.S. tariffs"
    # a merger is a deal: "the merger" and "the acquisition" are "the deal" even when nothing names it more fully;
    # and "the measure" is the "bill" named no more fully; but "the law" is not ("the rule of law" after "the bill")
    named = resolve_topic_references([topic(0, "deal"), topic(20, "merger"), topic(40, "acquisition"), topic(60, "bill"),
                                      topic(80, "law"), topic(90, "measure")])
    assert [m.canonical for m in named] == ["deal"] * 3 + ["bill", "law", "bill"]
    # a decision that named nothing before it is the story's own: "the move" and "the change" are it
    named = resolve_topic_references([topic(0, "decision"), topic(10, "Clean Air Act"), topic(20, "move"),
                                      topic(30, "change"), topic(40, "vote")])
    assert [m.canonical for m in named] == ["decision", "Clean Air Act", "decision", "decision", "Clean Air Act"]
    # a city's ordinance is a bill: "the vote" is on it
    named = resolve_topic_references([topic(0, "ordinance"), topic(20, "vote")])
    assert [m.canonical for m in named] == ["ordinance", "ordinance"]
    # "the suit" and "the case" are the lawsuit
    named = resolve_topic_references([topic(0, "antitrust lawsuit"), topic(20, "suit"), topic(40, "case")])
    assert [m.canonical for m in named] == ["antitrust lawsuit"] * 3
    # "the plan" is the "Rwanda plan" ("the scheme" is not: a plan is not always the only one); "the vote" is the
    # bill; "the legislation" is no "international law" named in between
    named = resolve_topic_references([topic(0, "Rwanda plan"), topic(10, "plan"), topic(20, "scheme"), topic(30, "legislation"),
                                      topic(40, "international law"), topic(60, "legislation"), topic(70, "vote")])
    assert [m.canonical for m in named] == ["Rwanda plan", "Rwanda plan", "scheme", "legislation", "international law",
                                            "legislation", "legislation"]


def test_the_law_resolves_to_the_act_in_an_article(spacy_ner):
    a = analysed("Congress passed the Affordable Care Act in 2010. Senator Ruth Okafor said the law had saved lives. "
                 "Critics said the law was rushed.", spacy_ner)
    laws = [m for m in a.mentions if m.kind == "topic" and m.text == "law"]
    assert len(laws) == 2 and {m.canonical for m in laws} == {"Affordable Care Act"}
    assert ("Ruth Okafor", "Affordable Care Act") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # a description used once is a topic only when it refers back to one: "the measure" is the bill; "the weather" nothing
    a = analysed("The Senate passed the border security bill. Senator Ruth Okafor praised the measure. "
                 "Tom Baird called the bill cruel. Okafor blamed the weather.", spacy_ner)
    topics = {m.text: m.canonical for m in a.mentions if m.kind == "topic"}
    assert topics.get("measure") == "border security bill" and "weather" not in topics
    assert ("Ruth Okafor", "border security bill") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    # "the case" is a topic only as the lawsuit named before it, never on its own ("in that case", "cases")
    a = analysed("The Justice Department filed an antitrust suit against Google. Publishers welcomed the suit. "
                 "Its chief called the case overdue. In that case, Google said, cases would multiply.", spacy_ner)
    topics = [(m.text, m.canonical) for m in a.mentions if m.kind == "topic"]
    assert topics.count(("case", "antitrust suit")) == 1 and ("suit", "antitrust suit") in topics, topics
    assert not any(t == "cases" for t, _ in topics), topics
    assert ("publishers", "antitrust suit") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}


def test_the_articles_main_subjects_are_targets_of_sentences_that_do_not_name_them(spacy_ner):
    text = ("Senator Ruth Okafor attacked the filibuster. The filibuster blocks bills, Okafor said. "
            "Governor Amir Patel backed the filibuster on Monday. It is absurd, Okafor added. "
            "Patel disagreed.")
    assert not any(p.via == "article" for p in analysed(text, spacy_ner).pairs)  # off by default (pairs.SALIENT)
    a = analysed(text, spacy_ner, salient=2)
    assert [m.canonical for m in a.salient] == ["Ruth Okafor", "filibuster"]  # 3 mentions each: the earlier first
    implicit = {(p.sentence.index, p.actor.canonical, p.target.canonical) for p in a.pairs if p.via == "article"}
    assert (4, "Amir Patel", "filibuster") in implicit and (4, "Amir Patel", "Ruth Okafor") in implicit
    assert not any(t == "filibuster" for i, _, t in implicit if i in (0, 2))  # named there: an ordinary pair
    assert not any(act == tgt for _, act, tgt in implicit)
    rec = model_record(a.article, next(p for p in a.pairs if p.via == "article" and p.sentence.index == 4))
    assert rec["target_span"] is None and rec["target"] in ("filibuster", "Ruth Okafor")


def test_a_sentence_that_names_nothing_else_takes_the_names_of_the_sentence_before(spacy_ner):
    """"It is absurd," Okafor added: a sentence that gives no pair though it names an actor takes the
    names of the sentence before as targets (via context); a sentence with pairs of its own takes none."""
    text = ("Governor Amir Patel backed the filibuster on Monday. It is absurd, Okafor added. "
            "Senator Ruth Okafor met Patel. Okafor left.")
    a = analysed(text, spacy_ner)
    context = {(p.sentence.index, p.actor.canonical, p.target.canonical) for p in a.pairs if p.via == "context"}
    assert {(1, "Ruth Okafor", "Amir Patel"), (1, "Ruth Okafor", "filibuster")} <= context, context
    assert not any(i in (0, 2) for i, _, _ in context)  # the first has no sentence before; the third has its pairs
    assert (3, "Ruth Okafor", "Amir Patel") in context and not any(act == tgt for _, act, tgt in context)
    rec = model_record(a.article, next(p for p in a.pairs if p.via == "context"))
    assert rec["target_span"] is None


def test_the_articles_main_actors_can_hold_the_pairs_of_sentences_that_name_no_person(spacy_ner):
    """salient_holders: a sentence with no person and no speaker gets the article's main actors
    as holders (toward its actors and topics); a sentence that names a person does not."""
    text = ("Senator Ruth Okafor attacked the filibuster. Okafor wants a vote, Okafor said. "
            "The filibuster blocks the Senate. Governor Amir Patel backed the Senate.")
    held = lambda a: {(p.sentence.index, p.actor.canonical, p.target.canonical)  # noqa: E731
                      for p in a.pairs if p.via == "article" and p.actor.canonical == "Ruth Okafor"
                      and p.sentence.index >= 2}
    a = analysed(text, spacy_ner, salient_holders=True)  # the main actors hold them, without --salient too
    assert {(2, "Ruth Okafor", "filibuster"), (2, "Ruth Okafor", "Senate")} <= held(a)
    assert not any(i == 3 for i, _, _ in held(a))  # names Patel: his sentence, not hers
    assert held(analysed(text, spacy_ner)) == set()  # off by default


def test_the_model_record_carries_the_sentence_before_as_context(spacy_ner):
    text = "Senator Ruth Okafor attacked the filibuster. Governor Amir Patel backed the filibuster."
    a = analysed(text, spacy_ner)
    by_sentence = {p.sentence.index: model_record(a.article, p, a.sentences) for p in a.pairs}
    assert by_sentence[1]["context"] == "Senator Ruth Okafor attacked the filibuster."
    assert by_sentence[0]["context"] == "" and model_record(a.article, a.pairs[-1])["context"] == ""


@pytest.mark.parametrize("a, b, same", [
    ("Obama", "Barack Obama", True), ("Republicans", "Republican Party", True), ("Democrats", "Democratic Party", True),
    ("the filibuster", "filibuster", True), ("executive action", "executive action on immigration", True),
    ("United Nations", "United States", False), ("Party", "Republican Party", False), ("Trump", "Barack Obama", False),
])
def test_lenient_name_matching(a, b, same):
    assert names_match(a, b) is same and names_match(b, a) is same


def write_seesaw(root, sentences, triples, split="valid", story="900", entities=("Ruth Okafor",)):
    """A SEESAW-layout folder with one hand-made article."""
    for sub in ("articles", "annotations", "meta"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "meta" / f"TRIPLET_{story}.json").write_text(json.dumps({"Split": split, "triplet_id": story}))
    (root / "articles" / f"TRIPLET_{story}_DOCUMENT_0.json").write_text(json.dumps(
        {"title": "t", "text": [{"id": i, "text": s} for i, s in enumerate(sentences)]}))
    stances = {}
    for sid, subj, pol, obj in triples:
        stances.setdefault(str(sid), []).append({"subject": subj, "sentiment": pol, "object": obj, "annotators": ["A"]})
    (root / "annotations" / f"TRIPLET_{story}_DOCUMENT_0.json").write_text(json.dumps(
        {"entity lists": [[e, ["People"], ["Main"], ["A"]] for e in entities], "sentence-level stances": stances}))
    return root


SENTENCES = ["Senator Ruth Okafor praised Governor Tim Baird on Monday.",
             "Okafor said she would vote against the Baird budget.",
             "Tim Baird praised Ruth Okafor on Tuesday."]
TRIPLES = [(0, "Ruth Okafor", "POS", "Tim Baird"), (1, "Ruth Okafor", "NEG", "Baird budget"),
           (1, "Not in the list", "NEG", "Tim Baird"), (0, "Ruth Okafor", "POS", "Tim Baird")]


def test_seesaw_reader_joins_sentences_and_keeps_named_triples(tmp_path):
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    art, = read_seesaw(root, "valid")
    assert art.text == " ".join(SENTENCES) and art.text[slice(*art.sentences[1])] == SENTENCES[1]
    assert [(t.sentence, t.actor, t.label, t.target) for t in art.triples] == [
        (0, "Ruth Okafor", "supportive", "Tim Baird"), (1, "Ruth Okafor", "critical", "Baird budget")]
    assert art.skipped == 1  # the unnamed holder; the annotators' repeat counts once
    assert art.unnamed_sentences == {1}
    assert list(read_seesaw(root, "train")) == []


BYSTANDER = ["Senator Ruth Okafor praised Governor Tim Baird at a dinner that Mayor Lena Fox hosted.",
             "Fox left early."]


def test_listed_only_keeps_the_pairs_between_the_listed_names(tmp_path, spacy_ner):
    """``listed_only`` (``--listed-only``): pairs only between names of the article's entity list (SEESAW), else
    of the actor file, matched leniently ("Okafor" is "Ruth Okafor"); the mayor is a bystander of the names studied."""
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.seesaw import read_seesaw_candidates

    root = write_seesaw(tmp_path / "seesaw", BYSTANDER, [(0, "Ruth Okafor", "POS", "Tim Baird")], split="train",
                        entities=("Ruth Okafor", "Tim Baird"))
    gold, = read_seesaw(root, "train")
    every = {(p.actor.canonical, p.target.canonical) for p in analysed(gold.text, spacy_ner).pairs}
    assert ("Ruth Okafor", "Lena Fox") in every and ("Lena Fox", "Tim Baird") in every
    listed = ArticlePipeline(KeywordModel(), spacy_ner, listed_only=True)
    a, = listed.analyse([gold.article(listed=True)])
    assert {(p.actor.canonical, p.target.canonical) for p in a.pairs} == {("Ruth Okafor", "Tim Baird"),
                                                                          ("Tim Baird", "Ruth Okafor")}
    a, = listed.analyse([gold.article()])  # no list of its own, no actor file: nothing is listed
    assert a.pairs == []
    by_file = ArticlePipeline(KeywordModel(), spacy_ner, ActorLexicon({"Lena Fox": [], "Okafor": []}), listed_only=True)
    a, = by_file.analyse([gold.article()])
    assert {(p.actor.canonical, p.target.canonical) for p in a.pairs} == {("Okafor", "Lena Fox"),
                                                                          ("Lena Fox", "Okafor")}  # the file's names
    # end to end: the same stance found with a third of the candidates; training records the same way
    full = evaluate_articles(read_seesaw(root, "train"), ArticlePipeline(KeywordModel(), spacy_ner))
    kept = evaluate_articles(read_seesaw(root, "train"), listed)
    assert kept["triples"]["tp"] == full["triples"]["tp"] == 1 and kept["candidate_pairs"] < full["candidate_pairs"]
    recs = [r.record for r in read_seesaw_candidates(root, {"split": "train", "listed_only": True})]
    assert {(r["actor"], r["target"], r["label"]) for r in recs} == {("Ruth Okafor", "Tim Baird", "supportive"),
                                                                     ("Tim Baird", "Ruth Okafor", "neutral")}


def test_a_listed_person_is_not_a_bystander_who_shares_a_first_name(spacy_ner):
    """A listed "Ruth Okafor" keeps "Okafor" and "Ruth Okafor"; "Ruth Weller", whom the lenient scoring rule would join
    to her by "Ruth", is a bystander of the names studied (:func:`~actorstance.articles.gold.same_surname`)."""
    from actorstance.articles.gold import names_match, same_surname
    from actorstance.articles.pairs import listed_pairs

    assert names_match("Ruth Weller", "Ruth Okafor") and not same_surname("Ruth Weller", "Ruth Okafor")
    assert same_surname("Okafor", "Ruth Okafor") and same_surname("Michael Steel", "Michael Steele")
    text = "Senator Ruth Okafor praised Governor Tim Baird. Ruth Weller, a lobbyist, attacked Okafor."
    pairs = analysed(text, spacy_ner).pairs
    assert ("Ruth Weller", "Ruth Okafor") in {(p.actor.canonical, p.target.canonical) for p in pairs}
    kept = {(p.actor.canonical, p.target.canonical) for p in listed_pairs(pairs, ["Ruth Okafor", "Tim Baird"])}
    assert ("Ruth Okafor", "Tim Baird") in kept and not any("Ruth Weller" in pair for pair in kept)


class KeywordModel:
    """A stand-in scorer: supportive where the sentence says "praised", critical for "against"."""

    def predict_proba(self, records):
        out = []
        for r in records:
            p = [0.8, 0.1, 0.1] if "praised" in r["text"] else [0.1, 0.8, 0.1] if "against" in r["text"] else \
                [0.1, 0.1, 0.8]
            out.append(p)
        return np.array(out)


def test_end_to_end_scores_and_stage_recalls(tmp_path, spacy_ner):
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    report = evaluate_articles(read_seesaw(root, "valid"), ArticlePipeline(KeywordModel(), spacy_ner, per_sentence=0))
    t, st = report["triples"], report["stages"]
    assert report["gold_triples"] == 2 and report["skipped_unnamed_gold"] == 1
    assert st["actor_recall"] == 1.0 and st["target_recall"] == 1.0 and st["pair_recall"] == 1.0
    assert t["tp"] == 2 and t["recall"] == 1.0  # both gold triples found with their labels
    # Baird -> Okafor in sentence 0 is overruled (the other direction is as probable and comes
    # first); in sentence 2 it stands, and the gold has no such triple: a false positive
    assert t["predicted"] == 3 and t["precision"] == round(2 / 3, 4)
    assert report["predicted_in_sentences_without_gold"] == round(1 / 3, 4)  # that one, in sentence 2
    assert report["operating_points"][0] == {"neutral_scale": 1.0, **t}


class HesitantModel(KeywordModel):
    """As KeywordModel, but not quite sure of Tuesday's praise (neutral 0.5 against supportive 0.4)."""

    def predict_proba(self, records):
        return np.array([[0.4, 0.1, 0.5] if "Tuesday" in r["text"] else p
                         for r, p in zip(records, super().predict_proba(records))])


def test_operating_points_rescore_the_triples_with_a_smaller_neutral_probability(tmp_path, spacy_ner):
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    report = evaluate_articles(read_seesaw(root, "valid"), ArticlePipeline(HesitantModel(), spacy_ner, per_sentence=0))
    points = {o["neutral_scale"]: o for o in report["operating_points"]}
    assert sorted(points) == [0.3, 0.5, 0.7, 1.0]
    assert (points[1.0]["tp"], points[1.0]["predicted"]) == (2, 2)  # Tuesday's sentence: neutral
    assert report["predicted_in_sentences_without_gold"] == 0.0
    # at 0.7 neutral is 0.35 < 0.4: one direction of Tuesday's pair is supportive (the other overruled), a false positive
    assert (points[0.7]["tp"], points[0.7]["predicted"]) == (2, 3) and points[0.7]["precision"] == round(2 / 3, 4)


class SurerOfPraiseModel(KeywordModel):
    """As KeywordModel, but Monday's praise is a close call (supportive 0.55) and Tuesday's sure."""

    def predict_proba(self, records):
        return np.array([[0.55, 0.05, 0.4] if "Monday" in r["text"] else [0.9, 0.05, 0.05] if "Tuesday" in r["text"]
                         else p for r, p in zip(records, super().predict_proba(records))])


def test_a_minimum_probability_keeps_only_the_surer_stances(tmp_path, spacy_ner):
    """--min-probability: the report's confidence points say what each bar keeps; the bar itself
    makes the pipeline report the less probable stances as neutral."""
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    pipeline = ArticlePipeline(SurerOfPraiseModel(), spacy_ner, per_sentence=0)
    report = evaluate_articles(read_seesaw(root, "valid"), pipeline)
    assert (report["triples"]["tp"], report["triples"]["predicted"]) == (2, 3)  # Tuesday's praise: not in the gold
    bars = {o["min_probability"]: (o["tp"], o["predicted"]) for o in report["confidence_points"]}
    assert bars == {0.5: (2, 3), 0.6: (1, 2), 0.7: (1, 2), 0.8: (1, 2), 0.9: (0, 1)}  # Monday 0.55, "against" 0.8 (kept at 0.8)
    strict = evaluate_articles(read_seesaw(root, "valid"), pipeline.with_options(min_probability=0.6))
    assert (strict["triples"]["tp"], strict["triples"]["predicted"]) == (1, 2)
    assert [o["min_probability"] for o in strict["confidence_points"]] == [0.7, 0.8, 0.9]
    with pytest.raises(ValueError, match="min_probability"):
        ArticlePipeline(SurerOfPraiseModel(), spacy_ner, min_probability=1.5)


def test_candidate_records_carry_the_gold_label_or_neutral(tmp_path, spacy_ner):
    from actorstance.articles.seesaw import candidate_records

    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    recs = list(candidate_records(read_seesaw(root, "valid"), ArticlePipeline(None, spacy_ner)))
    by_pair = {(r["text"], r["actor"], r["target"]): r["label"] for r in recs}
    assert by_pair[(SENTENCES[0], "Ruth Okafor", "Tim Baird")] == "supportive"
    assert by_pair[(SENTENCES[0], "Tim Baird", "Ruth Okafor")] == "neutral"
    assert all(r["label"] in LABELS and r["group"] == "900" for r in recs)
    for r in recs:  # spans point at the mentions in the sentence
        if r["actor_span"]:
            assert r["text"][slice(*r["actor_span"])] == r["actor"]


def test_bundled_gold_lines_up_with_sentences():
    arts = list(read_bundled(ROOT / "data" / "articles"))
    assert len(arts) == 6 and all(a.triples for a in arts)
    for a in arts:
        for t in a.triples:
            assert t.label in ("supportive", "critical") and 0 <= t.sentence < len(a.sentences)


def test_evaluate_articles_cli_reports_and_writes_json(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    from actorstance.cli import main

    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    out = tmp_path / "report.json"
    assert main(["evaluate-articles", str(root), "--model", str(tiny_tfidf_dir), "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "triples" in shown and "pair recall" in shown
    report = json.loads(out.read_text())
    assert report["gold_triples"] == 2 and 0.0 <= report["triples"]["f1"] <= 1.0
    assert main(["evaluate-articles", str(tmp_path), "--model", str(tiny_tfidf_dir)]) == 2
    assert "neither a SEESAW folder" in capsys.readouterr().err


def test_evaluate_articles_with_several_models_scores_their_mean(tmp_path, tiny_tfidf_dir, capsys):
    """--model A B: each candidate's probabilities are the mean of A's and B's (an ensemble)."""
    from conftest import tiny_records

    from actorstance.cli import main
    from actorstance.data import RawRow, to_dataset, validate_rows
    from actorstance.models.tfidf import TfidfStanceModel

    half = tiny_records()[::2]
    other = tmp_path / "other"
    TfidfStanceModel(seed=1).fit(to_dataset(validate_rows([RawRow(i + 1, r) for i, r in enumerate(half)],
                                                          Path("half.jsonl")))).save(other)
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    rows = {}
    for name, models in (("a", [tiny_tfidf_dir]), ("b", [other]), ("ab", [tiny_tfidf_dir, other])):
        out = tmp_path / f"{name}.jsonl"
        assert main(["evaluate-articles", str(root), "--model", *map(str, models), "--rows", str(out),
                     "--out", str(tmp_path / f"{name}.json")]) == 0
        rows[name] = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows["ab"] and len(rows["ab"]) == len(rows["a"]) == len(rows["b"])
    key = [f"p_{lab}" for lab in LABELS]
    assert any(abs(a[k] - b[k]) > 0.01 for a, b in zip(rows["a"], rows["b"]) for k in key)  # two different models
    same_reading = 0  # (each model keeps its own strongest reading of a name mentioned twice)
    for a, b, ab in zip(rows["a"], rows["b"], rows["ab"]):
        assert (a["actor"], a["target"]) == (ab["actor"], ab["target"])
        if a["actor_span"] == b["actor_span"] == ab["actor_span"] and a["target_span"] == b["target_span"] == ab["target_span"]:
            same_reading += 1
            assert all(abs(ab[k] - (a[k] + b[k]) / 2) < 2e-4 for k in key)
    assert same_reading > len(rows["ab"]) / 2
    assert json.loads((tmp_path / "ab.json").read_text())["model"] == f"{tiny_tfidf_dir} + {other}"
    # predict --model A --model B: the same ensemble on the same text gives the same rows
    article, predicted = tmp_path / "article.txt", tmp_path / "predicted.jsonl"
    article.write_text(" ".join(SENTENCES))
    assert main(["predict", str(article), "--model", str(tiny_tfidf_dir), "--model", str(other), "--all-pairs",
                 "-o", str(predicted)]) == 0
    strip = lambda r: {k: v for k, v in r.items() if k != "article_id"}  # noqa: E731
    assert [strip(json.loads(line)) for line in predicted.read_text().splitlines()] == [strip(r) for r in rows["ab"]]
    pytest.importorskip("pandas")
    import actorstance

    frame = actorstance.analyze(" ".join(SENTENCES), [tiny_tfidf_dir, other], all_pairs=True).rows  # the same, in Python
    assert [round(float(p), 4) for p in frame["p_supportive"]] == [r["p_supportive"] for r in rows["ab"]]


def test_malformed_seesaw_files_are_named(tmp_path, capsys, tiny_tfidf_dir):
    from actorstance.cli import main

    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES)
    (root / "annotations" / "TRIPLET_900_DOCUMENT_0.json").write_text('{"entity lists": [}')
    assert main(["evaluate-articles", str(root), "--model", str(tiny_tfidf_dir)]) == 2
    err = capsys.readouterr().err
    assert "TRIPLET_900_DOCUMENT_0.json:1: invalid JSON" in err and "Traceback" not in err


def test_stances_of_a_sentence_are_decided_together():
    from actorstance.articles.pipeline import decide

    def row(actor, target, ps, pc, sentence=0):
        p = {"supportive": ps, "critical": pc, "neutral": round(1 - ps - pc, 4)}
        label = max(p, key=p.get)
        return {"article_id": "a", "sentence_index": sentence, "actor": actor, "target": target, "label": label,
                "probability": p[label], **{f"p_{k}": v for k, v in p.items()}}

    rows = decide([row("A", "B", 0.7, 0.1), row("B", "A", 0.1, 0.6), row("A", "C", 0.1, 0.5),
                   row("C", "D", 0.55, 0.0), row("C", "D", 0.9, 0.0, sentence=1)], per_sentence=2)
    got = [(r["actor"], r["target"], r["label"], r["overruled"]) for r in rows]
    assert got == [("A", "B", "supportive", None), ("B", "A", "neutral", "reverse direction"),
                   ("A", "C", "neutral", "per-sentence limit"), ("C", "D", "supportive", None),
                   ("C", "D", "supportive", None)]
    assert rows[1]["probability"] == rows[1]["p_neutral"]
    assert [r["label"] for r in decide([row("A", "C", 0.1, 0.5), row("C", "D", 0.55, 0.0)], per_sentence=0)] == \
        ["critical", "supportive"]
    sure = decide([row("A", "C", 0.1, 0.5), row("C", "D", 0.55, 0.0), row("D", "E", 0.2, 0.45)], per_sentence=0,
                  min_probability=0.52)
    assert [(r["label"], r["overruled"]) for r in sure] == [("neutral", "below min probability"), ("supportive", None),
                                                            ("neutral", "below min probability")]


def test_a_name_mentioned_twice_is_read_at_each_mention_and_the_most_polar_reading_kept():
    """"Republicans are pressing Okafor ..., and Okafor has criticized Republicans": the first mentions carry no
    stance, the second do; the pair is scored at each and keeps one row, its least neutral reading."""
    from actorstance.articles.pairs import sentence_pairs
    from actorstance.articles.pipeline import strongest_readings

    text = "Republicans are pressing Ruth Okafor for details, and Okafor has criticized Republicans."
    sentence = Sentence(0, 0, len(text))
    first, second = text.index("Okafor"), text.rindex("Okafor")
    actors = [Mention(0, 11, "Republicans", "Republicans", "NORP", "group"),
              Mention(first - 5, first + 6, "Ruth Okafor", "Ruth Okafor", "PERSON"),
              Mention(second, second + 6, "Okafor", "Ruth Okafor", "PERSON"),
              Mention(len(text) - 12, len(text) - 1, "Republicans", "Republicans", "NORP", "group")]
    readings = [(p.actor.start, p.target.start) for p in sentence_pairs(text, sentence, actors, [], instances=3)
                if p.actor.canonical == "Ruth Okafor"]
    assert len(readings) == 4 and (second, len(text) - 12) in readings
    assert len(sentence_pairs(text, sentence, actors, [], instances=1)) == 2

    def row(actor_mention, p_neutral, sentence_index=0):
        return {"article_id": "a", "sentence_index": sentence_index, "actor": "Ruth Okafor", "target": "Republicans",
                "actor_mention": actor_mention, "via": "mention", "p_neutral": p_neutral}

    kept = strongest_readings([row("Ruth Okafor", 0.9), row("Okafor", 0.2), row("Okafor", 0.5), row("Okafor", 0.95, 1)])
    assert [(r["actor_mention"], r["p_neutral"]) for r in kept] == [("Okafor", 0.2), ("Okafor", 0.95)]


def test_the_articles_results_table_is_the_one_its_files_give():
    """benchmarks/results/articles/README.md is generated from the JSON reports beside it."""
    bench = load_script("benchmarks/articles_seesaw.py")
    assert (bench.OUT / "README.md").read_text() == bench.table()
    for f in bench.OUT.glob("*.json"):
        report = json.loads(f.read_text())
        assert report["command"].startswith("actorstance evaluate-articles") and report["triples"]["gold"] > 0


def test_seesaw_format_keeps_every_stance_when_thinning_neutrals(tmp_path, spacy_ner):
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES, split="train")
    full = [r.record for r in read_seesaw_candidates(root, {"split": "train"})]
    thin = [r.record for r in read_seesaw_candidates(root, {"split": "train", "neutral_rate": 0.3})]
    polar = lambda recs: [r["id"] for r in recs if r["label"] != "neutral"]  # noqa: E731
    assert polar(thin) == polar(full) and len(polar(full)) == 2
    assert len(thin) < len(full)
    for bad in ({"neutral_rate": "abc"}, {"neutral_rate": 0}, {"nuetral_rate": 0.5}, {"salient": -1}, {"salient": "2"}):
        with pytest.raises(DataError):
            list(read_seesaw_candidates(root, {"split": "train", **bad}))
    # the article's main subjects as targets of every sentence that does not name them, as predict --salient 2
    root = write_seesaw(tmp_path / "more", SENTENCES + ["Okafor left early."], TRIPLES, split="train")
    vias = lambda options: {r.record["via"] for r in read_seesaw_candidates(root, {"split": "train", **options})}  # noqa: E731
    assert "article" not in vias({}) and "article" in vias({"salient": 2})


def test_seesaw_format_can_leave_out_the_neutrals_of_sentences_with_an_unmatched_stance(tmp_path, spacy_ner):
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES, split="train")
    full = [r.record for r in read_seesaw_candidates(root, {"split": "train"})]
    sure = [r.record for r in read_seesaw_candidates(root, {"split": "train", "drop_uncertain": True})]
    neutral_in = lambda recs, k: [r["id"] for r in recs if r["text"] == SENTENCES[k] and r["label"] == "neutral"]  # noqa: E731
    # sentence 1 also holds a stance of a holder outside the entity list: its neutrals are unsure
    assert neutral_in(full, 1) and not neutral_in(sure, 1)
    assert neutral_in(sure, 2) == neutral_in(full, 2) != []  # no gold stance there: neutral is sure
    assert [r["id"] for r in sure if r["label"] != "neutral"] == [r["id"] for r in full if r["label"] != "neutral"]
    with pytest.raises(DataError, match="drop_uncertain"):
        list(read_seesaw_candidates(root, {"split": "train", "drop_uncertain": "yes"}))
    with pytest.raises(DataError, match="salient_holders"):
        list(read_seesaw_candidates(root, {"split": "train", "salient_holders": 1}))
    # the neutral candidates beside a matched stance (sentence 0) can be kept while the others thin out
    hard = [r.record for r in read_seesaw_candidates(root, {"split": "train", "neutral_rate": 0.0001,
                                                             "hard_neutral_rate": 1.0})]
    assert neutral_in(hard, 0) == neutral_in(full, 0) != [] and neutral_in(hard, 2) == []
    with pytest.raises(DataError, match="hard_neutral_rate"):
        list(read_seesaw_candidates(root, {"split": "train", "hard_neutral_rate": 2}))


def test_seesaw_format_can_leave_out_the_holders_topic_pairs_of_an_unmatched_stance(tmp_path, spacy_ner):
    """drop_uncertain_holders: the gold names the bill otherwise ("Fiscal Responsibility Act"), so Okafor's pair with
    the article's "budget bill" is no sure neutral; her pair with Baird, and Baird's pairs, are."""
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    sentences = ["Senator Ruth Okafor praised Governor Tim Baird on Monday.",
                 "Okafor said the budget bill was a disaster, and Tim Baird defended the budget bill."]
    root = write_seesaw(tmp_path / "seesaw", sentences, [(1, "Ruth Okafor", "NEG", "Fiscal Responsibility Act")],
                        split="train")
    pairs = lambda options: {(r.record["actor"], r.record["target"], r.record["label"])  # noqa: E731
                             for r in read_seesaw_candidates(root, {"split": "train", **options})
                             if r.record["text"] == sentences[1]}
    full, sure = pairs({}), pairs({"drop_uncertain_holders": True})
    assert ("Okafor", "budget bill", "neutral") in full and ("Okafor", "budget bill", "neutral") not in sure
    assert full - sure == {("Okafor", "budget bill", "neutral")}
    assert ("Tim Baird", "budget bill", "neutral") in sure and ("Okafor", "Tim Baird", "neutral") in sure
    assert pairs({"drop_uncertain": True}) == set()  # the broader option leaves out every neutral of the sentence
    with pytest.raises(DataError, match="drop_uncertain_holders"):
        list(read_seesaw_candidates(root, {"split": "train", "drop_uncertain_holders": "yes"}))


def test_seesaw_format_can_add_the_gold_stances_no_candidate_reaches(tmp_path):
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    # sentence 2 also holds a stance toward a topic it only implies: no candidate pair can match it
    root = write_seesaw(tmp_path / "seesaw", SENTENCES, TRIPLES + [(2, "Tim Baird", "NEG", "farm subsidies")],
                        split="train")
    plain = [r.record for r in read_seesaw_candidates(root, {"split": "train"})]
    more = [r.record for r in read_seesaw_candidates(root, {"split": "train", "missed_gold": True})]
    added = [r for r in more if r["via"] == "gold"]
    assert not [r for r in plain if r["via"] == "gold"] and len(more) == len(plain) + 1
    r, = added
    assert (r["text"], r["label"], r["actor"], r["target"]) == (SENTENCES[2], "critical", "Tim Baird", "farm subsidies")
    assert r["text"][slice(*r["actor_span"])] == "Tim Baird" and r["target_span"] is None  # read from its name
    with pytest.raises(DataError, match="missed_gold"):
        list(read_seesaw_candidates(root, {"split": "train", "missed_gold": "yes"}))


def test_gold_articles_format_labels_each_candidate_and_leaves_out_the_held_out_article(tmp_path, spacy_ner):
    """data/articles as training data: the pipeline's candidates on each article (the actor file's
    names merged), labeled from its gold; ``exclude`` keeps an article out; bad options are named."""
    import shutil

    from actorstance.articles.seesaw import read_gold_article_candidates
    from actorstance.errors import DataError

    for name in ("01-ceasefire-talks", "02-un-veto-sanctions"):
        for suffix in (".txt", ".gold.jsonl"):
            shutil.copy(ROOT / "data" / "articles" / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    shutil.copy(ROOT / "data" / "articles" / "actors.json", tmp_path / "actors.json")
    options = {"actors": "actors.json", "exclude": ["02-un-veto-sanctions"]}
    records = [r.record for r in read_gold_article_candidates(tmp_path, options)]
    assert records and {r["group"] for r in records} == {"01-ceasefire-talks"} and {r["source"] for r in records} == {"articles"}
    stances = {(r["actor"], r["target"], r["label"]) for r in records if r["label"] != "neutral"}
    assert ("Ingrid Halvorsen", "Qatar", "supportive") in stances  # quoted: the speaker by her canonical name
    assert sum(r["label"] == "neutral" for r in records) > 5 * len(stances)  # most candidates carry no stance
    both = {r.record["group"] for r in read_gold_article_candidates(tmp_path, {"actors": "actors.json"})}
    assert both == {"01-ceasefire-talks", "02-un-veto-sanctions"}
    with pytest.raises(DataError, match=r"exclude: no article 03-nope"):
        list(read_gold_article_candidates(tmp_path, {"exclude": ["03-nope"]}))
    for bad in ("02-un-veto-sanctions", 2):
        with pytest.raises(DataError, match="exclude: expected a list"):
            list(read_gold_article_candidates(tmp_path, {"exclude": bad}))
    with pytest.raises(DataError, match="unknown option"):
        list(read_gold_article_candidates(tmp_path, {"split": "train"}))


def test_the_bundled_held_out_table_is_the_one_its_file_gives():
    """benchmarks/results/articles-bundled.md is generated from the JSON beside it."""
    bench = load_script("benchmarks/articles_bundled.py")
    out = ROOT / "benchmarks" / "results" / "articles-bundled"
    res = json.loads(out.with_suffix(".json").read_text())
    assert out.with_suffix(".md").read_text() == bench.to_markdown(res)
    assert res["held_out"]["pooled"]["triples"]["gold"] == sum(r["triples"]["gold"] for r in res["held_out"]["per_article"]) > 0


def test_a_scorer_trained_with_salient_holders_gets_them_when_it_predicts():
    from types import SimpleNamespace

    from actorstance.articles.pairs import default_salient_holders

    def trained_on(options):
        return SimpleNamespace(info={"config": {"data": {"train": [{"path": "x", "options": options}]}}})

    assert default_salient_holders(trained_on({"split": "train", "salient_holders": True}))
    assert not default_salient_holders(trained_on({"split": "train"}))
    assert not default_salient_holders(SimpleNamespace(info={}))



def test_a_scorer_trained_on_listed_pairs_says_so_when_used_without_listed_only(capsys):
    from types import SimpleNamespace

    from actorstance.cli import notice_listed_model

    listed = SimpleNamespace(info={"config": {"data": {"train": [{"path": "x", "options": {"listed_only": True}}]}}})
    notice_listed_model(listed, listed_only=True)
    notice_listed_model(SimpleNamespace(info={}), listed_only=False)
    assert capsys.readouterr().err == ""
    notice_listed_model(listed, listed_only=False)
    assert "learned from the pairs between an article's main names only" in capsys.readouterr().err


def test_the_house_is_a_chamber_not_the_white_house(spacy_ner):
    """A short name points at a longer name that ends in it ("Okafor" -> "Ruth Okafor"), but
    "the House" of a story that names the White House is still the chamber."""
    text = ("The White House defended the delay on Tuesday. Since 2011, the House has voted 35 times to repeal "
            "the law. Senator Ruth Okafor said Okafor would vote no.")
    a = analysed(text, spacy_ner)
    canon = {(m.text, m.canonical) for m in a.mentions if m.kind == "name"}
    assert ("House", "House") in canon and ("House", "White House") not in canon
    assert ("Okafor", "Ruth Okafor") in canon
    text = "The Obama White House defended the delay. The House voted 35 times to repeal the law."
    canon = {(m.text, m.canonical) for m in analysed(text, spacy_ner).mentions if m.kind == "name"}
    assert ("House", "House") in canon and not any(c == "Obama White House" and t == "House" for t, c in canon), canon


def test_web_page_furniture_is_blanked_in_place(spacy_ner):
    """A scraped page's inline box (full name glued to headlines, closed by "MORE") becomes
    spaces: offsets still hold, and no "Walker Alice Mary Walker" actor comes of it."""
    from actorstance.articles.inputs import blank_web_furniture

    box = "Alice Mary WalkerSenate passes budget bill Walker says more to come MORE"
    text = (f"Sen. Alice Walker {box} (D-Ore.) said the budget was a disgrace. "
            "The senator praised governor Tom Baird. He said it one more time: ONE MORE TIME.")
    blanked = blank_web_furniture(text)
    assert blanked == text.replace(box, " " * len(box))
    assert blank_web_furniture(blanked) == blanked  # nothing else (a shouted "MORE" with no repeated name) is touched
    a = analysed(text, spacy_ner)
    assert a.article.text == blanked
    names = {m.canonical for m in a.mentions if m.kind == "name"}
    assert "Alice Walker" in names and not any("Mary" in n or "Senate" in n for n in names)


def test_furniture_lines_and_credits_are_blanked_in_place_and_text_that_looks_like_them_is_kept(spacy_ner):
    """Bylines, "Advertisement", "Read more:" links, newsletter prompts, copyright and the wire's
    reporting credits become spaces (offsets hold; their reporters are no actors); sentences that
    merely begin like them stay; an article of furniture alone still gives its (empty) result."""
    from actorstance.articles.inputs import blank_web_furniture

    furniture = ["By Jane Doe and John Roe | Reuters", "Published 3:45 PM ET, Tue March 3, 2020", "Advertisement",
                 "Read more: Leaders agree a new package", "Sign up for our Brussels newsletter.",
                 "Follow Jane Doe on Twitter @janedoe.", "(Reporting by Jane Doe; Editing by John Roe)",
                 "Press writer Ana Lima in Lisbon contributed to this report.", "Copyright © 2024 Reuters. All rights reserved."]
    text_lines = ["Prime Minister Viktor Orban criticised the sanctions on Monday.",
                  "By Monday, Orban had signalled he would not block the deal.",
                  "Reporting by the Post showed that the money was spent.", "Copyright holders sued the company.",
                  "Updated figures released in 2023 show 3 million people lost coverage.",
                  "Read more about it in the report."]
    text = "\n\n".join(furniture[:4] + text_lines + furniture[4:])
    blanked = blank_web_furniture(text)
    assert len(blanked) == len(text) and all(line in blanked for line in text_lines)
    assert not any(line in blanked for line in furniture)
    a = analysed(text, spacy_ner)
    names = {m.canonical for m in a.mentions if m.kind == "name"}
    assert "Viktor Orban" in names and not names & {"Jane Doe", "John Roe", "Ana Lima", "Reuters"}
    a, b = ArticlePipeline(None, spacy_ner).analyse([Article("a", "\n\n".join(furniture), "a"),
                                                     Article("b", "Anna Weber praised Marco Ruiz.", "b")])
    assert (a.article.id, a.sentences, a.pairs) == ("a", [], []) and b.pairs


class _FailingModel:
    def predict_proba(self, records):
        raise RuntimeError("scorer broke")


def test_scoring_beside_reading_gives_the_rows_of_scoring_in_turn(spacy_ner):
    """The scorer runs in a second thread while the next chunk is read: same rows, same order
    as scoring each chunk in turn, and a scorer's error reaches the caller."""
    articles = [Article(f.stem, f.read_text(encoding="utf-8"), f.stem) for f in sorted((ROOT / "data" / "articles").glob("*.txt"))]
    pipe = ArticlePipeline(KeywordModel(), spacy_ner, chunk_articles=2)
    chunks = [(ch, rows) for ch, rows in pipe.run_analysed(articles)]
    in_turn = [rows for _, rows in pipe.with_options(overlap=False).run_analysed(articles)]
    assert [rows for _, rows in chunks] == in_turn and len(in_turn) == (len(articles) + 1) // 2
    assert [a.article.id for ch, _ in chunks for a in ch] == [a.id for a in articles]
    assert all({r["article_id"] for r in rows} <= {a.article.id for a in ch} for ch, rows in chunks)
    with pytest.raises(RuntimeError, match="scorer broke"):
        list(ArticlePipeline(_FailingModel(), spacy_ner, chunk_articles=1).run(articles))


def test_a_topic_named_after_a_place_or_group_is_the_target_not_the_name(spacy_ner):
    """"Rishi Sunak's Rwanda plan", "the Iran nuclear deal": what the stance is toward is the plan, not
    Rwanda; "Ferguson law enforcement" is no law, and a person's plan stays the person's."""
    from actorstance.articles.lexicon import ActorLexicon

    text = ("Keir Starmer attacked Rishi Sunak's Rwanda plan on Wednesday. Senators vowed to block the Iran nuclear "
            "deal. The inquiry faulted Ferguson law enforcement. Critics mocked the Obama plan.")
    a = analysed(text, spacy_ner)
    topics = {m.canonical for m in a.mentions if m.kind == "topic"}
    names = {m.canonical for m in a.mentions if m.kind == "name"}
    assert {"Rwanda plan", "Iran nuclear deal"} <= topics and not {"Rwanda", "Iran"} & names
    assert ("Keir Starmer", "Rwanda plan") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}
    assert "Ferguson law" not in topics and "Obama plan" not in topics
    # the user's own topics replace the found ones: the names stay as they were
    own = ArticlePipeline(None, spacy_ner, topics=ActorLexicon({"the plan": ["Rwanda plan"]}))
    b, = own.analyse([Article("a", text, "a")])
    assert "Rwanda" in {m.canonical for m in b.mentions if m.kind == "name"}


def test_a_surname_the_recogniser_calls_a_place_is_the_person_and_brackets_are_no_part_of_a_name():
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.mentions import resolve_mentions

    text = ("Sen. Robert Menendez spoke. Menendez denied it. Critics said Menendez lied. "
            "Speaker [John] Boehner agreed. Jordan sent troops.")
    raw = [entity(text, "Robert Menendez", "PERSON"), entity(text, "Menendez", "ORG", 1),
           entity(text, "Menendez", "GPE", 2), entity(text, "[John] Boehner", "PERSON"), entity(text, "Jordan", "GPE")]
    got = {(text[m.start:m.end], m.canonical) for m in resolve_mentions(text, raw, ActorLexicon())}
    assert ("Menendez", "Robert Menendez") in got and ("Menendez", "Menendez") not in got
    assert ("[John] Boehner", "John Boehner") in got
    assert ("Jordan", "Jordan") in got  # a place only ever tagged as one stays a place
    # ... and a surname tagged only as a place is the person named in full before it (not a place named before them)
    text = "Jordan sent troops. Chancellor Olaf Scholz spoke. Merz accused Scholz of weakness. Michael Jordan laughed."
    raw = [entity(text, "Jordan", "GPE"), entity(text, "Olaf Scholz", "PERSON"), entity(text, "Merz", "PERSON"),
           entity(text, "Scholz", "GPE", 1), entity(text, "Michael Jordan", "PERSON")]
    got = {(text[m.start:m.end], m.canonical) for m in resolve_mentions(text, raw, ActorLexicon())}
    assert ("Scholz", "Olaf Scholz") in got and ("Jordan", "Jordan") in got, got


def test_hashtags_store_possessives_and_run_on_names():
    """A hashtag is no actor; "Dick's Sporting Goods" (the recogniser's person "Dick" and organisation "Sporting
    Goods") is one company, and "Dick's" alone is that company; "Rubio on Facebook" is Rubio."""
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.mentions import resolve_mentions

    text = ("Dick's Sporting Goods stopped selling rifles. Dick's chief executive spoke. Supporters shared #StandWithPP. "
            "Senator Marco Rubio read a smear of Rubio on Facebook. Obama's Justice Department sued.")
    raw = [entity(text, "Sporting Goods", "ORG"), entity(text, "Dick", "PERSON", 1), entity(text, "StandWithPP", "PERSON"),
           entity(text, "Marco Rubio", "PERSON"), entity(text, "Rubio on Facebook", "ORG"), entity(text, "Obama", "PERSON"),
           entity(text, "Justice Department", "ORG")]
    got = {(text[m.start:m.end], m.canonical, m.label) for m in resolve_mentions(text, raw, ActorLexicon())}
    assert ("Dick's Sporting Goods", "Dick's Sporting Goods", "ORG") in got
    assert ("Dick", "Dick's Sporting Goods", "ORG") in got
    assert not any(c == "StandWithPP" for _, c, _ in got)
    assert ("Rubio", "Marco Rubio", "PERSON") in got
    # where the article names the owner outside a possessive, the possessor stays the person
    assert ("Justice Department", "Justice Department", "ORG") in got and ("Obama", "Obama", "PERSON") in got


def test_a_common_word_capitalised_at_a_sentence_or_quote_start_is_no_name():
    """'"Vaccine nationalism ...,"' is no actor "Vaccine" where the article writes "vaccine" in lower case;
    "Senate" opening a sentence stays a name where the article capitalises it inside a sentence too."""
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.mentions import resolve_mentions

    text = ('"Vaccine nationalism is wrong," Tedros said. Rich nations restrict vaccine exports. '
            'Senate leaders met. The state senate and the Senate agreed.')
    raw = [entity(text, "Vaccine", "ORG"), entity(text, "Tedros", "PERSON"), entity(text, "Senate", "ORG"),
           entity(text, "Senate", "ORG", 1)]
    got = [(m.start, m.canonical) for m in resolve_mentions(text, raw, ActorLexicon())]
    assert [c for _, c in got] == ["Tedros", "Senate", "Senate"], got
    assert got[1][0] == text.index("Senate leaders")


def test_a_title_the_recogniser_took_into_a_name_is_no_part_of_it():
    """"Councilor Belinda Ray" is Belinda Ray; "King Charles III" and the case "King v. Burwell" keep theirs."""
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.mentions import resolve_mentions

    text = "Councilor Belinda Ray objected. King Charles III spoke. King v. Burwell was decided."
    raw = [entity(text, "Councilor Belinda Ray", "PERSON"), entity(text, "King Charles III", "PERSON"),
           entity(text, "King v. Burwell", "PERSON")]
    assert [m.canonical for m in resolve_mentions(text, raw, ActorLexicon())] == \
        ["Belinda Ray", "King Charles III", "King v. Burwell"]


def test_a_party_or_nationality_used_as_an_adjective_qualifies_a_topic(spacy_ner):
    """"a Republican bill" is a topic (the bill's), so "the legislation" later refers back to it and
    "McConnell defended the legislation" is a pair; "Republican" itself is no actor."""
    text = ("The Senate rejected a Republican bill on Thursday. Schumer attacked the bill. "
            "Senate Majority Leader Mitch McConnell defended the legislation.")
    a = analysed(text, spacy_ner)
    topics = {m.canonical for m in a.mentions if m.kind == "topic"}
    assert "Republican bill" in topics and "Republican" not in {m.canonical for m in a.mentions if m.kind == "name"}
    assert ("Mitch McConnell", "Republican bill") in {(p.actor.canonical, p.target.canonical) for p in a.pairs}


def test_a_family_name_first_a_country_in_a_title_and_a_self_named_topic_repeated():
    """"Wang" is Wang Wenbin (the family name first), unless two people share the word; "U.S." in "U.S.
    Trade Representative Katherine Tai" is her title, not an actor; "the tariffs" after "U.S. tariffs"
    are those tariffs."""
    from actorstance.articles.lexicon import ActorLexicon
    from actorstance.articles.mentions import resolve_mentions

    text = ("Spokesman Wang Wenbin spoke. U.S. Trade Representative Katherine Tai replied. Wang left. "
            "China met the U.S. team.")
    raw = [entity(text, "Wang Wenbin", "PERSON"), entity(text, "U.S.", "GPE"), entity(text, "Katherine Tai", "PERSON"),
           entity(text, "Wang", "ORG", 1), entity(text, "China", "GPE"), entity(text, "U.S.", "GPE", 1)]
    got = [(text[m.start:m.end], m.canonical) for m in resolve_mentions(text, raw, ActorLexicon())]
    assert ("Wang", "Wang Wenbin") in got
    assert [t for t, _ in got].count("U.S.") == 1 and got[-1] == ("U.S.", "United States")  # the team's stays
    shared = "Wang Wenbin spoke. Wang Yi replied. Wang left."
    raw = [(0, 11, "PERSON"), (19, 26, "PERSON"), (36, 40, "PERSON")]
    assert ("Wang", "Wang") in [(shared[m.start:m.end], m.canonical) for m in resolve_mentions(shared, raw, ActorLexicon())]
    topics = [Mention(0, 12, "U.S. tariffs", "U.S. tariffs", "TOPIC", "topic"),
              Mention(30, 37, "tariffs", "tariffs", "TOPIC", "topic")]
    assert [m.canonical for m in resolve_topic_references(topics)] == ["U.S. tariffs", "U.S. tariffs"]


def test_the_administration_the_chambers_and_an_organisation_inside_a_title(spacy_ner):
    """"the administration" is the government the article names ("the Trump administration"), else its president's,
    never the "Food and Drug Administration" named before it; in an article about Congress "the Senate" and "the
    House" are its chambers; "the GOP nominee" is the nominee, and its "GOP" no actor of its own."""
    def canon(text, kinds=("name", "group", "reference")):
        return {(m.text, m.canonical) for m in analysed(text, spacy_ner).mentions if m.kind in kinds}

    text = ("President Ruth Okafor spoke on Monday. The Food and Drug Administration approved the pill. Conservative "
            "groups say the administration is ignoring parents. Administration officials disagreed.")
    got = canon(text)
    assert ("administration", "Okafor administration") in got, got
    assert not any(t.lower().startswith("administration") and c == "Food and Drug Administration" for t, c in got)
    # "the White House" is the president's, named as the administration is
    got = canon("President Ruth Okafor spoke on Monday. The White House said it would wait. Senior administration "
                "officials agreed.")
    assert ("White House", "Okafor White House") in got, got
    assert {c for t, c in got if "officials" in t} == {"Okafor administration"}, got  # its staff speak for it
    got = canon("The Trump administration said on Monday it would wait. Democrats said the administration had failed.")
    assert ("administration", "Trump administration") in got, got
    # of several presidents, the one the article names most: not the last one titled
    text = ("President Ruth Okafor spoke on Monday. Okafor warned Congress. Okafor met European Council President "
            "Tom Hale. Critics said the administration had failed.")
    assert ("administration", "Okafor administration") in canon(text), canon(text)
    got = canon("Aides in the Bush White House had warned of it. The White House said on Monday it would wait.")
    assert ("White House", "White House") in got, got
    # a government named after a head the article never names otherwise; "this" and "the same administration" too
    got = canon("Critics assailed the Obama administration. \"This administration misled us, and the same administration "
                "now asks for trust,\" Tom Hale said.")
    assert {("administration", "Obama administration"), ("same administration", "Obama administration")} <= got, got
    text = "Sen. Ruth Okafor (D-Ore.) said the Senate would vote. The House passed the bill on Friday."
    got = canon(text, ("name",))
    assert {("Senate", "United States Senate"), ("House", "United States House of Representatives")} <= got, got
    assert ("Senate", "Senate") in canon("Ruth Okafor said the Senate would vote on Friday.", ("name",))
    text = 'Republican nominee Donald Trump was in Iowa. "Justice will be done," the GOP nominee said of the ruling.'
    a = analysed(text, spacy_ner)
    assert ("the GOP nominee", "Donald Trump") in {(m.text, m.canonical) for m in a.mentions}
    assert not any(m.text == "GOP" for m in a.mentions)


def test_what_a_stance_word_takes_is_a_topic_even_named_once(spacy_ner):
    """Topics need a head the article repeats, except the object of a stance-bearing word or preposition: "a
    stalwart against corruption", "called for a carbon tax", a stance noun's complement ("opposition to background
    checks", "the standoff over border wall funding"); a phrase named once elsewhere stays no topic."""
    text = ("Ruth Okafor has been a stalwart against corruption. She called for a carbon tax on Monday. "
            "She visited a bakery in Ohio. Her opposition to background checks is old. The standoff over "
            "border wall funding went on. She voted against the 2011 debt deal.")
    topics = {m.canonical for m in analysed(text, spacy_ner).mentions if m.kind == "topic"}
    assert {"corruption", "carbon tax", "background checks", "border wall funding", "debt deal"} <= topics, topics
    assert "bakery" not in topics


def test_a_state_abbreviation_is_no_actor(spacy_ner):
    """"Sen. John McCain (Ariz.)", "Orlando, Fla.": where someone is, not who holds a stance."""
    text = "Sen. John McCain (Ariz.) dismissed him. A man from Orlando, Fla., spoke. Sen. Ted Cruz (R-Texas) left."
    names = {m.text for m in analysed(text, spacy_ner).mentions}
    assert {"John McCain", "Ted Cruz"} <= names and not any(n.startswith(("Ariz", "Fla", "Texas")) for n in names), names


def test_candidate_records_with_readings_give_each_reading_of_a_pair_its_label_and_bag(tmp_path, spacy_ner):
    """The seesaw option ``readings``: a pair whose names a sentence mentions twice is a record per
    reading, all labeled as the pair and sharing its ``bag`` (model.best_reading learns from the one
    that states the stance); without it, one record per pair and no bag."""
    from actorstance.articles.seesaw import candidate_records

    sentences = ["Senator Ruth Okafor met Governor Tim Baird on Monday.",
                 "Okafor thanked Baird for the talks, and Okafor later praised Baird."]
    root = write_seesaw(tmp_path / "seesaw", sentences, [(1, "Ruth Okafor", "POS", "Tim Baird")])
    once = list(candidate_records(read_seesaw(root, "valid"), ArticlePipeline(None, spacy_ner, instances=1)))
    read = list(candidate_records(read_seesaw(root, "valid"), ArticlePipeline(None, spacy_ner, instances=3)))
    assert not any("bag" in r for r in once)
    praise = [r for r in read if r["text"] == sentences[1] and r["label"] == "supportive"]
    assert len(praise) == 4 and len({r["bag"] for r in praise}) == 1  # Okafor x Baird, each mentioned twice
    assert len({(tuple(r["actor_span"]), tuple(r["target_span"])) for r in praise}) == 4
    assert [r for r in once if r["text"] == sentences[1] and r["label"] == "supportive"] == [
        {k: v for k, v in praise[0].items() if k != "bag"}]  # the first reading
    bags = {}
    for r in read:
        bags.setdefault(r["bag"], set()).add(r["label"])
    assert all(len(labels) == 1 for labels in bags.values())
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    assert any(r.record.get("bag") for r in read_seesaw_candidates(root, {"split": "valid", "readings": 2}))
    for option, bad in (("readings", 0), ("readings", "two"), ("salient", -1)):
        with pytest.raises(DataError, match=rf"seesaw: {option}: expected a whole number >= {int(option == 'readings')}"):
            list(read_seesaw_candidates(root, {"split": "valid", option: bad}))


def test_the_word_probes_cover_every_word_and_frame_and_their_table_is_generated(tmp_path, monkeypatch):
    probe = load_script("benchmarks/articles_probe.py")
    items = probe.probes()
    assert len(items) == len(probe.WORDS) * len(probe.FRAMES) == len({pid for pid, *_ in items})
    pid, word, expected, text = items[1]
    assert word == "bill" and expected == "critical" and text.endswith(f"Senator {probe.HOLDER} criticized the bill.")
    assert (probe.OUT / "README.md").read_text(encoding="utf-8") == probe.table()  # the committed table is its files'
    monkeypatch.setattr(probe, "OUT", tmp_path)
    report = {"name": "m", "model": "DIR", "when": "w", "probes": [
        {"id": p, "word": w, "expected": e, "label": "neutral" if w == "bill" else e} for p, w, e, _ in items]}
    (tmp_path / "m.json").write_text(json.dumps(report), encoding="utf-8")
    row = next(line for line in probe.table().splitlines() if line.startswith("| m |"))
    right = 1 - (len(probe.FRAMES) - 2) / len(items)  # all right but "bill" in its six stance frames
    assert row.startswith(f"| m | {right:.2f} |") and "| 0.25 | 1.00 |" in row


def test_the_error_breakdown_sorts_each_gold_stance_by_where_it_was_lost():
    """benchmarks/articles_errors.py on a hand-made article: a pair found and labeled right, one found but read
    neutral with confidence, a target named only in the sentence before; the summary rules pool a pair's
    sentences; and the committed table is what its reports give."""
    from actorstance.articles.gold import GoldArticle, GoldTriple

    errors = load_script("benchmarks/articles_errors.py")
    text = "Senator Ann Lee met Tom Park. Lee criticized Park. Lee praised Park's plan. She backed it."
    spans = [(0, 28), (29, 49), (50, 74), (75, 88)]
    gold = GoldArticle("a", text, spans, [GoldTriple(1, "Ann Lee", "Tom Park", "critical"),
                                          GoldTriple(2, "Ann Lee", "Tom Park", "supportive"),
                                          GoldTriple(3, "Ann Lee", "Tom Park", "supportive")])

    def row(i, label, p_support, p_critical):
        return {"article_id": "a", "sentence_index": i, "sentence_span": list(spans[i]), "actor": "Ann Lee",
                "target": "Tom Park", "label": label, "p_supportive": p_support, "p_critical": p_critical,
                "p_neutral": round(1 - p_support - p_critical, 4)}

    rows = [row(0, "neutral", 0.02, 0.03), row(1, "critical", 0.1, 0.8), row(2, "neutral", 0.05, 0.05)]
    report = errors.diagnose([gold], {"a": rows})
    assert report["found_pairs"] == {"right": 1, "neutral, gold label's probability < 0.1": 1}
    assert report["target_misses"] == {"in one of the two sentences before": 1}  # sentence 3 has no candidate
    summary = report["summary_rules"]
    assert summary["rows' more frequent stance (the pipeline's)"]["predicted"] == 1  # critical: 1 row against 0
    assert summary["rows' more frequent stance (the pipeline's)"]["tp"] == 0  # the gold's dominant is supportive
    assert summary["sum of a stance's probability >= 0.8"]["predicted"] == 1  # critical 0.83 over the sentences
    assert summary["maximum of a stance's probability >= 0.8"]["predicted"] == 1
    assert summary["maximum of a stance's probability >= 0.8"]["tp"] == 0
    assert (errors.OUT / "README.md").read_text(encoding="utf-8") == errors.render(errors.OUT)
