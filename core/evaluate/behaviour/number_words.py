"""Whole numbers written in words, including large numbers and years.

    word_numbers("six hundred thousand men")      -> [(0, 20, 600000)]
    word_numbers("in nineteen eighty-nine")       -> [(3, 22, 1989)]     a year said in two halves
    word_numbers("three hundred and eighty-four") -> [(0, 28, 384)]
    digits_for_words("twelve divided by four")    -> "12 divided by 4"

"and" joins only after "hundred" or a scale word ("two and three" stays two numbers). A year is two
two-digit halves ("fourteen ninety-two"), or a half and "oh" and a digit ("nineteen oh five").
"""

from __future__ import annotations

import re
from functools import lru_cache

SMALL = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen
""".split()  # noqa: SIM905
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
WORD_VALUES = {word: value for value, word in enumerate(SMALL)} | TENS
SCALE_WORDS = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "quadrillion": 10**15,
    "quintillion": 10**18, "sextillion": 10**21,
}  # fmt: skip
SCALE = "|".join(["hundred", *SCALE_WORDS])
TOKEN = rf"(?:{'|'.join(sorted(WORD_VALUES, key=len, reverse=True))}|{SCALE})"
SEQUENCE = re.compile(
    rf"\b(?:an? (?=(?:{SCALE})\b))?{TOKEN}(?:(?:[\s-]+|\s+and\s+|\s+oh\s+){TOKEN})*\b", re.IGNORECASE
)
PIECE = re.compile(rf"\b(?:a|an|and|oh|{TOKEN})\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def word_numbers(text: str) -> tuple[tuple[int, int, int], ...]:
    """(start, end, value) of each whole number written in words in `text`."""
    found = []
    for match in SEQUENCE.finditer(text):
        for start, end, value in _split_values(match.group(0)):
            found.append((match.start() + start, match.start() + end, value))
    return tuple(found)


def digits_for_words(text: str) -> str:
    """`text` with every number in words replaced by its digits ("twelve over four" -> "12 over 4")."""
    pieces, last = [], 0
    for start, end, value in word_numbers(text):
        pieces.extend([text[last:start], str(value)])
        last = end
    return "".join(pieces) + text[last:]


def _split_values(phrase: str) -> list[tuple[int, int, int]]:
    """Read a run of number words as one number, or as several when the grammar says they are apart."""
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in PIECE.finditer(phrase)]
    groups: list[list[tuple[int, int, str]]] = [[]]
    for token in tokens:
        word = token[2]
        if word == "and" and (not groups[-1] or groups[-1][-1][2] not in ("hundred", *SCALE_WORDS)):
            groups.append([])
            continue
        if groups[-1] and word in WORD_VALUES and not _joins(groups[-1], word):
            groups.append([])
        groups[-1].append(token)
    values = []
    for group in groups:
        words = [w for _, _, w in group if w not in ("and", "a", "an")]
        value = _value(words)
        if group and value is not None:
            values.append((group[0][0], group[-1][1], value))
    return values


def _joins(group: list[tuple[int, int, str]], word: str) -> bool:
    """Whether `word` continues the number read so far ("twenty" + "five") rather than starting anew."""
    previous = group[-1][2]
    if previous in ("hundred", *SCALE_WORDS, "and", "oh"):
        return True
    last, new = WORD_VALUES.get(previous), WORD_VALUES[word]
    if last is None:
        return True
    if last in TENS.values() and 0 < new < 10:
        return True  # twenty-five, and the second half of nineteen eighty-nine
    # A year: a first half of ten or more ("nineteen", "twenty") followed by a second of ten or more.
    halves = _halves([w for _, _, w in group])
    return halves is not None and len(halves) == 1 and halves[0] >= 10 and new >= 10


def _halves(words: list[str]) -> list[int] | None:
    """Words read as numbers below a hundred, in order ("nineteen eighty nine" -> [19, 89])."""
    halves, index = [], 0
    while index < len(words):
        word, following = words[index], words[index + 1] if index + 1 < len(words) else ""
        if word not in WORD_VALUES and word != "oh":
            return None
        if word == "oh" and following in WORD_VALUES:
            halves.append(WORD_VALUES[following])
            index += 2
        elif (
            WORD_VALUES.get(word) in TENS.values()
            and following in WORD_VALUES
            and 0 < WORD_VALUES[following] < 10
        ):
            halves.append(WORD_VALUES[word] + WORD_VALUES[following])
            index += 2
        else:
            halves.append(WORD_VALUES.get(word, 0))
            index += 1
    return halves


def _value(words: list[str]) -> int | None:
    if not words:
        return None
    halves = _halves(words)
    if halves is not None:
        if len(halves) == 2 and halves[0] >= 10:
            return halves[0] * 100 + halves[1]
        return halves[0] if len(halves) == 1 else None
    total, current = 0, 0
    for word in words:
        if word == "hundred":
            current = (current or 1) * 100
        elif word in SCALE_WORDS:
            total += (current or 1) * SCALE_WORDS[word]
            current = 0
        elif word in WORD_VALUES:
            current += WORD_VALUES[word]
    return total + current
