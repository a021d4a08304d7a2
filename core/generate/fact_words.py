"""Worded facts: the statements of ordinary prose, lists and glossaries, each as the question it answers.

    "This resistance to a change in motion is called inertia."   -> What is inertia?
    "Nucleus – the organelle that contains the genetic material." -> What is the nucleus?
    "Ribosomes are tiny structures that make proteins."           -> What are ribosomes?
    "The cost function measures how well the line fits the data." -> What does the cost function measure?
    "The Solar System consists of the Sun and ..."                -> What does the Solar System consist of?
    "Geothermal energy can be used to generate electricity."      -> What can geothermal energy be used for?
    "Two fractions are equivalent when they name the same amount." -> When are two fractions equivalent?
    "Overfitting happens when a model learns the noise ..."       -> When does overfitting happen?
    "X, which is why Y" / "Y because X"                           -> Why ...?

A finder returns None whenever its subject is not a plain noun phrase (a pronoun, a clause, a phrase
such as "one more term to understand"): the sentence is skipped rather than turned into a bad question.
"""

from __future__ import annotations

import re

from core.generate.fact_grammar import (
    Context,
    Fact,
    base_verb,
    capitalise,
    is_participle,
    is_plural,
    keep_case,
    starts_with_pronoun,
)

MAX_TERM_WORDS = 5
PERSONAL = ("it ", "they ", "he ", "she ", "we ", "you ")  # "This resistance ... is called inertia" is fine
NOT_SUBJECT_WORDS = frozenset(
    """
    is are was were be been has have had can could will would may might must should not also then so
    there here this that it its which who what when where why how if as while although because than very
    often usually we you they he she i our your their
    """.split()  # noqa: SIM905
)
OPENING_PREPOSITIONS = tuple(
    f"{w} " for w in ["in", "on", "at", "for", "with", "by", "from", "to", "after", "before", "once"]
)
META_HEADS = frozenset(
    """
    term concept idea thing point example word key topic lesson question answer
    """.split()  # noqa: SIM905
)
DESC_CUT = re.compile(r";|, (?:while|but|whereas|so|which is why|and (?:it|they|the|this|these)) |:(?= )")
ADJECTIVE_STOP = frozenset(
    """
    very often usually also not more less much made used found called known able about around equal true
    false important likely always never only just still even now then here there so such too quite
    really both all each every some many most few
    """.split()  # noqa: SIM905
)
ORDINALS = re.compile(r"^the (?:first|second|third|last|next|same|opposite|only|main|other|rest) ", re.I)
RELATIVE = re.compile(r"\b(?:that|which|where|who|whose|of|for|with|in|from|used|made|around|between)\b")

TERM_PATTERNS = (
    re.compile(r"^(?P<desc>.+?) (?P<verb>is|are) (?:called|known as) (?:an? )?(?P<term>[\w' -]+)$", re.I),
    re.compile(r"^(?P<desc>.+?): this is (?P<term>[\w' -]+)$", re.I),
    re.compile(r"^(?P<desc>.{20,}?): (?P<term>[\w-]+)$"),
    re.compile(r"^(?P<desc>[A-Z][^(),]+?) \((?P<term>[a-z][\w-]*(?: [a-z][\w-]*)?)\)(?:$|,| and )"),
)
CALLED = re.compile(
    r"^(?P<before>.+?) (?P<prep>through|by|into|from|with|inside|in) (?P<np>(?:[\w-]+ ){0,3}[\w-]+) called (?P<term>[\w-]+)"
)
APPOSITIVE = re.compile(
    r"(?:^|\b(?:the|is|are|was|were|contain|contains|called|named|of|and|or|include|includes) )"
    r"(?P<term>[a-z][\w-]+(?: [a-z][\w-]+){0,2}), (?P<desc>an? [\w -]+? (?:that|which) [^,]+)"
)
GLOSSARY = re.compile(r"^(?P<term>[A-Z][\w'-]*(?: [\w'-]+){0,3})\s*(?::|–|—| - )\s*(?P<desc>[a-z].{8,})$")
DEFINITION = re.compile(
    r"^(?P<term>[\w'’, -]{2,60}?)(?: such as [^,]+?)? (?P<verb>is|are|was|were) (?P<desc>.+)$"
)
FUNCTION = re.compile(
    r"^(?P<subj>[\w'’ -]{2,60}?)(?:, (?:written|called|also called|or|known as) [^,]+,)? "
    r"(?P<verb>tells? us|consists? of|(?:is|are) made (?:up )?of|means|measures?|represents?|shows?|describes?|"
    r"explains?|controls?|contains?|determines?|stores?|produces?|absorbs?|carries|carry|releases?|protects?|"
    r"causes?|converts?|transports?|predicts?|minimi[sz]es?|chooses?|reduces?|holds?|supplies|supply|"
    r"provides?|includes?|has|have|had) (?P<obj>.+)$"
)
# Past actions of history lessons, limited to verbs that always take an object ("banned the employment").
PAST_ACTION = re.compile(
    r"^(?P<subj>[A-Z][\w'’ -]{2,60}?) (?P<verb>banned|invented|discovered|built|founded|wrote|published|"
    r"introduced|abolished|created|designed|developed|produced|signed|conquered|defeated|ruled|won|replaced|"
    r"supplied|passed|described|proposed) (?P<obj>.+)$"
)
LOCATION = re.compile(
    r"^(?P<subj>[\w'’ -]{2,60}?) (?P<verb>is|are) (?:mainly |mostly |usually |often |only )?found "
    r"(?P<where>(?:in|along|at|on|near|inside|under|around|throughout) .+)$"
)
USE = re.compile(
    r"^(?P<subj>[\w'’ -]{2,60}?) (?:(?P<verb>is|are) (?:often |mainly |usually |commonly )?|(?P<can>can) be )"
    r"used (?P<prep>to|for) (?P<rest>.+)$"
)
CONDITION = re.compile(
    r"^(?P<subj>[\w' -]{3,40}?) (?:(?P<verb>is|are) (?P<adj>[\w-]+)|can (?:only )?be (?P<pp>[\w-]+)|"
    r"(?P<event>happens|occurs|happen|occur)) when (?P<cond>[^;]+)",
    re.I,
)
REASONS = (
    re.compile(r"^(?P<cause>.+?),? which is why (?P<effect>.+)$", re.I),
    re.compile(r"^(?P<cause>[A-Z][^,]+?),? forming (?P<formed>[a-z][\w -]+)$"),
    re.compile(r"^(?P<effect>[A-Z].+?),? because (?P<cause>.+)$"),
)


def noun_phrase(text: str) -> bool:
    """Whether text can be the subject of a question: a short noun phrase, not a pronoun or a clause.

    A list ("Iron, nickel and cobalt") is one when each of its items is; "the Factory Act of 1833" is one."""
    phrase = re.sub(r" of 1\d{3}$", "", text.strip())
    items = re.split(r", (?:and )?| and ", phrase) if "," in phrase else [phrase]
    if len(items) > 1:
        return all(_single_noun_phrase(item) for item in items) and len(phrase.split()) <= 8
    return _single_noun_phrase(phrase)


def _single_noun_phrase(phrase: str) -> bool:
    words = phrase.lower().replace("’", "'").split()
    return (
        0 < len(words) <= MAX_TERM_WORDS + 2
        and not starts_with_pronoun(phrase)
        and not (phrase.lower() + " ").startswith(OPENING_PREPOSITIONS)
        and not any(w in NOT_SUBJECT_WORDS for w in words)
        and not re.search(r"[,;:=\"'‘’()]|\d", phrase.replace("'s ", " ").replace("’s ", " "))
        and not (set(words) & META_HEADS and " to " in f" {phrase} ")
        and words[-1] not in META_HEADS
    )


def _answer(text: str) -> str:
    return DESC_CUT.split(text.strip(), maxsplit=1)[0].strip().rstrip(".,")


def _fact(kind: str, question: str, answer: str, sentence: str, subject: str, form: str = "") -> Fact:
    return Fact(kind, question, answer, capitalise(sentence) + ".", subject, form=form)  # type: ignore[arg-type]


def term_fact(sentence: str, context: Context) -> Fact | None:
    """A term the sentence names ("... is called inertia", "...: this is transpiration", "(infiltration)")."""
    if "=" in sentence:
        return None
    for index, pattern in enumerate(TERM_PATTERNS):
        match = pattern.search(sentence)
        if (
            match
            and _plain_term(match.group("term"))
            and not match.group("desc").lower().startswith(PERSONAL)
        ):
            desc = re.sub(r"^(?:this|these|that|those) ", "", match.group("desc").strip(), flags=re.I)
            desc = keep_case(desc, context.names)
            verb = (
                match.groupdict().get("verb") or ("are" if is_plural(match.group("term")) else "is")
            ).lower()
            answer = desc if index == 0 else f"when {desc}"
            return _fact(
                "term", f"What {verb} {match.group('term').strip()}?", answer, sentence, match.group("term")
            )
    called = CALLED.search(sentence)
    if called and _plain_term(called.group("term")) and not starts_with_pronoun(called.group("before")):
        answer = f"{called.group('np')} {called.group('prep')} which {keep_case(called.group('before'), context.names)}"
        verb = "are" if is_plural(called.group("term")) else "is"
        return _fact("term", f"What {verb} {called.group('term')}?", answer, sentence, called.group("term"))
    appositive = APPOSITIVE.search(sentence)
    if appositive and noun_phrase(appositive.group("term")):
        term = appositive.group("term")
        article = "the " if re.search(rf"\bthe {re.escape(term)}", sentence) else ""
        verb = "are" if is_plural(term) else "is"
        return _fact("term", f"What {verb} {article}{term}?", appositive.group("desc"), sentence, term)
    return None


def _plain_term(term: str) -> bool:
    words = term.split()
    return (
        0 < len(words) <= 3 and not any(ch.isdigit() for ch in term) and term.lower() not in {"this", "that"}
    )


def glossary_fact(sentence: str, context: Context) -> Fact | None:
    """A glossary line or list item: "Magma chamber: a large pool of molten rock beneath the surface"."""
    match = GLOSSARY.match(sentence)
    if match is None or "=" in sentence:
        return None
    term, desc = match.group("term").strip(), _answer(match.group("desc"))
    if not noun_phrase(term) or term.lower().startswith(("a ", "an ", "the ")) or len(desc.split()) < 3:
        return None
    name = keep_case(term, context.names)
    article = desc.split()[0].lower()
    if article == "the":
        question = f"What {'are' if is_plural(term) else 'is'} the {name}?"
    elif article in {"a", "an"}:
        question = f"What is {'an' if name[:1].lower() in 'aeiou' else 'a'} {name}?"
    else:
        question = f"What {'are' if is_plural(term) else 'is'} {name}?"
    return _fact("term", question, desc, sentence, name, form="glossary")


def definition_fact(sentence: str, context: Context) -> Fact | None:
    """'X is a/the Y' and 'X are ADJ Ys that ...': the question asks what X is."""
    match = DEFINITION.match(sentence)
    if match is None or "=" in match.group("term") or not noun_phrase(match.group("term")):
        return None
    term, verb, desc = match.group("term").strip(), match.group("verb"), _answer(match.group("desc"))
    desc = re.sub(r"\s+too\b", "", desc).strip()
    if not _describes(desc, verb):
        return None
    name = keep_case(term, context.names)
    return _fact("definition", f"What {verb} {name}?", desc, sentence, name)


def _describes(desc: str, verb: str) -> bool:
    """Whether what follows "is"/"are" says what the subject is (not how it is, or what is done to it)."""
    words = desc.split()
    if len(words) < 2 or ORDINALS.match(desc) or starts_with_pronoun(desc):
        return False
    first = words[0].lower()
    if first in {"a", "an", "the", "one", "part", "any"}:
        return True
    if (
        first in ADJECTIVE_STOP
        or first.endswith(("ly", "ing"))
        or is_participle(first)
        or not first.isalpha()
    ):
        return False
    plural_noun = verb == "are" and len(words) <= 3 and words[-1].endswith("s")
    return plural_noun or (len(words) >= 4 and RELATIVE.search(" ".join(words[1:])) is not None)


def function_fact(sentence: str, context: Context) -> Fact | None:
    """'X measures / represents / consists of / tells us Y': what does X do?"""
    match = FUNCTION.match(sentence)
    if match is None or "=" in sentence or not noun_phrase(match.group("subj")):
        return None
    obj = _answer(match.group("obj"))
    if len(obj.split()) < 2 or starts_with_pronoun(obj) or " because " in obj:
        return None  # "X has Y because Z" is better asked as why (reason_fact)
    subj, verb = keep_case(match.group("subj"), context.names), match.group("verb")
    made = re.match(r"(is|are) (made (?:up )?of)", verb)
    if made:
        question = f"What {made.group(1)} {subj} {made.group(2)}?"
    elif verb in {"has", "have", "had"}:
        question = f"What { {'has': 'does', 'have': 'do', 'had': 'did'}[verb] } {subj} have?"
    else:
        head, _, tail = verb.partition(" ")
        singular = head.endswith("s")
        base = head[:-3] + "y" if head.endswith("ies") else (head[:-1] if singular else head)
        question = f"What {'does' if singular else 'do'} {subj} {base}{' ' + tail if tail else ''}?"
    form = "parts" if "of" in verb.split() else "function"
    return _fact("definition", question, obj, sentence, subj, form=form)


def use_fact(sentence: str, context: Context) -> Fact | None:
    """'X is used to Y' / 'X can be used for Y': what is X used for?"""
    match = USE.match(sentence)
    if match is None or not noun_phrase(match.group("subj")):
        return None
    subj = keep_case(match.group("subj"), context.names)
    answer = _answer(f"{match.group('prep')} {match.group('rest')}")
    if match.group("can"):
        question = f"What can {subj} be used for?"
    else:
        question = f"What {match.group('verb')} {subj} used for?"
    return _fact("definition", question, answer, sentence, subj, form="use")


def past_action_fact(sentence: str, context: Context) -> Fact | None:
    """'The Factory Act of 1833 banned the employment of children': what did it ban?"""
    match = PAST_ACTION.match(sentence)
    if match is None or not noun_phrase(match.group("subj")):
        return None
    obj = _answer(match.group("obj"))
    base = base_verb(match.group("verb"))
    if base is None or len(obj.split()) < 2 or starts_with_pronoun(obj):
        return None
    subj = keep_case(match.group("subj"), context.names)
    return _fact("definition", f"What did {subj} {base}?", obj, sentence, subj, form="action")


def location_fact(sentence: str, context: Context) -> Fact | None:
    """'Most volcanoes are found along plate boundaries': where are they found?"""
    match = LOCATION.match(sentence)
    if match is None or not noun_phrase(match.group("subj")):
        return None
    subj = keep_case(match.group("subj"), context.names)
    question = f"Where {match.group('verb')} {subj} found?"
    return _fact("definition", question, _answer(match.group("where")), sentence, subj, form="place")


def condition_fact(sentence: str, context: Context) -> Fact | None:
    match = CONDITION.search(sentence)
    if match is None or not noun_phrase(match.group("subj")):
        return None
    subj = keep_case(match.group("subj"), context.names)
    if match.group("event"):
        event = match.group("event").lower()
        singular = event.endswith("s")
        question = f"When {'does' if singular else 'do'} {subj} {event[:-1] if singular else event}?"
    elif match.group("verb"):
        question = f"When {match.group('verb').lower()} {subj} {match.group('adj')}?"
    else:
        question = f"When can {subj} be {match.group('pp')}?"
    answer = f"when {_answer(match.group('cond'))}"
    return _fact("condition", question, answer, sentence, subj)


def reason_fact(sentence: str, context: Context) -> Fact | None:
    for pattern in REASONS:
        match = pattern.search(sentence)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("formed"):
            formed, cause = groups["formed"].strip(), groups["cause"]
            if (
                not is_plural(formed)
                or not noun_phrase(formed)
                or (cause.lower() + " ").startswith(("in ", "on "))
            ):
                continue
            question, answer, subject = f"How do {formed} form?", keep_case(cause, context.names), formed
        else:
            effect = keep_case(groups["effect"], context.names).rstrip(",;: ")
            if starts_with_pronoun(effect) or len(effect.split()) < 3:
                continue
            question, answer, subject = (
                _why(effect),
                keep_case(_answer(groups["cause"]), context.names),
                effect,
            )
        if not starts_with_pronoun(answer) and len(answer.split()) >= 2:
            return _fact("reason", question, answer, sentence, subject, form="cause")
    return None


def _why(effect: str) -> str:
    """'Why is S X?' where the effect is 'S is X', else 'Why is it that ...?' (never a guessed verb form)."""
    copula = re.match(r"^(?P<subj>.+?) (?P<verb>is|are|was|were) (?P<rest>.+)$", effect)
    if copula and noun_phrase(copula.group("subj")):
        return f"Why {copula.group('verb')} {copula.group('subj')} {copula.group('rest')}?"
    return f"Why is it that {effect}?"
