"""Tone: praise of effort, empathy for a frustrated student, and harsh words a tutor must not use.

    praise("Good thinking to check the units!")            -> ["good thinking"]
    empathy("I know this feels hard, and that's okay.")     -> ["i know this feels", "that's okay"]
    harshness("Obviously that's wrong, pay attention.")     -> ["obviously", "pay attention"]

Phrase lists, matched case-insensitively on word boundaries: small, readable, and easy to extend.
"""

from __future__ import annotations

import re

PRAISE = re.compile(
    r"\b(?:(?:good|great|nice|excellent|brilliant|lovely|fantastic) (?:thinking|start|question|try|idea|effort|"
    r"work|job|reasoning|point|catch|instinct|observation|attempt|step|progress|guess|thought|move|going|one)|"
    r"well done|excellent|brilliant|spot on|perfect|exactly|you'?re (?:close|getting (?:there|closer)|"
    r"on the right track|right)|that'?s (?:right|correct|it|a (?:great|good|smart|fair|sensible|clever|"
    r"really good|natural|common))|i like (?:how|that|the way)|keep going|you got it|you'?ve got it|"
    r"thanks for (?:sharing|showing|trying|asking|explaining|telling)|good (?:that|for) you|impressive|"
    r"you did it|you worked (?:it|that) out|you caught|you found|nicely done|yes(?=!)|great|good job|"
    r"i can see (?:your|you|why|what)|your first step is right|good effort|nice)\b",
    re.IGNORECASE,
)
EMPATHY = re.compile(
    r"\b(?:i understand|i hear you|i get (?:it|that)|i know (?:it|this|that|how)(?: \w+){0,2} (?:feels|is|can)|"
    r"(?:it'?s|that'?s) (?:okay|ok|alright|normal|understandable|completely normal|totally normal|"
    r"frustrating|annoying|hard|tough)|don'?t worry|no worries|sorry (?:it|this|that|you)|"
    r"struggl\w* is (?:a )?(?:normal|part)|part of learning|take a (?:deep )?breath|smaller step|"
    r"small(?:er)? steps?|one step at a time|you'?re not alone|it happens|happens to everyone|"
    r"makes sense to feel|feeling stuck|getting stuck)\b",
    re.IGNORECASE,
)
HARSH = re.compile(
    r"\b(?:stupid|dumb|idiot\w*|obviously|as i (?:already )?(?:said|told you|explained)|you should (?:already )?know|"
    r"pay attention|lazy|careless|that'?s (?:just )?(?:silly|ridiculous)|how (?:can|could) you not|"
    r"come on|seriously\?|wrong again|for the last time)\b",
    re.IGNORECASE,
)


def _phrases(pattern: re.Pattern[str], text: str) -> list[str]:
    return [match.group(0).lower() for match in pattern.finditer(text)]


def praise(text: str) -> list[str]:
    """Phrases that praise effort or progress."""
    return _phrases(PRAISE, text)


def empathy(text: str) -> list[str]:
    """Phrases that acknowledge a feeling or offer a smaller step."""
    return _phrases(EMPATHY, text)


def harshness(text: str) -> list[str]:
    """Condescending or harsh phrases (a tutor must never use them)."""
    return _phrases(HARSH, text)
