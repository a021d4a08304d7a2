"""The small grammar the fact finders share: the Fact record, names, plurals, past tenses, and the check
that a derived question is one a student could ask.

    usable_question("What is the slope of the line is b and a?")   -> False (two main verbs)
    base_verb("invented") -> "invent";  base_verb("began") -> "begin";  base_verb("created") -> None (unsure)
    keep_case("Jupiter", names) -> "Jupiter";  keep_case("Linear regression", names) -> "linear regression"

Every rule here errs towards skipping: a finder that gets None or False drops the sentence rather than
writing a question nobody would ask.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

FactKind = Literal["calculation", "term", "definition", "condition", "reason"]
QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())  # noqa: SIM905
AUXILIARIES = frozenset("is are was were do does did can could should will would".split())  # noqa: SIM905
COPULAS = frozenset("is are was were".split())  # noqa: SIM905
RELATIVES = frozenset("that which who whom whose where when because if so than".split())  # noqa: SIM905
DANGLING = frozenset(
    """
    which that is are was were the a an of to and or by with for from in on at as who when whose its
    their this these his her
    """.split()  # noqa: SIM905
)
# Prepositions a question may end on: "What does it consist of?", "What is it used for?".
STRANDED = frozenset(
    ("consist of", "made of", "composed of", "used for", "refer to", "belong to", "lead to", "filled with")
)
PRONOUNS = ("it ", "its ", "they ", "this ", "these ", "that ", "those ", "he ", "she ", "we ", "you ", "i ")
PLURAL_WORDS = frozenset(
    """
    data bacteria criteria mitochondria phenomena stomata algae fungi nuclei larvae people children men
    women teeth feet mice
    """.split()  # noqa: SIM905
)
SINGULAR_S = ("ss", "us", "is", "ics", "ous", "sis", "as", "ys")
# Irregular past tenses a history or science lesson uses; the regular "-ed" ones follow base_verb's rules.
IRREGULAR_PAST = dict(
    pair.split(":")
    for pair in """
    began:begin became:become broke:break brought:bring built:build bought:buy came:come chose:choose
    drew:draw drove:drive fell:fall fought:fight found:find flew:fly gave:give went:go grew:grow
    had:have held:hold kept:keep knew:know laid:lay led:lead left:leave lost:lose made:make meant:mean
    met:meet overcame:overcome overthrew:overthrow ran:run rose:rise sang:sing sank:sink saw:see
    sought:seek sold:sell sent:send set:set shot:shoot spoke:speak spent:spend spread:spread stood:stand
    struck:strike swept:sweep took:take taught:teach told:tell thought:think threw:throw
    understood:understand won:win wrote:write withdrew:withdraw
    """.split()  # noqa: SIM905
)
# Regular stems that need their "e" back ("creat" + "ed" -> "create"), beyond the endings base_verb knows.
E_STEMS = frozenset(
    """
    creat declar unit rul decid invad nam vot us clos hop escap describ provid promot arriv liv bas
    complet locat separat abdicat assassinat celebrat negotiat introduc produc replac plac forc announc
    emigrat immigrat migrat ignor explor restor retir stor shar compar prepar requir acquir inspir admir
    cur endur measur captur manufactur fractur structur pictur
    """.split()  # noqa: SIM905
)
NO_E_ENDINGS = tuple("en er on om it et op ow ew aw ay ey oy ck sh ch".split())  # noqa: SIM905
E_ENDINGS = tuple(
    """
    v c u iz yz rv rc rg dg ns rs ls ps lv bl pl tl dl gl kl fl ang eng ung
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Fact:
    """One thing a student can ask about and reach: the question, the answer, and what hints build on."""

    kind: FactKind
    question: str
    answer: str  # what the student finally says ("3 A", "resistance to a change in motion")
    reference: str  # the reference answer, in full
    subject: str  # the term or quantity the conversation is about
    method: str = ""  # calculation: the rule the lesson gives ("multiply by the reciprocal")
    formula: str = ""  # calculation: a formula from the lesson ("I = V / R")
    setup: str = ""  # calculation: the arithmetic with the numbers in ("12 / 4")
    wrong: str = ""  # a plausible wrong answer
    form: str = ""  # the finer shape: "date", "function", "parts", "use", "glossary", "cause" ("" = plain)


@dataclass(frozen=True)
class Context:
    """What a finder knows beyond its sentence: the sentences before it and the chunk's proper names."""

    before: list[str] = field(default_factory=list)
    names: frozenset[str] = frozenset()


def proper_names(text: str) -> frozenset[str]:
    """Capitalised words that stand mid-sentence somewhere in the text ("Jupiter", "Hawaii"): names."""
    found = re.findall(r"(?<=[\w,;)|] )([A-Z][\w'-]*)", text)
    return frozenset(word for word in found if not word.isupper() or len(word) > 1)


def keep_case(phrase: str, names: frozenset[str]) -> str:
    """The phrase as it reads mid-sentence: a sentence-initial capital is dropped unless it is a name
    (found capitalised mid-sentence in the chunk or its heading, an acronym, or followed by a name)."""
    phrase = phrase.strip()
    first, _, rest = phrase.partition(" ")
    if first in names or (len(first) > 1 and first[1:2].isupper()) or rest[:1].isupper():
        return phrase if first.lower() not in {"the", "a", "an"} else first.lower() + phrase[len(first) :]
    return first[:1].lower() + first[1:] + phrase[len(first) :]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def starts_with_pronoun(text: str) -> bool:
    return (text.strip() + " ").lower().startswith(PRONOUNS)


def is_plural(noun_phrase: str) -> bool:
    """Whether a noun phrase is plural, judged by its head word (the last word before "of")."""
    head_part = re.split(r" (?:of|in|on|for|with|from) ", noun_phrase.strip(), maxsplit=1)[0]
    words = head_part.lower().split()
    if not words:
        return False
    if " and " in f" {head_part.lower()} ":
        return True
    head = words[-1]
    return head in PLURAL_WORDS or (head.endswith("s") and not head.endswith(SINGULAR_S) and len(head) > 2)


def is_participle(word: str) -> bool:
    """A past participle ("found", "held", "created", "known"): "X is held back" says what is done to X."""
    word = word.lower()
    return word.endswith("ed") or word in IRREGULAR_PAST or word.endswith(("en", "wn", "lt", "ght"))


def base_verb(past: str) -> str | None:
    """The base form of a past tense ("invented" -> "invent"), or None when the spelling rules are unsure."""
    word = past.lower()
    if word in IRREGULAR_PAST:
        return IRREGULAR_PAST[word]
    if not word.endswith("ed") or len(word) < 4 or "-" in word:
        return None
    stem = word[:-2]
    if word.endswith("ied"):
        return word[:-1] if len(word) <= 4 else word[:-3] + "y"
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] in "bgmnprt":
        return stem[:-1]
    if stem in E_STEMS or stem.endswith(E_ENDINGS) or stem.endswith("e"):
        return stem + "e" if not stem.endswith("e") else stem
    consonants = re.sub(r"[aeiou]", "V", stem)
    if stem.endswith(NO_E_ENDINGS) or not consonants[-2:].count("V"):
        return stem  # two final consonants ("invent", "found") or an unstressed ending ("open", "visit")
    if re.search(r"[aeiou]{2}[^aeiou]$", stem):
        return stem  # "reach", "gain", "join", "treat"
    return None


def question_problems(question: str) -> list[str]:
    """What makes a question one a student would not ask; empty when it is well formed."""
    asked = re.split(r"(?<=[.!?])\s+(?=[A-Z])", question.strip())[-1]
    tokens = re.findall(r"[\w'’-]+", asked.lower())
    problems = []
    if not question.endswith("?") or question.count("?") != 1 or re.search(r"[,;:\s]\?$", question):
        problems.append("does not end cleanly with one question mark")
    if not tokens or (tokens[0] not in QUESTION_WORDS and tokens[0] not in AUXILIARIES):
        problems.append("does not start with a question word")
    if tokens and tokens[-1] in DANGLING and " ".join(tokens[-2:]) not in STRANDED:
        problems.append("ends on a joining word")
    if any(a == b and a not in {"that", "had"} for a, b in itertools.pairwise(tokens)):
        problems.append("repeats a word")
    copulas = [i for i, token in enumerate(tokens) if token in COPULAS]
    if len(copulas) > 1 and not any(t in RELATIVES for t in tokens[copulas[0] + 1 : copulas[1]]):
        problems.append("has two main verbs")
    quotes = re.findall(r"(?<!\w)['‘’]|(?<![\ws])['‘’](?!\w)", asked)
    if asked.count('"') % 2 or len(quotes) % 2:
        problems.append("has an unpaired quotation mark")
    if re.match(r"(?i)(?:what|how|why|when|where) (?:do|are|were) (?:a|an|one|each|every) ", asked):
        problems.append("a plural verb with a singular subject")
    return problems


def usable_question(question: str) -> bool:
    return not question_problems(question) and len(question.split()) >= 3
